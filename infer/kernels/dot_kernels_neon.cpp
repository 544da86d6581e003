// The arm64 NEON dot-product kernels (4 floats per vector). float16 weights
// are widened by FCVTL and int8 ones by SXTL + SCVTF, all base ARMv8 NEON;
// the sums stay float32, as in every other set (docs/edge.md: why the
// dot-product and half-precision arithmetic extensions are not used).
#include <arm_neon.h>

#include <cstring>

#include "dot_kernels.h"

namespace storefuse::infer::neon {

inline float storefuse_dot_half_to_float(uint16_t bits) {
  __fp16 h;
  std::memcpy(&h, &bits, sizeof h);
  return static_cast<float>(h);
}

inline float32x4_t widen_int8(const int8_t* p) {
  int32_t four;
  std::memcpy(&four, p, sizeof four);
  const int16x8_t halves = vmovl_s8(vreinterpret_s8_s32(vdup_n_s32(four)));
  return vcvtq_f32_s32(vmovl_s16(vget_low_s16(halves)));
}

}  // namespace storefuse::infer::neon

#define STOREFUSE_DOT_WIDTH 4
#define STOREFUSE_DOT_ACCUMULATORS 16  // of NEON's 32 vector registers
#define STOREFUSE_DOT_NAME neon
#define storefuse_dot_load_half(p) \
  (reinterpret_cast<Vec>(vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)))))
#define storefuse_dot_load_int8(p) (reinterpret_cast<Vec>(widen_int8(p)))
#include "dot_kernels.inc"

namespace storefuse::infer {

DotKernels dot_kernels_neon() { return {"neon", neon::dot<float>, neon::dot<uint16_t>, neon::dot<int8_t>}; }

}  // namespace storefuse::infer
