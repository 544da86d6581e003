// Dot-product kernels for products with few rows (batch 1, attention over a
// few tokens): every row of a weight matrix W [N, K] (K contiguous) against
// up to kDotRows rows of A, reading W once. W is float32, float16 or int8;
// the sums are float32 (int8 and float16 weights are widened on the fly, so
// they stay small in memory). One set of kernels per instruction set, picked
// at run time: AVX-512, AVX2 + FMA + F16C, NEON (arm64), or portable C++.
#pragma once

#include <cstdint>
#include <vector>

namespace storefuse::infer {

constexpr int64_t kDotRows = 4;

// out[r * ldo + n] = sum_k a[r * lda + k] * W[n, k], for r < m (1..kDotRows)
// and n < n_rows; W row n starts at w + n * ldw.
template <class W>
using DotKernel = void (*)(const W* w, int64_t ldw, int64_t n_rows, int64_t k, const float* a, int64_t lda,
                           int64_t m, float* out, int64_t ldo);

struct DotKernels {
  const char* isa = "";
  DotKernel<float> f32 = nullptr;
  DotKernel<uint16_t> f16 = nullptr;  // IEEE half bit patterns
  DotKernel<int8_t> i8 = nullptr;
};

// The fastest set this CPU supports, capped by limit_kernel_isa()
// (storefuse-infer maps STOREFUSE_INFER_ISA onto it, for tests and comparisons).
const DotKernels& dot_kernels();
// Every set this CPU can run, portable first (for tests).
std::vector<DotKernels> available_dot_kernels();

// Per instruction set; the x86 ones exist only in x86-64 builds, the NEON
// one only in arm64 builds.
DotKernels dot_kernels_portable();
DotKernels dot_kernels_avx2();
DotKernels dot_kernels_avx512();
DotKernels dot_kernels_neon();

}  // namespace storefuse::infer
