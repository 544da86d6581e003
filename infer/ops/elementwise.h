// Shared bodies of the element-wise ops; each op's own file picks the
// function and the element types.
#pragma once

#include "broadcast.h"
#include "dispatch.h"
#include "op.h"
#include "parallel.h"

namespace storefuse::infer {

inline void check_same_dtype(const OpContext& ctx, size_t i, size_t j) {
  if (ctx.input(i).dtype() != ctx.input(j).dtype())
    throw ctx.node.error(ErrorKind::Model, std::string("inputs have different types: ") +
                                               to_string(ctx.input(i).dtype()) + " and " +
                                               to_string(ctx.input(j).dtype()));
}

// out = f(a, b) with broadcasting; f is generic over the element type.
template <class... Ts, class F>
void run_binary(OpContext& ctx, F&& f) {
  check_same_dtype(ctx, 0, 1);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Shape shape = broadcast_shape(a.shape(), b.shape(), ctx.node);
  dispatch<Ts...>(a.dtype(), ctx.node, [&](auto zero) {
    using T = decltype(zero);
    Tensor& out = ctx.output(0, a.dtype(), shape);
    broadcast_binary<T, T>(a, b, out, [&](T x, T y) { return static_cast<T>(f(x, y)); });
  });
}

// out = f(x) element by element.
template <class... Ts, class F>
void run_unary(OpContext& ctx, F&& f) {
  const Tensor& x = ctx.input(0);
  dispatch<Ts...>(x.dtype(), ctx.node, [&](auto zero) {
    using T = decltype(zero);
    Tensor& out = ctx.output(0, x.dtype(), x.shape());
    const T* in = x.data<T>();
    T* o = out.data<T>();
    parallel_range(x.numel(), kParallelGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) o[i] = static_cast<T>(f(in[i]));
    });
  });
}

}  // namespace storefuse::infer
