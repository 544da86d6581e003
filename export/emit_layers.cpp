// Emitters of the shared building blocks (train/layers.h).
#include <cmath>

#include "emitters_internal.h"
#include "storefuse/train/layers.h"

namespace storefuse::exporter {

// x [B, in] -> Gemm. Linear layers on rank-3 values are emitted by their
// owner with GraphBuilder::linear(..., 3).
std::vector<std::string> emit_linear(Emitter& e, const torch::nn::Module& m,
                                     const std::vector<std::string>& in) {
  return {e.graph().linear(in.at(0), param(m, "weight"), param(m, "bias"))};
}

// fc1 -> Relu -> fc2 (dropout is gone at inference).
std::vector<std::string> emit_mlp_encoder(Emitter& e, const torch::nn::Module& m,
                                          const std::vector<std::string>& in) {
  auto h = e.graph().node("Relu", {e.emit1("fc1", child(m, "fc1"), in)});
  return e.emit("fc2", child(m, "fc2"), {h});
}

// (fc_i -> Relu) for every hidden width.
std::vector<std::string> emit_fusion_mlp(Emitter& e, const torch::nn::Module& m,
                                         const std::vector<std::string>& in) {
  std::string x = in.at(0);
  for (const auto& item : m.named_children()) {
    x = e.graph().node("Relu", {e.emit1(item.key(), *item.value(), {x})});
  }
  return {x};
}

// Multi-head self-attention over T tokens. Reshape's 0 copies a dimension,
// so neither the batch nor T is baked into the graph.
//   in[0]: tokens [B, T, E]; in[1]: additive key bias [B, 1, 1, T] (0 where a
//   key may be attended to, -1e9 where not).
std::vector<std::string> emit_modality_attention(Emitter& e, const torch::nn::Module& m,
                                                 const std::vector<std::string>& in) {
  auto& g = e.graph();
  const auto& attn = dynamic_cast<const train::ModalityAttentionImpl&>(m);
  torch::Tensor w = param(m, "in_proj_weight");
  const int64_t E = w.size(1), H = attn.heads(), D = E / H;
  auto qkv = g.linear(in.at(0), w, param(m, "in_proj_bias"), 3);  // [B, T, 3E]
  auto part = [&](int64_t k, const char* hint) {
    auto s = g.node("Slice", {qkv, g.ints(std::string(hint) + "_start", {k * E}),
                              g.ints(std::string(hint) + "_end", {(k + 1) * E}),
                              g.ints(std::string(hint) + "_axis", {2})});
    auto r = g.node("Reshape", {s, g.ints("heads_shape", {0, 0, H, D})});  // [B, T, H, D]
    return g.node("Transpose", {r}, {Attr::ints("perm", {0, 2, 1, 3})});  // [B, H, T, D]
  };
  auto q = g.node("Mul", {part(0, "q"), g.constant("scale", torch::tensor(1.0f / std::sqrt(float(D))))});
  auto k = part(1, "k");
  auto v = part(2, "v");
  auto kt = g.node("Transpose", {k}, {Attr::ints("perm", {0, 1, 3, 2})});  // [B, H, D, T]
  auto scores = g.node("Add", {g.node("MatMul", {q, kt}), in.at(1)});     // [B, H, T, T]
  auto weights = g.node("Softmax", {scores}, {Attr::i("axis", -1)});
  auto ctx = g.node("Transpose", {g.node("MatMul", {weights, v})}, {Attr::ints("perm", {0, 2, 1, 3})});
  auto merged = g.node("Reshape", {ctx, g.ints("merge_shape", {0, 0, E})});  // [B, T, E]
  const auto& out = child(m, "out_proj");
  g.push_scope("out_proj");
  auto y = g.linear(merged, param(out, "weight"), param(out, "bias"), 3);
  g.pop_scope();
  return {y};
}

}  // namespace storefuse::exporter
