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

// The output's last axis is strided in the input but another axis is
// contiguous there (Transpose [1, 2, 0]: K^T in attention): loop over that
// axis innermost instead, reading contiguous runs and writing with a stride.
// False when no axis is contiguous in the input.
template <class T>
bool copy_runs(const T* src, T* dst, const Shape& out, const std::vector<int64_t>& in_strides) {
  const int rank = static_cast<int>(out.size());
  int run_axis = -1;
  for (int a = rank - 2; a >= 0 && run_axis < 0; --a)
    if (in_strides[a] == 1 && out[a] >= 8) run_axis = a;
  if (run_axis < 0) return false;
  const std::vector<int64_t> out_strides = strides_of(out);
  Shape loop;
  std::vector<int64_t> in_step, out_step;
  for (int a = 0; a < rank; ++a) {
    if (a == run_axis) continue;
    loop.push_back(out[a]);
    in_step.push_back(in_strides[a]);
    out_step.push_back(out_strides[a]);
  }
  const int outer = rank - 1;
  const int64_t inner = out[run_axis], write_step = out_strides[run_axis];
  parallel_range(numel(loop), std::max<int64_t>(1, kParallelGrain / inner), [&](int64_t begin, int64_t end) {
    std::vector<int64_t> index(outer, 0);
    int64_t in_base = 0, out_base = 0, rest = begin;
    for (int d = outer - 1; d >= 0; --d) {
      index[d] = rest % loop[d];
      rest /= loop[d];
      in_base += index[d] * in_step[d];
      out_base += index[d] * out_step[d];
    }
    for (int64_t row = begin; row < end; ++row) {
      const T* from = src + in_base;
      T* to = dst + out_base;
      for (int64_t i = 0; i < inner; ++i) to[i * write_step] = from[i];
      for (int d = outer - 1; d >= 0; --d) {
        in_base += in_step[d];
        out_base += out_step[d];
        if (++index[d] < loop[d]) break;
        in_base -= in_step[d] * loop[d];
        out_base -= out_step[d] * loop[d];
        index[d] = 0;
      }
    }
  });
  return true;
}

template <class T>
void copy_as(const Tensor& in, Tensor& out, const std::vector<int64_t>& in_strides, int64_t offset) {
  const T* src = static_cast<const T*>(in.raw()) + offset;
  T* dst = static_cast<T*>(out.raw());
  if (!out.shape().empty() && in_strides.back() == 1 && out.shape().back() >= 8 && out.numel() > 0) {
    copy_rows(src, dst, out.shape(), in_strides);
    return;
  }
  if (out.shape().size() >= 2 && out.numel() > 0 && copy_runs(src, dst, out.shape(), in_strides)) return;
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
