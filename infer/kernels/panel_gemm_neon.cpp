// The arm64 NEON panel GEMM kernels: 4-wide float32 vectors (q registers),
// 8 rows x 8 columns per register tile (16 accumulators of the 32 vector
// registers), four tiles per panel; A's values are multiplied in by lane
// (FMLA by element), the FMAs contracted from a * b + c.
#define STOREFUSE_PANEL_WIDTH 4
#define STOREFUSE_PANEL_ROWS 8
#define STOREFUSE_PANEL_NAME neon
#include "panel_gemm.inc"

namespace storefuse::infer {

PanelKernels panel_kernels_neon() { return {"neon", neon::panel, neon::panel_packed, neon::kRows}; }

}  // namespace storefuse::infer
