#include "shape_util.h"

#include <algorithm>

#include "dispatch.h"

namespace storefuse::infer {

int normalize_axis(int64_t axis, int rank, const Node& node) {
  if (axis < -rank || axis >= rank)
    throw node.error(ErrorKind::Model, "axis " + std::to_string(axis) + " is out of range for rank " +
                                           std::to_string(rank));
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

std::vector<int> normalize_axes(const std::vector<int64_t>& axes, int rank, const Node& node) {
  std::vector<int> out;
  for (int64_t a : axes) out.push_back(normalize_axis(a, rank, node));
  std::vector<int> sorted = out;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw node.error(ErrorKind::Model, "axes contain a repeated axis");
  return out;
}

std::vector<int64_t> read_int_list(const Tensor& t, const Node& node) {
  if (t.rank() > 1) throw node.error(ErrorKind::Model, "expected a 1-D list, got shape " + to_string(t.shape()));
  std::vector<int64_t> out(static_cast<size_t>(t.numel()));
  dispatch<int64_t, int32_t>(t.dtype(), node, [&](auto zero) {
    using T = decltype(zero);
    const T* p = t.data<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = p[i];
  });
  return out;
}

std::vector<int64_t> strides_of(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

int64_t span(const Shape& shape, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= shape[i];
  return n;
}

}  // namespace storefuse::infer
