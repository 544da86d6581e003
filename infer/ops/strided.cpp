#include "strided.h"

#include <array>
#include <cstring>

#include "broadcast.h"

namespace storefuse::infer {

namespace {

// Rows whose elements are contiguous in the input too (Transpose keeping
// the last axis, Slice with step 1 on it): one memcpy per output row.
template <class T>
void copy_rows(const T* src, T* dst, const Shape& out, const std::vector<int64_t>& in_strides) {
  const int rank = static_cast<int>(out.size());
  const int64_t inner = out.back();
  parallel_range(broadcast_rows(out), std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(inner, 1)),
                 [&](int64_t begin, int64_t end) {
                   // The outer index and input offset of row `begin`, then an odometer.
                   std::vector<int64_t> index(rank - 1, 0);
                   int64_t base = 0, rest = begin;
                   for (int d = rank - 2; d >= 0; --d) {
                     index[d] = rest % out[d];
                     rest /= out[d];
                     base += index[d] * in_strides[d];
                   }
                   for (int64_t row = begin; row < end; ++row) {
                     std::memcpy(dst + row * inner, src + base, static_cast<size_t>(inner) * sizeof(T));
                     for (int d = rank - 2; d >= 0; --d) {
                       base += in_strides[d];
                       if (++index[d] < out[d]) break;
                       base -= in_strides[d] * out[d];
                       index[d] = 0;
                     }
                   }
                 });
}

template <class T>
void copy_as(const Tensor& in, Tensor& out, const std::vector<int64_t>& in_strides, int64_t offset) {
  const T* src = static_cast<const T*>(in.raw()) + offset;
  T* dst = static_cast<T*>(out.raw());
  if (!out.shape().empty() && in_strides.back() == 1 && out.shape().back() >= 8 && out.numel() > 0) {
    copy_rows(src, dst, out.shape(), in_strides);
    return;
  }
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
