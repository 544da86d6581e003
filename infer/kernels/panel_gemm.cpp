#include "panel_gemm.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "isa.h"
#include "weight_storage.h"

namespace storefuse::infer {

namespace {

#if defined(STOREFUSE_INFER_X86_KERNELS)
constexpr KernelFamily<PanelKernels> kFamily{panel_kernels_portable, panel_kernels_avx2, panel_kernels_avx512};
#elif defined(STOREFUSE_INFER_NEON_KERNELS)
constexpr KernelFamily<PanelKernels> kFamily{panel_kernels_portable, nullptr, nullptr, panel_kernels_neon};
#else
constexpr KernelFamily<PanelKernels> kFamily{panel_kernels_portable};
#endif

// K is blocked to about this many rows when several register tiles share a
// panel: a block of one panel (256 x 32 floats, 32 KB) then stays in L1
// while every tile of rows runs over it.
constexpr int64_t kKBlock = 256;
// Floats of A per block of rows (640 KB: 64 rows of K = 2048 stay in L2).
constexpr int64_t kABlockFloats = 160 * 1024;
// Matrices packed on one thread below this size.
constexpr size_t kParallelPackBytes = 1 << 20;
// Below this many multiply-adds a split across threads costs more than it saves.
constexpr int64_t kMinParallelWork = 1 << 17;

}  // namespace

const PanelKernels& panel_kernels() {
  static const PanelKernels kernels = kFamily.at(chosen_isa_level());
  return kernels;
}

std::vector<PanelKernels> available_panel_kernels() { return kFamily.available(); }

PanelWeights::PanelWeights(const float* w, int64_t n, int64_t k, bool nk) : n_(n), k_(k) {
  const size_t count = static_cast<size_t>(panels() * k * kPanelWidth);
  // On huge pages from 2 MB (weight_storage.h).
  data_ = std::static_pointer_cast<float>(allocate_weight_storage(count * sizeof(float)));
  // Subnormal weights (below 2^-126, what weight decay leaves in trained
  // models) are packed as zero: an FMA with a subnormal operand takes a
  // microcode assist on x86, which made a trained seed network several times
  // slower at batch 64 than a fresh one. What they add to an output is below 2^-126
  // times an activation, far under float resolution of any normal result.
  auto flushed = [](float v) { return std::fabs(v) < std::numeric_limits<float>::min() ? 0.0f : v; };
  auto pack = [&](int64_t p) {
    float* dst = data_.get() + p * k * kPanelWidth;
    const int64_t cols = std::min(kPanelWidth, n - p * kPanelWidth);
    if (cols < kPanelWidth) std::fill_n(dst, k * kPanelWidth, 0.0f);
    if (nk) {
      // Rows of W become columns of the panel, 16 k at a time (a cache line
      // of each row), so that the block written stays in L1.
      for (int64_t k0 = 0; k0 < k; k0 += 16) {
        const int64_t k1 = std::min(k, k0 + 16);
        for (int64_t j = 0; j < cols; ++j) {
          const float* src = w + (p * kPanelWidth + j) * k;
          for (int64_t q = k0; q < k1; ++q) dst[q * kPanelWidth + j] = flushed(src[q]);
        }
      }
    } else {
      for (int64_t q = 0; q < k; ++q) {
        const float* src = w + q * n + p * kPanelWidth;
        std::transform(src, src + cols, dst + q * kPanelWidth, flushed);
      }
    }
  };
  // Large matrices are packed on every thread of the calling arena (a copy:
  // the same panels whatever the split).
  if (count * sizeof(float) < kParallelPackBytes) {
    for (int64_t p = 0; p < panels(); ++p) pack(p);
  } else {
    tbb::parallel_for(int64_t(0), panels(), pack);
  }
}

void panel_gemm_small(const float* a, int64_t lda, int64_t m, const float* b, int64_t ldb, int64_t n, int64_t k,
                      float* c, int64_t ldc, std::vector<float>& scratch, const PanelKernels* kernels) {
  if (m == 0 || n == 0) return;
  const PanelKernels& kern = kernels ? *kernels : panel_kernels();
  const int64_t panels = (n + kPanelWidth - 1) / kPanelWidth;
  // The padding of the last panel is left as found: no output reads it.
  if (scratch.size() < static_cast<size_t>(panels * k * kPanelWidth)) scratch.resize(panels * k * kPanelWidth);
  for (int64_t p = 0; p < panels; ++p) {
    const int64_t j0 = p * kPanelWidth, cols = std::min(kPanelWidth, n - j0);
    float* dst = scratch.data() + p * k * kPanelWidth;
    for (int64_t q = 0; q < k; ++q)
      for (int64_t j = 0; j < cols; ++j) dst[q * kPanelWidth + j] = b[q * ldb + j0 + j];
  }
  const GemmEpilogue e;
  for (int64_t p = 0; p < panels; ++p) {
    const int64_t j0 = p * kPanelWidth;
    kern.f32(a, lda, m, scratch.data() + p * k * kPanelWidth, k, c + j0, ldc, std::min(kPanelWidth, n - j0), e,
             nullptr);
  }
}

void pack_rows(const float* a, int64_t lda, int64_t m, int64_t k, int64_t rows, float* out) {
  for (int64_t t0 = 0; t0 < m; t0 += rows, out += rows * k) {
    const int64_t n = std::min(rows, m - t0);
    const float* src = a + t0 * lda;
    // Written in order; each row's current cache line stays in L1 while
    // its 16 k are read (reading row by row instead was slower).
    for (int64_t q = 0; q < k; ++q)
      for (int64_t r = 0; r < n; ++r) out[q * rows + r] = src[r * lda + q];
  }
}

void PanelWeights::unpack(int64_t begin, int64_t end, float* out) const {
  for (int64_t r = begin; r < end; ++r, out += k_) {
    const float* src = panel(r / kPanelWidth) + r % kPanelWidth;
    for (int64_t q = 0; q < k_; ++q) out[q] = src[q * kPanelWidth];
  }
}

void PanelWeights::multiply_block(const PanelKernels& kernels, const float* a, int64_t lda, int64_t i0, int64_t i1,
                                  int64_t p0, int64_t p1, float* c, int64_t ldc, const GemmEpilogue& e) const {
  const int64_t rows = kernels.rows, m = i1 - i0;
  // One K block when one register tile covers the rows: each panel is then
  // read once whatever its size.
  int64_t kc = std::max<int64_t>(k_, 1);
  if (m > rows && k_ > kKBlock) {
    const int64_t blocks = (k_ + kKBlock - 1) / kKBlock;
    kc = ((k_ + blocks - 1) / blocks + 7) / 8 * 8;
  }
  // Rows in blocks whose part of A (rows x all of K) stays in L2 while the
  // thread's panels go past.
  const int64_t mc = std::max(rows, kABlockFloats / std::max<int64_t>(k_, 1) / rows * rows);
  // Several register tiles of rows read A packed in tiles (one buffer per
  // thread, reused).
  thread_local std::vector<float> tiles;
  for (int64_t r0 = i0; r0 < i1; r0 += mc) {
    const int64_t r1 = std::min(i1, r0 + mc);
    const bool packed = r1 - r0 > rows && kernels.f32_packed;
    if (packed) {
      const size_t need = static_cast<size_t>((r1 - r0 + rows - 1) / rows * rows * k_);
      if (tiles.size() < need) tiles.resize(need);
      pack_rows(a + r0 * lda, lda, r1 - r0, k_, rows, tiles.data());
    }
    // Each panel from its first K block to its last: the weights stream
    // through memory in order.
    for (int64_t p = p0; p < p1; ++p) {
      int64_t k0 = 0;
      do {
        const int64_t kb = std::min(kc, k_ - k0);
        GemmEpilogue step = e;
        if (k0 > 0) step.beta = 1.0f;  // adds to the blocks before
        if (k0 + kb < k_) {
          step.bias = nullptr;
          step.relu = false;
        }
        if (step.bias) step.bias += p * kPanelWidth;
        // With several register tiles per block, they prefetch the block
        // that comes next: this panel's next K block, or the next panel's
        // first.
        const float* next = nullptr;
        if (r1 - r0 > rows) {
          if (k0 + kb < k_) {
            next = panel(p) + (k0 + kb) * kPanelWidth;
          } else if (p + 1 < p1) {
            next = panel(p + 1);
          }
        }
        float* out = c + r0 * ldc + p * kPanelWidth;
        const int64_t cols = std::min(kPanelWidth, n_ - p * kPanelWidth);
        if (packed) {
          kernels.f32_packed(tiles.data() + k0 * rows, rows * k_, r1 - r0, panel(p) + k0 * kPanelWidth, kb, out, ldc,
                             cols, step, next);
        } else {
          kernels.f32(a + r0 * lda + k0, lda, r1 - r0, panel(p) + k0 * kPanelWidth, kb, out, ldc, cols, step, next);
        }
        k0 += kb;
      } while (k0 < k_);
    }
  }
}

void PanelWeights::multiply(const float* a, int64_t lda, int64_t m, float* c, int64_t ldc, const GemmEpilogue& e,
                            const PanelKernels* kernels) const {
  if (m == 0 || n_ == 0) return;
  const PanelKernels& kern = kernels ? *kernels : panel_kernels();
  const int64_t threads = tbb::this_task_arena::max_concurrency();
  const int64_t count = panels();
  if (threads <= 1 || m * n_ * k_ < kMinParallelWork) {
    multiply_block(kern, a, lda, 0, m, 0, count, c, ldc, e);
    return;
  }
  // Panels split evenly, so that each thread reads only its share of the
  // weights; rows instead when there are fewer panels than threads.
  const bool by_panels = count >= threads;
  const int64_t row_tiles = (m + kern.rows - 1) / kern.rows;
  const int64_t parts = std::min(threads, by_panels ? count : row_tiles);
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, parts, 1),
      [&](const tbb::blocked_range<int64_t>& r) {
        for (int64_t t = r.begin(); t < r.end(); ++t) {
          if (by_panels) {
            multiply_block(kern, a, lda, 0, m, t * count / parts, (t + 1) * count / parts, c, ldc, e);
          } else {
            const int64_t i0 = std::min(m, t * row_tiles / parts * kern.rows);
            const int64_t i1 = std::min(m, (t + 1) * row_tiles / parts * kern.rows);
            multiply_block(kern, a, lda, i0, i1, 0, count, c, ldc, e);
          }
        }
      },
      tbb::simple_partitioner());
}

}  // namespace storefuse::infer
