// Axis and shape arithmetic shared by several ops.
#pragma once

#include <vector>

#include "node.h"

namespace storefuse::infer {

// Maps a possibly negative axis into [0, rank); throws naming the node.
int normalize_axis(int64_t axis, int rank, const Node& node);
std::vector<int> normalize_axes(const std::vector<int64_t>& axes, int rank, const Node& node);

// The values of a 1-D (or scalar) int32/int64 tensor, e.g. a shape or axes input.
std::vector<int64_t> read_int_list(const Tensor& t, const Node& node);

// Row-major element strides of a shape.
std::vector<int64_t> strides_of(const Shape& shape);

// Product of shape[begin, end).
int64_t span(const Shape& shape, int begin, int end);

}  // namespace storefuse::infer
