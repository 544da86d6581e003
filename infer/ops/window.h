// Sliding-window geometry shared by Conv and the pooling ops, for any number
// of spatial dimensions: output size, padding (explicit or auto_pad), and a
// table from (output position, kernel position) to the input position read.
#pragma once

#include <string>
#include <vector>

#include "node.h"

namespace storefuse::infer {

// The window attributes of a node, read once at load time.
struct WindowAttributes {
  explicit WindowAttributes(const Node& node, bool pooling);
  std::vector<int64_t> kernel_shape, strides, dilations, pads;  // empty: defaults
  std::string auto_pad;
  bool ceil_mode = false;
};

// Table entries for kernel positions that fall outside the input.
constexpr int64_t kInPadding = -1;    // inside the explicit padding
constexpr int64_t kPastPadding = -2;  // past it (ceil_mode windows)

struct Window {
  // in: the input's spatial dims; kernel: the kernel's (from kernel_shape or the weights).
  Window(const WindowAttributes& attrs, const Shape& in, const Shape& kernel, const Node& node);

  Shape in, out, kernel;
  int64_t in_size = 1, out_size = 1, kernel_size = 1;  // products
  // table[o * kernel_size + k]: offset in one input plane, or kInPadding / kPastPadding.
  std::vector<int64_t> table;
};

}  // namespace storefuse::infer
