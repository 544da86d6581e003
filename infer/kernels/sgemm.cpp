#include "sgemm.h"

#include "storefuse/infer/process.h"

#include <cblas.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>

namespace storefuse::infer {

GemmShape dense_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k) {
  return {trans_a, trans_b, m, n, k, trans_a ? m : k, trans_b ? k : n, n};
}

void use_single_threaded_blas() {
  openblas_set_num_threads(1);
}

void sgemm_reference(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c) {
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < s.k; ++p) {
        float av = s.trans_a ? a[p * s.lda + i] : a[i * s.lda + p];
        float bv = s.trans_b ? b[j * s.ldb + p] : b[p * s.ldb + j];
        sum += static_cast<double>(av) * bv;
      }
      float& out = c[i * s.ldc + j];
      out = static_cast<float>(alpha * sum + (beta == 0 ? 0.0 : beta * static_cast<double>(out)));
    }
  }
}

namespace {

// Row i of C over columns [j, j + n) as one matrix-vector product: op(B)^T
// restricted to those columns is n x K, stored [n, K] when trans_b (row-major
// NoTrans) or [K, n] otherwise (row-major Trans).
void gemv_row(const GemmShape& s, int64_t i, int64_t j, int64_t n, float alpha, const float* a, const float* b,
              float beta, float* c) {
  const float* x = s.trans_a ? a + i : a + i * s.lda;
  float* y = c + i * s.ldc + j;
  if (beta == 0) std::fill_n(y, n, 0.0f);
  cblas_sgemv(CblasRowMajor, s.trans_b ? CblasNoTrans : CblasTrans, static_cast<blasint>(s.trans_b ? n : s.k),
              static_cast<blasint>(s.trans_b ? s.k : n), alpha, s.trans_b ? b + j * s.ldb : b + j,
              static_cast<blasint>(s.ldb), x, static_cast<blasint>(s.trans_a ? s.lda : 1), beta, y, 1);
}

// Up to this many rows, GEMM runs as matrix-vector products: sgemm would
// repack all of B on every call, and B (the weights) is most of the traffic.
constexpr int64_t kGemvRows = 4;
// Columns of B are taken in blocks of about this size, so that a block read
// for the first row is still in L2 for the others.
constexpr int64_t kGemvBlockBytes = 256 * 1024;

}  // namespace

void sgemm_serial(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c) {
  if (s.m <= kGemvRows) {
    const int64_t block = std::max<int64_t>(16, kGemvBlockBytes / (std::max<int64_t>(s.k, 1) * 4));
    for (int64_t j = 0; j < s.n; j += block) {
      for (int64_t i = 0; i < s.m; ++i) gemv_row(s, i, j, std::min(block, s.n - j), alpha, a, b, beta, c);
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, s.trans_a ? CblasTrans : CblasNoTrans, s.trans_b ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(s.m), static_cast<blasint>(s.n), static_cast<blasint>(s.k), alpha, a,
              static_cast<blasint>(s.lda), b, static_cast<blasint>(s.ldb), beta, c, static_cast<blasint>(s.ldc));
}

namespace {

// Below this much work (multiply-adds) a split costs more than it saves.
constexpr int64_t kMinParallelWork = 1 << 17;

}  // namespace

void sgemm_fast(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c) {
  if (s.m == 0 || s.n == 0) return;
  const int threads = tbb::this_task_arena::max_concurrency();
  if (threads <= 1 || s.m * s.n * s.k < kMinParallelWork) {
    sgemm_serial(s, alpha, a, b, beta, c);
    return;
  }
  // With OpenBLAS single-threaded (use_single_threaded_blas, process.h), the arena's
  // threads each take a block of the larger output dimension. Splitting
  // columns means each thread reads only its share of B, the weights.
  if (s.m > s.n) {
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, s.m, (s.m + threads - 1) / threads),
                      [&](const tbb::blocked_range<int64_t>& r) {
                        GemmShape part = s;
                        part.m = r.size();
                        const float* ap = s.trans_a ? a + r.begin() : a + r.begin() * s.lda;
                        sgemm_serial(part, alpha, ap, b, beta, c + r.begin() * s.ldc);
                      });
  } else {
    const int64_t block = ((s.n + threads - 1) / threads + 15) / 16 * 16;
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, s.n, block), [&](const tbb::blocked_range<int64_t>& r) {
      GemmShape part = s;
      part.n = r.size();
      const float* bp = s.trans_b ? b + r.begin() * s.ldb : b + r.begin();
      sgemm_serial(part, alpha, a, bp, beta, c + r.begin());
    });
  }
}

}  // namespace storefuse::infer
