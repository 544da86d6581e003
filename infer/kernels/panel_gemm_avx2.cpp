// The AVX2 + FMA panel GEMM kernels: 6 rows x 16 columns (12 ymm
// accumulators) per register tile, two tiles per panel. Compiled with
// -mavx2 -mfma; panel_kernels() calls it only on CPUs that have them.
#define STOREFUSE_PANEL_WIDTH 8
#define STOREFUSE_PANEL_ROWS 6
#define STOREFUSE_PANEL_NAME avx2
#include "panel_gemm.inc"

namespace storefuse::infer {

PanelKernels panel_kernels_avx2() { return {"avx2", avx2::panel, avx2::panel_packed, avx2::kRows}; }

}  // namespace storefuse::infer
