// Lane vectors for the FFT and MFCC kernels, and their CPU dispatch.
// Internal to storefuse_features.
#pragma once

#include <cstddef>

#include "storefuse/features/fft.h"

// Lanes values are passed between inline functions of this library only, so
// GCC's note that their ABI differs with and without AVX does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace storefuse::features::simd {

constexpr int L = RealFft::kLanes;

// kLanes floats as one value (GCC/Clang vector extension): one AVX register
// or two SSE/NEON registers per operation. aligned(4) and may_alias let it
// view any float buffer.
typedef float Lanes __attribute__((vector_size(L * sizeof(float)), aligned(4), may_alias));

inline Lanes& at(float* p, std::size_t element) { return *reinterpret_cast<Lanes*>(p + element * L); }
inline const Lanes& at(const float* p, std::size_t element) {
  return *reinterpret_cast<const Lanes*>(p + element * L);
}
inline Lanes splat(float v) { return Lanes{} + v; }

// Natural log of positive normal floats (callers clamp first), to about
// 2 float ulp. The C library's logf cannot be vectorised and was a quarter
// of the MFCC time. x = 2^e * m with m in [sqrt(1/2), sqrt(2)), and
// ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172: five odd terms leave an
// error below 1e-9.
inline Lanes log(Lanes x) {
  typedef int Ints __attribute__((vector_size(L * sizeof(int))));
  const Ints bits = __builtin_bit_cast(Ints, x);
  Ints e = ((bits >> 23) & 0xFF) - 127;
  const Ints m_bits = (bits & 0x7FFFFF) | 0x3F800000;  // mantissa as a float in [1, 2)
  Lanes m = __builtin_bit_cast(Lanes, m_bits);
  const auto big = m > 1.41421356f;
  m = big ? m * 0.5f : m;
  e = big ? e + 1 : e;
  const Lanes s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
  const Lanes series = 2.0f * s * (1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9)))));
  return __builtin_convertvector(e, Lanes) * 0.693147180559945f + series;
}

}  // namespace storefuse::features::simd

// Hot kernels are compiled twice on x86-64, for the baseline (SSE2) and for
// x86-64-v3 (AVX2 + FMA), and the loader picks one for the CPU (GCC
// target_clones, an ELF ifunc). Results of the two differ by float rounding only.
#if defined(__x86_64__) && defined(__ELF__) && defined(__GNUC__)
#define STOREFUSE_SIMD_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define STOREFUSE_SIMD_KERNEL
#endif
