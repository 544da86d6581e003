// The AVX2 + FMA + F16C dot-product kernels (8 floats per vector). This file
// is compiled with -mavx2 -mfma -mf16c; dot_kernels() calls it only on CPUs
// that have them.
#include <immintrin.h>

#include "dot_kernels.h"

namespace storefuse::infer::avx2 {
inline float storefuse_dot_half_to_float(uint16_t bits) { return _cvtsh_ss(bits); }
}  // namespace storefuse::infer::avx2

#define STOREFUSE_DOT_WIDTH 8
#define STOREFUSE_DOT_NAME avx2
#define storefuse_dot_load_half(p) \
  (reinterpret_cast<Vec>(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)))))
#define storefuse_dot_load_int8(p) \
  (reinterpret_cast<Vec>(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))))))
#include "dot_kernels.inc"

namespace storefuse::infer {

DotKernels dot_kernels_avx2() { return {"avx2", avx2::dot<float>, avx2::dot<uint16_t>, avx2::dot<int8_t>}; }

}  // namespace storefuse::infer
