#include "window.h"

#include <algorithm>

namespace storefuse::infer {

WindowAttributes::WindowAttributes(const Node& node, bool pooling)
    : kernel_shape(node.attr_ints("kernel_shape")),
      strides(node.attr_ints("strides")),
      dilations(node.attr_ints("dilations")),
      pads(node.attr_ints("pads")),
      auto_pad(node.attr_string("auto_pad", "NOTSET")),
      ceil_mode(node.attr_int("ceil_mode", 0) != 0) {
  if (pooling && kernel_shape.empty()) throw node.error(ErrorKind::Model, "kernel_shape is required");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER")
    throw node.error(ErrorKind::Model, "auto_pad '" + auto_pad + "' is not an ONNX value");
}

Window::Window(const WindowAttributes& a, const Shape& in_dims, const Shape& kernel_dims, const Node& node)
    : in(in_dims), out(in_dims.size()), kernel(kernel_dims) {
  const size_t dims = in.size();
  auto per_dim = [&](const std::vector<int64_t>& v, size_t count, int64_t fallback, const char* name) {
    if (v.empty()) return std::vector<int64_t>(count, fallback);
    if (v.size() != count)
      throw node.error(ErrorKind::Model, std::string(name) + " has " + std::to_string(v.size()) +
                                             " values, expected " + std::to_string(count));
    return v;
  };
  if (kernel.size() != dims)
    throw node.error(ErrorKind::Data, "kernel rank " + std::to_string(kernel.size()) + " does not match the " +
                                          std::to_string(dims) + " spatial dimensions of the input");
  std::vector<int64_t> stride = per_dim(a.strides, dims, 1, "strides");
  std::vector<int64_t> dilation = per_dim(a.dilations, dims, 1, "dilations");
  std::vector<int64_t> pads = per_dim(a.pads, 2 * dims, 0, "pads");
  for (size_t d = 0; d < dims; ++d) {
    if (stride[d] < 1 || dilation[d] < 1 || kernel[d] < 1)
      throw node.error(ErrorKind::Model, "strides, dilations and kernel sizes must be positive");
    const int64_t extent = (kernel[d] - 1) * dilation[d] + 1;
    if (a.auto_pad == "NOTSET") {
      const int64_t span = in[d] + pads[d] + pads[dims + d] - extent;
      if (span < 0) throw node.error(ErrorKind::Data, "the kernel is larger than the padded input");
      out[d] = (a.ceil_mode ? (span + stride[d] - 1) / stride[d] : span / stride[d]) + 1;
      // A ceil_mode window must start inside the input or its left padding.
      if (a.ceil_mode && (out[d] - 1) * stride[d] >= in[d] + pads[d]) --out[d];
    } else if (a.auto_pad == "VALID") {
      out[d] = std::max<int64_t>(0, (in[d] - extent) / stride[d] + 1);
      pads[d] = pads[dims + d] = 0;
    } else {
      out[d] = (in[d] + stride[d] - 1) / stride[d];
      const int64_t total = std::max<int64_t>(0, (out[d] - 1) * stride[d] + extent - in[d]);
      pads[d] = a.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pads[dims + d] = total - pads[d];
    }
    in_size *= in[d];
    out_size *= out[d];
    kernel_size *= kernel[d];
  }

  table.resize(static_cast<size_t>(out_size * kernel_size));
  std::vector<int64_t> o(dims, 0);
  for (int64_t oi = 0; oi < out_size; ++oi) {
    std::vector<int64_t> k(dims, 0);
    for (int64_t ki = 0; ki < kernel_size; ++ki) {
      int64_t offset = 0;
      bool padding = false, past = false;
      for (size_t d = 0; d < dims; ++d) {
        const int64_t x = o[d] * stride[d] - pads[d] + k[d] * dilation[d];
        past = past || x < -pads[d] || x >= in[d] + pads[dims + d];
        padding = padding || x < 0 || x >= in[d];
        offset = offset * in[d] + x;
      }
      table[oi * kernel_size + ki] = past ? kPastPadding : padding ? kInPadding : offset;
      for (int d = static_cast<int>(dims) - 1; d >= 0 && ++k[d] == kernel[d]; --d) k[d] = 0;
    }
    for (int d = static_cast<int>(dims) - 1; d >= 0 && ++o[d] == out[d]; --d) o[d] = 0;
  }
}

}  // namespace storefuse::infer
