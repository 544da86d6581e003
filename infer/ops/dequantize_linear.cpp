#include "dequantize_linear.h"

#include "dispatch.h"
#include "quantize.h"

namespace storefuse::infer {

void DequantizeLinear::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  const Tensor& scale = ctx.input(1);
  if (scale.dtype() != DType::Float32) throw unsupported_dtype(ctx.node, scale.dtype(), "scale");
  if (ctx.has_input(2) && ctx.input(2).dtype() != x.dtype())
    throw ctx.node.error(ErrorKind::Model, "zero point type differs from the input's");
  const QuantAxis q = quant_axis(ctx, axis_);
  dispatch<uint8_t, int8_t, int32_t>(x.dtype(), ctx.node, [&](auto zero) {
    using T = decltype(zero);
    const T* zero_point = ctx.has_input(2) ? ctx.input(2).template data<T>() : nullptr;
    const T* in = x.data<T>();
    const float* s = scale.data<float>();
    float* out = ctx.output(0, DType::Float32, x.shape()).data<float>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) {
      const int64_t c = q.channel(i);
      out[i] = static_cast<float>(static_cast<int64_t>(in[i]) - (zero_point ? zero_point[c] : 0)) * s[c];
    }
  });
}

}  // namespace storefuse::infer
