// The AVX-512 panel GEMM kernels: 12 rows x 32 columns (24 zmm accumulators)
// per register tile. Compiled with -mavx512f -mavx512bw -mavx512vl -mfma;
// panel_kernels() calls it only on CPUs that have them.
#define STOREFUSE_PANEL_WIDTH 16
#define STOREFUSE_PANEL_ROWS 12
#define STOREFUSE_PANEL_NAME avx512
#include "panel_gemm.inc"

namespace storefuse::infer {

PanelKernels panel_kernels_avx512() { return {"avx512", avx512::panel, avx512::panel_packed, avx512::kRows}; }

}  // namespace storefuse::infer
