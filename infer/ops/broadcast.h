// Multidirectional (numpy) broadcasting for element-wise ops.
#pragma once

#include <array>

#include "shape_util.h"

namespace storefuse::infer {

// The broadcast shape of two shapes; throws naming the node when they clash.
Shape broadcast_shape(const Shape& a, const Shape& b, const Node& node);

// Strides that read `in` as if it had shape `out` (0 along broadcast dims).
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Calls f(out_index, {offset in input 0, offset in input 1, ...}) for every
// element of `out`, walking the innermost dimension in a tight loop.
template <size_t K, class F>
void for_each_broadcast(const Shape& out, const std::array<std::vector<int64_t>, K>& strides, F&& f) {
  const int64_t total = numel(out);
  if (total == 0) return;
  const int rank = static_cast<int>(out.size());
  const int64_t inner = rank ? out[rank - 1] : 1;
  std::array<int64_t, K> step{};
  for (size_t k = 0; k < K; ++k) step[k] = rank ? strides[k][rank - 1] : 0;
  std::vector<int64_t> index(rank, 0);
  std::array<int64_t, K> base{};
  for (int64_t o = 0; o < total; o += inner) {
    std::array<int64_t, K> off = base;
    for (int64_t i = 0; i < inner; ++i) {
      f(o + i, off);
      for (size_t k = 0; k < K; ++k) off[k] += step[k];
    }
    // Advance the outer index like an odometer.
    for (int d = rank - 2; d >= 0; --d) {
      for (size_t k = 0; k < K; ++k) base[k] += strides[k][d];
      if (++index[d] < out[d]) break;
      for (size_t k = 0; k < K; ++k) base[k] -= strides[k][d] * out[d];
      index[d] = 0;
    }
  }
}

// out[i] = f(a[i], b[i]) under broadcasting; Out may differ from In (Equal).
template <class In, class Out, class F>
void broadcast_binary(const Tensor& a, const Tensor& b, Tensor& out, F&& f) {
  const In* pa = a.data<In>();
  const In* pb = b.data<In>();
  Out* po = out.data<Out>();
  if (a.shape() == b.shape()) {
    for (int64_t i = 0, n = out.numel(); i < n; ++i) po[i] = f(pa[i], pb[i]);
    return;
  }
  std::array<std::vector<int64_t>, 2> strides{broadcast_strides(a.shape(), out.shape()),
                                              broadcast_strides(b.shape(), out.shape())};
  for_each_broadcast<2>(out.shape(), strides, [&](int64_t o, const std::array<int64_t, 2>& off) {
    po[o] = f(pa[off[0]], pb[off[1]]);
  });
}

}  // namespace storefuse::infer
