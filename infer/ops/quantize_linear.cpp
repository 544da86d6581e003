#include "quantize_linear.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dispatch.h"
#include "quantize.h"

namespace storefuse::infer {

void QuantizeLinear::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  const Tensor& scale = ctx.input(1);
  if (x.dtype() != DType::Float32) throw unsupported_dtype(ctx.node, x.dtype());
  if (scale.dtype() != DType::Float32) throw unsupported_dtype(ctx.node, scale.dtype(), "scale");
  const QuantAxis q = quant_axis(ctx, axis_);
  const DType out_type = ctx.has_input(2) ? ctx.input(2).dtype() : DType::UInt8;
  dispatch<uint8_t, int8_t>(out_type, ctx.node, [&](auto zero) {
    using T = decltype(zero);
    const T* zero_point = ctx.has_input(2) ? ctx.input(2).template data<T>() : nullptr;
    const float* in = x.data<float>();
    const float* s = scale.data<float>();
    T* out = ctx.output(0, out_type, x.shape()).template data<T>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) {
      const int64_t c = q.channel(i);
      // nearbyint rounds half to even under the default rounding mode.
      const float v = std::nearbyint(in[i] / s[c]) + (zero_point ? zero_point[c] : 0);
      out[i] = static_cast<T>(std::clamp<float>(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    }
  });
}

}  // namespace storefuse::infer
