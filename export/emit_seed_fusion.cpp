// seed_fusion (train/seed_fusion.h): encoders -> masked attention across the
// four modality tokens -> fusion MLP -> three raw heads.
#include "emitters_internal.h"
#include "storefuse/datasets/feature_spec.h"

namespace storefuse::exporter {

// inputs: visual, audio, text, sensor, mask (float [B, 4], 1 = present).
// outputs: behaviour logits [B, C], dwell head [B, 1], engagement logit [B, 1].
std::vector<std::string> emit_seed_fusion(Emitter& e, const torch::nn::Module& m,
                                          const std::vector<std::string>& in) {
  auto& g = e.graph();
  std::vector<std::string> tokens;
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    const std::string name = datasets::to_string(datasets::kModalities[k]);
    auto token = e.emit1(name, child(m, name), {in.at(k)});
    tokens.push_back(g.node("Unsqueeze", {token, g.ints("token_axis", {1})}));
  }
  const std::string& mask = in.at(4);
  // Absent modalities: a zero token that cannot be attended to. A sample with
  // nothing present attends over its four zero tokens, as in training.
  auto stacked = g.node("Mul", {g.node("Concat", tokens, {Attr::i("axis", 1)}),
                                g.node("Unsqueeze", {mask, g.ints("mask_axis", {2})})});
  auto none = g.node("Equal", {g.node("ReduceMean", {mask}, {Attr::ints("axes", {1}),
                                                             Attr::i("keepdims", 1)}),
                               g.constant("zero", torch::tensor(0.0f))});
  auto allowed = g.node("Where", {none, g.constant("one", torch::tensor(1.0f)), mask});
  auto key_bias = g.node("Mul", {g.node("Sub", {allowed, g.constant("one", torch::tensor(1.0f))}),
                                 g.constant("big", torch::tensor(1e9f))});
  key_bias = g.node("Unsqueeze", {key_bias, g.ints("bias_axes", {1, 2})});  // [B, 1, 1, 4]
  auto attended = e.emit1("attention", child(m, "attention"), {stacked, key_bias});
  auto fused = e.emit1("fusion", child(m, "fusion"),
                       {g.node("Flatten", {attended}, {Attr::i("axis", 1)})});
  return {e.emit1("behavior_head", child(m, "behavior_head"), {fused}),
          e.emit1("dwell_head", child(m, "dwell_head"), {fused}),
          e.emit1("engagement_head", child(m, "engagement_head"), {fused})};
}

}  // namespace storefuse::exporter
