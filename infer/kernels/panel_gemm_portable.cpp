// The portable panel GEMM kernels: 4-wide vectors any target has, 6 rows x
// 8 columns per register tile, four tiles per panel.
#define STOREFUSE_PANEL_WIDTH 4
#define STOREFUSE_PANEL_ROWS 6
#define STOREFUSE_PANEL_NAME portable
#include "panel_gemm.inc"

namespace storefuse::infer {

PanelKernels panel_kernels_portable() { return {"portable", portable::panel, portable::panel_packed, portable::kRows}; }

}  // namespace storefuse::infer
