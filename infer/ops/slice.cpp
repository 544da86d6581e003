#include "slice.h"

#include <algorithm>

#include "strided.h"

namespace storefuse::infer {

Slice::Slice(const Node& node)
    : starts_(node.attr_ints("starts")), ends_(node.attr_ints("ends")), axes_(node.attr_ints("axes")) {}

void Slice::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  const Node& node = ctx.node;
  const bool from_inputs = ctx.has_input(1);
  std::vector<int64_t> starts = from_inputs ? read_int_list(ctx.input(1), node) : starts_;
  std::vector<int64_t> ends = from_inputs ? read_int_list(ctx.input(2), node) : ends_;
  std::vector<int64_t> axes = from_inputs ? (ctx.has_input(3) ? read_int_list(ctx.input(3), node)
                                                              : std::vector<int64_t>{})
                                          : axes_;
  std::vector<int64_t> steps = ctx.has_input(4) ? read_int_list(ctx.input(4), node)
                                                 : std::vector<int64_t>(starts.size(), 1);
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    throw node.error(ErrorKind::Model, "starts, ends, axes and steps differ in length");

  Shape shape = x.shape();
  std::vector<int64_t> in_strides = strides_of(x.shape()), strides = in_strides;
  int64_t offset = 0;
  std::vector<int> norm = normalize_axes(axes, x.rank(), node);
  for (size_t i = 0; i < norm.size(); ++i) {
    const int a = norm[i];
    const int64_t dim = x.shape()[a], step = steps[i];
    if (step == 0) throw node.error(ErrorKind::Model, "slice step is 0");
    auto resolve = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0) v += dim;
      return std::clamp(v, lo, hi);
    };
    // Clamp as the spec says: [0, dim] going forward, [-1, dim - 1] going back.
    int64_t start = step > 0 ? resolve(starts[i], 0, dim) : resolve(starts[i], -1, dim - 1);
    int64_t end = step > 0 ? resolve(ends[i], 0, dim) : resolve(ends[i], -1, dim - 1);
    int64_t count = step > 0 ? (end - start + step - 1) / step : (start - end - step - 1) / -step;
    shape[a] = std::max<int64_t>(count, 0);
    strides[a] = in_strides[a] * step;
    if (shape[a] > 0) offset += start * in_strides[a];
  }
  Tensor& out = ctx.output(0, x.dtype(), shape);
  copy_strided(x, out, strides, offset);
}

}  // namespace storefuse::infer
