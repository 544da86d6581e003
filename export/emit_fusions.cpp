// Emitters of the fusion blocks (train/fusions.h) and of fusion_net
// (train/fusion_net.h). A fusion block gets the stacked tokens [B, M, E] and
// the float mask [B, M] (1 = present) and zeroes absent tokens itself.
#include "emitters_internal.h"
#include "storefuse/datasets/feature_spec.h"
#include "storefuse/train/early_fusion.h"

namespace storefuse::exporter {
namespace {

// tokens * mask[..., None]
std::string zero_absent(GraphBuilder& g, const std::string& tokens, const std::string& mask) {
  return g.node("Mul", {tokens, g.node("Unsqueeze", {mask, g.ints("token_axis", {2})})});
}

// (mask - 1) * 1e9: 0 where present, -1e9 where absent.
std::string absent_bias(GraphBuilder& g, const std::string& mask) {
  return g.node("Mul", {g.node("Sub", {mask, g.constant("one", torch::tensor(1.0f))}),
                        g.constant("big", torch::tensor(1e9f))});
}

// Column m of x [B, M, ...] -> [B, ...].
std::string column(GraphBuilder& g, const std::string& x, int64_t m) {
  return g.node("Gather", {x, g.constant("index", torch::scalar_tensor(m, torch::kLong))},
                {Attr::i("axis", 1)});
}

}  // namespace

// Attention across the tokens with absent keys masked; a sample with none
// present attends over its zero tokens. Flatten to [B, M*E].
std::vector<std::string> emit_cross_attention_fusion(Emitter& e, const torch::nn::Module& m,
                                                     const std::vector<std::string>& in) {
  auto& g = e.graph();
  const std::string& mask = in.at(1);
  auto none = g.node("Equal", {g.node("ReduceMean", {mask}, {Attr::ints("axes", {1}), Attr::i("keepdims", 1)}),
                               g.constant("zero", torch::tensor(0.0f))});
  auto allowed = g.node("Where", {none, g.constant("one", torch::tensor(1.0f)), mask});
  auto key_bias = g.node("Unsqueeze", {absent_bias(g, allowed), g.ints("bias_axes", {1, 2})});  // [B, 1, 1, M]
  auto attended = e.emit1("attention", child(m, "attention"), {zero_absent(g, in.at(0), mask), key_bias});
  return {g.node("Flatten", {attended}, {Attr::i("axis", 1)})};
}

// Concat(Flatten(tokens * mask), mask): [B, M*E + M].
std::vector<std::string> emit_late_fusion(Emitter& e, const torch::nn::Module&,
                                          const std::vector<std::string>& in) {
  auto& g = e.graph();
  auto flat = g.node("Flatten", {zero_absent(g, in.at(0), in.at(1))}, {Attr::i("axis", 1)});
  return {g.node("Concat", {flat, in.at(1)}, {Attr::i("axis", 1)})};
}

// Per-modality Gemm, then sum / count present, or product with absent = 1.
std::vector<std::string> emit_early_fusion(Emitter& e, const torch::nn::Module& m,
                                           const std::vector<std::string>& in) {
  auto& g = e.graph();
  const bool sum = dynamic_cast<const train::EarlyFusionImpl&>(m).combine() == train::EarlyCombine::Sum;
  const auto one = g.constant("one", torch::tensor(1.0f));
  const int64_t modalities = static_cast<int64_t>(m.children().size());
  std::string acc;
  for (int64_t k = 0; k < modalities; ++k) {
    const std::string name = "proj" + std::to_string(k + 1);
    auto p = e.emit1(name, child(m, name), {column(g, in.at(0), k)});                      // [B, E]
    auto w = g.node("Unsqueeze", {column(g, in.at(1), k), g.ints("weight_axis", {1})});  // [B, 1]
    auto term = g.node("Mul", {p, w});
    if (!sum) term = g.node("Add", {term, g.node("Sub", {one, w})});
    acc = k == 0 ? term : g.node(sum ? "Add" : "Mul", {acc, term});
  }
  if (!sum) return {acc};
  auto count = g.node("Mul", {g.node("ReduceMean", {in.at(1)}, {Attr::ints("axes", {1}), Attr::i("keepdims", 1)}),
                              g.constant("modalities", torch::tensor(float(modalities)))});
  auto none = g.node("Equal", {count, g.constant("zero", torch::tensor(0.0f))});
  return {g.node("Div", {acc, g.node("Where", {none, one, count})})};
}

// Softmax(gate(Flatten(masked)) + absent bias) as weights of the masked tokens.
std::vector<std::string> emit_gated_fusion(Emitter& e, const torch::nn::Module& m,
                                           const std::vector<std::string>& in) {
  auto& g = e.graph();
  auto masked = zero_absent(g, in.at(0), in.at(1));
  auto scores = e.emit1("gate", child(m, "gate"), {g.node("Flatten", {masked}, {Attr::i("axis", 1)})});
  auto weights = g.node("Softmax", {g.node("Add", {scores, absent_bias(g, in.at(1))})}, {Attr::i("axis", 1)});
  auto mixed = g.node("MatMul", {g.node("Unsqueeze", {weights, g.ints("row_axis", {1})}), masked});  // [B, 1, E]
  return {g.node("Squeeze", {mixed, g.ints("row_axis", {1})})};
}

// inputs: visual, audio, text, sensor, mask (float [B, 4]). outputs:
// behaviour logits [B, C], dwell head [B, 1], engagement logit [B, 1].
std::vector<std::string> emit_fusion_net(Emitter& e, const torch::nn::Module& m,
                                         const std::vector<std::string>& in) {
  auto& g = e.graph();
  std::vector<std::string> tokens;
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    const std::string name = datasets::to_string(datasets::kModalities[k]);
    tokens.push_back(g.node("Unsqueeze", {e.emit1(name, child(m, name), {in.at(k)}), g.ints("token_axis", {1})}));
  }
  auto stacked = g.node("Concat", tokens, {Attr::i("axis", 1)});  // [B, 4, E]
  auto fused = e.emit1("fusion", child(m, "fusion"), {stacked, in.at(4)});
  auto h = e.emit1("trunk", child(m, "trunk"), {fused});
  return {e.emit1("behavior_head", child(m, "behavior_head"), {h}),
          e.emit1("dwell_head", child(m, "dwell_head"), {h}),
          e.emit1("engagement_head", child(m, "engagement_head"), {h})};
}

}  // namespace storefuse::exporter
