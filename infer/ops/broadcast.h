// Multidirectional (numpy) broadcasting for element-wise ops.
#pragma once

#include <algorithm>
#include <array>

#include "parallel.h"
#include "shape_util.h"

namespace storefuse::infer {

// The broadcast shape of two shapes; throws naming the node when they clash.
Shape broadcast_shape(const Shape& a, const Shape& b, const Node& node);

// Strides that read `in` as if it had shape `out` (0 along broadcast dims).
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Calls f(out_index, {offset in input 0, offset in input 1, ...}) for the
// elements of `out` in rows [row_begin, row_end), a row being the innermost
// dimension, walked in a tight loop.
template <size_t K, class F>
void for_each_broadcast_rows(const Shape& out, const std::array<std::vector<int64_t>, K>& strides, int64_t row_begin,
                             int64_t row_end, F&& f) {
  const int rank = static_cast<int>(out.size());
  const int64_t inner = rank ? out[rank - 1] : 1;
  std::array<int64_t, K> step{};
  for (size_t k = 0; k < K; ++k) step[k] = rank ? strides[k][rank - 1] : 0;
  // The outer index and input offsets of the first row.
  std::vector<int64_t> index(rank > 0 ? rank - 1 : 0, 0);
  std::array<int64_t, K> base{};
  int64_t rest = row_begin;
  for (int d = rank - 2; d >= 0; --d) {
    index[d] = rest % out[d];
    rest /= out[d];
    for (size_t k = 0; k < K; ++k) base[k] += index[d] * strides[k][d];
  }
  for (int64_t row = row_begin; row < row_end; ++row) {
    std::array<int64_t, K> off = base;
    for (int64_t i = 0; i < inner; ++i) {
      f(row * inner + i, off);
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

inline int64_t broadcast_rows(const Shape& out) {
  return out.empty() || out.back() == 0 ? (numel(out) > 0 ? 1 : 0) : numel(out) / out.back();
}

// Every element, in order, on the calling thread.
template <size_t K, class F>
void for_each_broadcast(const Shape& out, const std::array<std::vector<int64_t>, K>& strides, F&& f) {
  for_each_broadcast_rows<K>(out, strides, 0, broadcast_rows(out), f);
}

// Every element, rows split across the session's threads: f must only write
// output element out_index.
template <size_t K, class F>
void parallel_for_each_broadcast(const Shape& out, const std::array<std::vector<int64_t>, K>& strides, F&& f) {
  const int64_t inner = out.empty() ? 1 : std::max<int64_t>(out.back(), 1);
  parallel_range(broadcast_rows(out), std::max<int64_t>(1, kParallelGrain / inner),
                 [&](int64_t begin, int64_t end) { for_each_broadcast_rows<K>(out, strides, begin, end, f); });
}

// out[i] = f(a[i], b[i]) under broadcasting; Out may differ from In (Equal).
template <class In, class Out, class F>
void broadcast_binary(const Tensor& a, const Tensor& b, Tensor& out, F&& f) {
  const In* pa = a.data<In>();
  const In* pb = b.data<In>();
  Out* po = out.data<Out>();
  if (a.shape() == b.shape()) {
    parallel_range(out.numel(), kParallelGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) po[i] = f(pa[i], pb[i]);
    });
    return;
  }
  std::array<std::vector<int64_t>, 2> strides{broadcast_strides(a.shape(), out.shape()),
                                              broadcast_strides(b.shape(), out.shape())};
  parallel_for_each_broadcast<2>(out.shape(), strides, [&](int64_t o, const std::array<int64_t, 2>& off) {
    po[o] = f(pa[off[0]], pb[off[1]]);
  });
}

}  // namespace storefuse::infer
