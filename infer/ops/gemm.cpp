#include "gemm.h"

#include "broadcast.h"
#include "dispatch.h"
#include "sgemm.h"
#include "strided.h"

namespace storefuse::infer {

Gemm::Gemm(const Node& node)
    : alpha_(node.attr_float("alpha", 1.0f)),
      beta_(node.attr_float("beta", 1.0f)),
      trans_a_(node.attr_int("transA", 0) != 0),
      trans_b_(node.attr_int("transB", 0) != 0),
      relu_(node.fused_activation == "Relu"),
      weights_(PackedWeights::for_input(node, 1, trans_b_)) {
  if (!node.fused_activation.empty() && !relu_)
    throw node.error(ErrorKind::Unsupported, "cannot fuse activation " + node.fused_activation);
}

std::vector<size_t> Gemm::packed_inputs() const {
  return weights_.defined() ? std::vector<size_t>{1} : std::vector<size_t>{};
}

void Gemm::run(OpContext& ctx) const {
  const Tensor& a = ctx.input(0);
  const Tensor* b = weights_.defined() ? nullptr : &ctx.input(1);
  for (const Tensor* t : {&a, b}) {
    if (!t) continue;
    if (t->dtype() != DType::Float32) throw unsupported_dtype(ctx.node, t->dtype());
    if (t->rank() != 2) throw ctx.node.error(ErrorKind::Data, "inputs must be 2-D, got " + to_string(t->shape()));
  }
  const int64_t m = trans_a_ ? a.dim(1) : a.dim(0), k = trans_a_ ? a.dim(0) : a.dim(1);
  const int64_t n = b ? (trans_b_ ? b->dim(0) : b->dim(1)) : weights_.n();
  const int64_t kb = b ? (trans_b_ ? b->dim(1) : b->dim(0)) : weights_.k();
  if (k != kb)
    throw ctx.node.error(ErrorKind::Data, "inner dimensions differ: A is " + to_string(a.shape()) + ", B is " +
                                              (b ? to_string(b->shape()) : to_string(Shape{n, kb}) + " (N, K)"));
  Tensor& y = ctx.output(0, DType::Float32, {m, n});
  float* out = y.data<float>();
  GemmEpilogue epilogue;
  epilogue.alpha = alpha_;
  if (ctx.has_input(2) && beta_ != 0) {
    const Tensor& c = ctx.input(2);
    if (c.dtype() != DType::Float32) throw unsupported_dtype(ctx.node, c.dtype());
    if (broadcast_shape(c.shape(), y.shape(), ctx.node) != y.shape())
      throw ctx.node.error(ErrorKind::Data, "C of shape " + to_string(c.shape()) + " does not broadcast to " +
                                                to_string(y.shape()));
    // A bias row ([N] or [1, N]) with packed weights is added in the
    // kernel's epilogue; any other C is copied into Y first and scaled by beta.
    const bool bias_row = !c.shape().empty() && c.shape().back() == n && c.numel() == n;
    if (!b && !ctx.reference() && bias_row) {
      epilogue.bias = c.data<float>();
      epilogue.bias_scale = beta_;
    } else {
      copy_strided(c, y, broadcast_strides(c.shape(), y.shape()));
      epilogue.beta = beta_;
    }
  }
  if (b) {
    sgemm(ctx.reference(), dense_gemm(trans_a_, trans_b_, m, n, k), alpha_, a.data<float>(), b->data<float>(),
          epilogue.beta, out);
  } else {
    epilogue.relu = relu_ && !ctx.reference();
    weights_.multiply(a.data<float>(), trans_a_, a.dim(1), m, out, n, epilogue, ctx.reference());
  }
  if (relu_ && (b || ctx.reference())) {
    for (int64_t i = 0; i < m * n; ++i) out[i] = out[i] > 0 ? out[i] : 0.0f;
  }
}

}  // namespace storefuse::infer
