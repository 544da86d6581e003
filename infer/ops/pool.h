// The loop shared by MaxPool and AveragePool: for every [N, C] plane and
// output position, fold the input values under the window.
#pragma once

#include "op.h"
#include "window.h"

namespace storefuse::infer {

// reduce(taps, plane, count) returns the output value for one position,
// given that position's kernel_size table entries and the input plane.
template <class T, class Reduce>
void run_pool(OpContext& ctx, const WindowAttributes& attrs, Reduce&& reduce) {
  const Tensor& x = ctx.input(0);
  if (x.rank() < 3) throw ctx.node.error(ErrorKind::Data, "expected [N, C, spatial...], got " + to_string(x.shape()));
  const Window win(attrs, Shape(x.shape().begin() + 2, x.shape().end()), attrs.kernel_shape, ctx.node);
  Shape shape{x.dim(0), x.dim(1)};
  shape.insert(shape.end(), win.out.begin(), win.out.end());
  T* y = ctx.output(0, x.dtype(), shape).template data<T>();
  const T* px = x.data<T>();
  for (int64_t p = 0, planes = x.dim(0) * x.dim(1); p < planes; ++p) {
    const T* plane = px + p * win.in_size;
    for (int64_t o = 0; o < win.out_size; ++o)
      y[p * win.out_size + o] = reduce(&win.table[o * win.kernel_size], win.kernel_size, plane);
  }
}

}  // namespace storefuse::infer
