// The portable dot-product kernels: 4-wide vectors any target has.
#include "dot_kernels.h"
#include "storefuse/infer/tensor.h"

namespace storefuse::infer::portable {
inline float storefuse_dot_half_to_float(uint16_t bits) { return to_float(Float16{bits}); }
}  // namespace storefuse::infer::portable

#define STOREFUSE_DOT_WIDTH 4
#define STOREFUSE_DOT_NAME portable
#define storefuse_dot_load_half(p) \
  (Vec{storefuse_dot_half_to_float((p)[0]), storefuse_dot_half_to_float((p)[1]), \
       storefuse_dot_half_to_float((p)[2]), storefuse_dot_half_to_float((p)[3])})
#define storefuse_dot_load_int8(p) \
  (Vec{static_cast<float>((p)[0]), static_cast<float>((p)[1]), static_cast<float>((p)[2]), \
       static_cast<float>((p)[3])})
#include "dot_kernels.inc"

namespace storefuse::infer {

DotKernels dot_kernels_portable() {
  return {"portable", portable::dot<float>, portable::dot<uint16_t>, portable::dot<int8_t>};
}

}  // namespace storefuse::infer
