#include "reduce_mean.h"

#include <array>

#include "broadcast.h"
#include "dispatch.h"

namespace storefuse::infer {

void ReduceMean::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  if (x.dtype() != DType::Float32) throw unsupported_dtype(ctx.node, x.dtype());
  std::vector<bool> reduced(x.rank(), axes_.empty());
  for (int a : normalize_axes(axes_, x.rank(), ctx.node)) reduced[a] = true;
  Shape kept = x.shape(), shape;  // kept: reduced dims set to 1
  for (int d = 0; d < x.rank(); ++d) {
    if (reduced[d]) kept[d] = 1;
    if (!reduced[d] || keep_dims_) shape.push_back(kept[d]);
  }
  // Sum each input element into its output cell, walking the input.
  std::vector<double> sums(static_cast<size_t>(numel(kept)), 0.0);
  const float* in = x.data<float>();
  std::array<std::vector<int64_t>, 1> strides{broadcast_strides(kept, x.shape())};
  for_each_broadcast<1>(x.shape(), strides,
                        [&](int64_t i, const std::array<int64_t, 1>& off) { sums[off[0]] += in[i]; });
  const double count = static_cast<double>(x.numel()) / static_cast<double>(sums.size());
  float* out = ctx.output(0, DType::Float32, shape).data<float>();
  for (size_t i = 0; i < sums.size(); ++i) out[i] = static_cast<float>(sums[i] / count);
}

}  // namespace storefuse::infer
