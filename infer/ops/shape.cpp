#include "shape.h"

#include <algorithm>

namespace storefuse::infer {

void ShapeOp::run(OpContext& ctx) const {
  const Shape& shape = ctx.input(0).shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  auto clamp = [&](int64_t i) { return std::clamp(i < 0 ? i + rank : i, int64_t{0}, rank); };
  int64_t begin = clamp(start_), end = std::max(begin, clamp(end_));
  Tensor& out = ctx.output(0, DType::Int64, {end - begin});
  std::copy(shape.begin() + begin, shape.begin() + end, out.data<int64_t>());
}

}  // namespace storefuse::infer
