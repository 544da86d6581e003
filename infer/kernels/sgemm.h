// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C,
// op(A) is M x K, op(B) is K x N. The fast kernel calls cblas_sgemm, split
// across the threads of the calling TBB arena; the reference is three loops.
#pragma once

#include <cstdint>

#include "storefuse/infer/tensor.h"

namespace storefuse::infer {

struct GemmShape {
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  int64_t lda = 0, ldb = 0, ldc = 0;
};

void sgemm_reference(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c);
void sgemm_fast(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c);

inline void sgemm(bool reference, const GemmShape& s, float alpha, const float* a, const float* b, float beta,
                  float* c) {
  reference ? sgemm_reference(s, alpha, a, b, beta, c) : sgemm_fast(s, alpha, a, b, beta, c);
}

// The fast kernel on the calling thread only.
void sgemm_serial(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c);

// Leading dimensions for dense row-major operands.
GemmShape dense_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k);

}  // namespace storefuse::infer
