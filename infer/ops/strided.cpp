#include "strided.h"

#include <array>

#include "broadcast.h"

namespace storefuse::infer {

namespace {

template <class T>
void copy_as(const Tensor& in, Tensor& out, const std::vector<int64_t>& in_strides, int64_t offset) {
  const T* src = static_cast<const T*>(in.raw()) + offset;
  T* dst = static_cast<T*>(out.raw());
  std::array<std::vector<int64_t>, 1> strides{in_strides};
  parallel_for_each_broadcast<1>(out.shape(), strides,
                                 [&](int64_t o, const std::array<int64_t, 1>& off) { dst[o] = src[off[0]]; });
}

}  // namespace

void copy_strided(const Tensor& in, Tensor& out, const std::vector<int64_t>& in_strides, int64_t offset) {
  switch (dtype_size(in.dtype())) {
    case 1: copy_as<uint8_t>(in, out, in_strides, offset); break;
    case 2: copy_as<uint16_t>(in, out, in_strides, offset); break;
    case 4: copy_as<uint32_t>(in, out, in_strides, offset); break;
    default: copy_as<uint64_t>(in, out, in_strides, offset); break;
  }
}

}  // namespace storefuse::infer
