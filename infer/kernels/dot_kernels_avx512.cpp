// The AVX-512 dot-product kernels (16 floats per vector). This file is
// compiled with -mavx512f -mavx512bw -mavx512vl -mfma -mf16c; dot_kernels()
// calls it only on CPUs that have them.
#include <immintrin.h>

#include "dot_kernels.h"

namespace storefuse::infer::avx512 {
inline float storefuse_dot_half_to_float(uint16_t bits) { return _cvtsh_ss(bits); }
}  // namespace storefuse::infer::avx512

#define STOREFUSE_DOT_WIDTH 16
#define STOREFUSE_DOT_NAME avx512
#define storefuse_dot_load_half(p) \
  (reinterpret_cast<Vec>(_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)))))
#define storefuse_dot_load_int8(p) \
  (reinterpret_cast<Vec>(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))))))
#include "dot_kernels.inc"

namespace storefuse::infer {

DotKernels dot_kernels_avx512() {
  return {"avx512", avx512::dot<float>, avx512::dot<uint16_t>, avx512::dot<int8_t>};
}

}  // namespace storefuse::infer
