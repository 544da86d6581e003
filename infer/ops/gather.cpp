#include "gather.h"

#include <cstring>

#include "shape_util.h"

namespace storefuse::infer {

void Gather::run(OpContext& ctx) const {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const int axis = normalize_axis(axis_, data.rank(), ctx.node);
  const int64_t dim = data.shape()[axis];
  std::vector<int64_t> index = read_int_list(indices.view({indices.numel()}), ctx.node);
  for (int64_t& i : index) {
    if (i < -dim || i >= dim)
      throw ctx.node.error(ErrorKind::Data, "index " + std::to_string(i) + " is out of range for axis size " +
                                                std::to_string(dim));
    if (i < 0) i += dim;
  }
  Shape shape(data.shape().begin(), data.shape().begin() + axis);
  shape.insert(shape.end(), indices.shape().begin(), indices.shape().end());
  shape.insert(shape.end(), data.shape().begin() + axis + 1, data.shape().end());
  Tensor& out = ctx.output(0, data.dtype(), shape);

  const size_t row = static_cast<size_t>(span(data.shape(), axis + 1, data.rank())) * dtype_size(data.dtype());
  const int64_t outer = span(data.shape(), 0, axis);
  const auto* src = static_cast<const uint8_t*>(data.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i : index) {
      std::memcpy(dst, src + (o * dim + i) * row, row);
      dst += row;
    }
  }
}

}  // namespace storefuse::infer
