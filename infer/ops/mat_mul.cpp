#include "mat_mul.h"

#include "broadcast.h"
#include "dispatch.h"
#include "sgemm.h"

namespace storefuse::infer {

namespace {

// Multiply-adds up to which a product of the batched path runs
// panel_gemm_small rather than BLAS.
constexpr int64_t kSmallProduct = 1 << 15;

}  // namespace

MatMul::MatMul(const Node& node) : weights_(PackedWeights::for_input(node, 1, false)) {
  if (node.inputs.size() > (node.fused_bias ? 3u : 2u))
    throw node.error(ErrorKind::Model, "MatMul takes 2 inputs, got " + std::to_string(node.inputs.size()));
}

std::vector<size_t> MatMul::packed_inputs() const {
  return weights_.defined() ? std::vector<size_t>{1} : std::vector<size_t>{};
}

void MatMul::run(OpContext& ctx) const {
  const Tensor& a = ctx.input(0);
  const Tensor* b = weights_.defined() ? nullptr : &ctx.input(1);
  for (const Tensor* t : {&a, b}) {
    if (!t) continue;
    if (t->dtype() != DType::Float32) throw unsupported_dtype(ctx.node, t->dtype());
    if (t->rank() == 0) throw ctx.node.error(ErrorKind::Data, "inputs must have rank 1 or more");
  }
  // Work on rank >= 2 shapes; drop the promoted dimensions at the end.
  const Shape b_shape = b ? b->shape() : Shape{weights_.k(), weights_.n()};
  Shape sa = a.shape(), sb = b_shape;
  if (a.rank() == 1) sa.insert(sa.begin(), 1);
  if (b_shape.size() == 1) sb.push_back(1);
  const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  if (sb[sb.size() - 2] != k)
    throw ctx.node.error(ErrorKind::Data, "inner dimensions differ: " + to_string(a.shape()) + " x " +
                                              to_string(b_shape));
  Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
  Shape batch = broadcast_shape(batch_a, batch_b, ctx.node);
  Shape shape = batch;
  if (a.rank() > 1) shape.push_back(m);
  if (b_shape.size() > 1) shape.push_back(n);
  Tensor& out = ctx.output(0, DType::Float32, shape);
  const float* pa = a.data<float>();
  float* pc = out.data<float>();
  // A bias the optimiser fused in (MatMul -> Add of a [N] constant).
  const float* bias = nullptr;
  if (ctx.has_input(2)) {
    const Tensor& t = ctx.input(2);
    if (t.dtype() != DType::Float32 || t.rank() != 1 || t.dim(0) != n)
      throw ctx.node.error(ErrorKind::Data, "fused bias of shape " + to_string(t.shape()) + " for " +
                                                std::to_string(n) + " columns");
    bias = t.data<float>();
  }
  auto add_bias = [&] {
    if (!bias) return;
    const int64_t rows = n ? out.numel() / n : 0;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < n; ++j) pc[i * n + j] += bias[j];
  };

  // A shared 2-D right operand: fold A's batch into rows, one GEMM.
  if (numel(batch_b) == 1 && batch_a == batch) {
    const int64_t rows = numel(batch) * m;
    if (b && !ctx.reference() && m * n * k <= kSmallProduct) {
      // As the per-product path below would run it (a B of batch 1 is also
      // this one): a row's result must not depend on the batch around it.
      thread_local std::vector<float> scratch;
      panel_gemm_small(pa, k, rows, b->data<float>(), n, n, k, pc, n, scratch);
    } else if (b) {
      sgemm(ctx.reference(), dense_gemm(false, false, rows, n, k), 1.0f, pa, b->data<float>(), 0.0f, pc);
    } else if (!ctx.reference()) {
      GemmEpilogue epilogue;
      epilogue.bias = bias;
      weights_.multiply(pa, false, k, rows, pc, n, epilogue, false);
      return;
    } else {
      weights_.multiply(pa, false, k, rows, pc, n, GemmEpilogue{}, true);
    }
    add_bias();
    return;
  }
  // Many small products (attention heads): the batch is split across threads.
  const float* pb = b->data<float>();
  std::array<std::vector<int64_t>, 2> strides{broadcast_strides(batch_a, batch),
                                              broadcast_strides(batch_b, batch)};
  std::vector<std::array<int64_t, 2>> offsets(static_cast<size_t>(numel(batch)));
  for_each_broadcast<2>(batch, strides, [&](int64_t i, const std::array<int64_t, 2>& off) { offsets[i] = off; });
  const GemmShape g = dense_gemm(false, false, m, n, k);
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(m * n * k, 1));
  // Small products (attention over a few tokens: 4 x 64 x 4 per head) would
  // spend their time in BLAS call overhead; they run the panel kernel on B
  // packed per product.
  const bool small = !ctx.reference() && m * n * k <= kSmallProduct;
  parallel_range(static_cast<int64_t>(offsets.size()), grain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> scratch;
    for (int64_t i = begin; i < end; ++i) {
      const float* ai = pa + offsets[i][0] * m * k;
      const float* bi = pb + offsets[i][1] * k * n;
      if (small) {
        panel_gemm_small(ai, k, m, bi, n, n, k, pc + i * m * n, n, scratch);
      } else {
        sgemm(ctx.reference(), g, 1.0f, ai, bi, 0.0f, pc + i * m * n);
      }
    }
  });
  add_bias();
}

}  // namespace storefuse::infer
