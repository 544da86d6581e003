#include "concat.h"

#include <cstring>

#include "shape_util.h"

namespace storefuse::infer {

void Concat::run(OpContext& ctx) const {
  const Tensor& first = ctx.input(0);
  const int axis = normalize_axis(axis_, first.rank(), ctx.node);
  Shape shape = first.shape();
  shape[axis] = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const Tensor& t = ctx.input(i);
    if (t.dtype() != first.dtype() || t.rank() != first.rank())
      throw ctx.node.error(ErrorKind::Data, "input " + std::to_string(i) + " differs in type or rank");
    for (int d = 0; d < t.rank(); ++d) {
      if (d != axis && t.shape()[d] != first.shape()[d])
        throw ctx.node.error(ErrorKind::Data, "input shapes " + to_string(first.shape()) + " and " +
                                                  to_string(t.shape()) + " differ off the axis");
    }
    shape[axis] += t.shape()[axis];
  }
  Tensor& out = ctx.output(0, first.dtype(), shape);
  const size_t element = dtype_size(first.dtype());
  const int64_t outer = span(shape, 0, axis);
  const size_t out_row = static_cast<size_t>(span(shape, axis, first.rank())) * element;
  auto* dst = static_cast<uint8_t*>(out.raw());
  size_t column = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const Tensor& t = ctx.input(i);
    const size_t row = static_cast<size_t>(span(t.shape(), axis, t.rank())) * element;
    const auto* src = static_cast<const uint8_t*>(t.raw());
    for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * out_row + column, src + o * row, row);
    column += row;
  }
}

}  // namespace storefuse::infer
