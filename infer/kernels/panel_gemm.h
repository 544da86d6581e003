// GEMM against a float32 weight matrix packed once at load into column
// panels (what MLAS does with a prepacked B, and ncnn with its packed
// InnerProduct weights): C [m, N] = alpha * A W^T (+ beta * C) (+ bias) (relu),
// with W [N, K] the weights and A [m, K] row-major.
//
// Layout: panel p holds output columns [32p, 32p + 32) as K rows of 32
// floats (panel[k * 32 + j] = W[32p + j, k]); the last panel is padded with
// zeros. One layout serves every instruction set and every m: a row of A
// against a panel is one broadcast and two (AVX-512) or four (AVX2) FMAs per
// k, and the weights stream through memory in order.
//
// Micro-kernels (panel_gemm.inc, compiled per instruction set like the
// dot-product kernels): a tile of up to kRows rows x one panel's columns is
// held in registers (AVX-512: 12 x 32, 24 accumulators; AVX2: 6 x 16 twice
// per panel; NEON: 8 x 8 four times; portable 4-wide vectors: 6 x 8 four
// times), A broadcast from its rows, K blocked so that the panel's block
// stays in L1 while every row tile uses it. Threads split the panels, so each reads only its share of
// the weights.
#pragma once

#include <cstdint>
#include <vector>

#include "storefuse/infer/tensor.h"

namespace storefuse::infer {

constexpr int64_t kPanelWidth = 32;

// What is done to each output after the product: y = alpha * acc + beta * y
// (y not read when beta is 0) + bias_scale * bias[column], then max(y, 0)
// when relu.
struct GemmEpilogue {
  float alpha = 1.0f;
  float beta = 0.0f;
  const float* bias = nullptr;  // one per output column, or none
  float bias_scale = 1.0f;
  bool relu = false;
};

// Rows [0, m) of A (row stride lda) times the k rows of one panel starting
// at `panel` (row stride kPanelWidth), into C's columns [0, cols) (cols <=
// kPanelWidth, row stride ldc), one register tile of rows after the other;
// bias (when set) points at the panel's first column. `next` (or null) is
// the panel block the caller multiplies next, prefetched meanwhile.
using PanelKernel = void (*)(const float* a, int64_t lda, int64_t m, const float* panel, int64_t k, float* c,
                             int64_t ldc, int64_t cols, const GemmEpilogue& e, const float* next);

// The same with A in row tiles (pack_rows): `a` points at element k0 of the
// first tile, `lda` is the distance from one tile to the next.
struct PanelKernels {
  const char* isa = "";
  PanelKernel f32 = nullptr;
  PanelKernel f32_packed = nullptr;
  int64_t rows = 0;  // the most rows of one register tile
};

// A [m, k] (row stride lda) in tiles of `rows` rows for f32_packed: tile t
// holds rows [t * rows, t * rows + rows) k-major (out[t * rows * k + q * rows
// + r] = A[t * rows + r, q]), so that a register tile reads its part of A as
// one sequential stream instead of `rows` strided ones; the last tile's
// missing rows are left as found (no output reads them).
void pack_rows(const float* a, int64_t lda, int64_t m, int64_t k, int64_t rows, float* out);

// The fastest set this CPU runs (STOREFUSE_INFER_ISA caps it, as for the
// dot-product kernels); every set it runs, portable first (for tests).
const PanelKernels& panel_kernels();
std::vector<PanelKernels> available_panel_kernels();
PanelKernels panel_kernels_portable();
PanelKernels panel_kernels_avx2();
PanelKernels panel_kernels_avx512();
PanelKernels panel_kernels_neon();

// C [m, n] (row stride ldc) = A [m, k] (row stride lda) x B [k, n] (row
// stride ldb), for a B computed at run time and a product too small for
// BLAS to pay for its call (attention's per-head products): B is packed
// into `scratch` and the panel kernel runs on it, on the calling thread.
void panel_gemm_small(const float* a, int64_t lda, int64_t m, const float* b, int64_t ldb, int64_t n, int64_t k,
                      float* c, int64_t ldc, std::vector<float>& scratch, const PanelKernels* kernels = nullptr);

// Float32 weights in panels.
class PanelWeights {
 public:
  PanelWeights() = default;
  // From W [N, K] (nk) or [K, N] (!nk), row-major float32.
  PanelWeights(const float* w, int64_t n, int64_t k, bool nk);

  int64_t n() const { return n_; }
  int64_t k() const { return k_; }
  int64_t panels() const { return (n_ + kPanelWidth - 1) / kPanelWidth; }
  const float* panel(int64_t p) const { return data_.get() + p * k_ * kPanelWidth; }
  const void* raw() const { return data_.get(); }
  size_t bytes() const { return static_cast<size_t>(panels() * k_ * kPanelWidth) * sizeof(float); }

  // Rows [begin, end) of W [N, K] as they were before packing.
  void unpack(int64_t begin, int64_t end, float* out) const;

  // C [m, N] (row stride ldc) per the epilogue, A [m, K] (row stride lda),
  // split across the calling arena's threads; `kernels` defaults to
  // panel_kernels().
  void multiply(const float* a, int64_t lda, int64_t m, float* c, int64_t ldc, const GemmEpilogue& e,
                const PanelKernels* kernels = nullptr) const;

 private:
  // Panels [p0, p1) x rows [i0, i1) on the calling thread.
  void multiply_block(const PanelKernels& kernels, const float* a, int64_t lda, int64_t i0, int64_t i1, int64_t p0,
                      int64_t p1, float* c, int64_t ldc, const GemmEpilogue& e) const;

  int64_t n_ = 0, k_ = 0;
  std::shared_ptr<float> data_;  // panels() * K * kPanelWidth floats, 64-byte aligned
};

}  // namespace storefuse::infer
