#include "storefuse/train/fusions.h"

#include "storefuse/core/error.h"
#include "storefuse/train/component_params.h"
#include "storefuse/train/cross_attention_fusion.h"
#include "storefuse/train/early_fusion.h"
#include "storefuse/train/gated_fusion.h"
#include "storefuse/train/late_fusion.h"

namespace storefuse::train {
namespace {

FusionBlock make_cross_attention(const config::Node& params, int64_t modalities, int64_t embed_dim) {
  ComponentParams p(params, {"heads", "dropout"});
  const int64_t heads = p.integer("heads", 4, 1, 256);
  if (embed_dim % heads != 0) {
    throw Error(ErrorKind::Config, "embed_dim (" + std::to_string(embed_dim) + ") must be a multiple of heads",
                params.origin().str());
  }
  return {torch::nn::AnyModule(CrossAttentionFusion(embed_dim, heads, p.real("dropout", 0.1, 0.0, 0.99))),
          modalities * embed_dim};
}

FusionBlock make_late(const config::Node& params, int64_t modalities, int64_t embed_dim) {
  ComponentParams(params, {});  // no params: any key is an error
  return {torch::nn::AnyModule(LateFusion()), modalities * embed_dim + modalities};
}

FusionBlock make_early(const config::Node& params, int64_t modalities, int64_t embed_dim) {
  ComponentParams p(params, {"combine"});
  const auto combine = p.choice("combine", "sum", {"sum", "product"}) == "sum" ? EarlyCombine::Sum
                                                                              : EarlyCombine::Product;
  return {torch::nn::AnyModule(EarlyFusion(modalities, embed_dim, combine)), embed_dim};
}

FusionBlock make_gated(const config::Node& params, int64_t modalities, int64_t embed_dim) {
  ComponentParams(params, {});
  return {torch::nn::AnyModule(GatedFusion(modalities, embed_dim)), embed_dim};
}

}  // namespace

torch::Tensor zero_absent(const torch::Tensor& tokens, const torch::Tensor& present) {
  return tokens * present.unsqueeze(2).to(tokens.scalar_type());
}

torch::Tensor absent_bias(const torch::Tensor& present) {
  return (present.to(torch::kFloat) - 1.0f) * 1e9f;
}

const std::vector<FusionEntry>& fusion_zoo() {
  static const std::vector<FusionEntry> zoo = {
      {"cross_attention", "multi-head attention across modality tokens (absent ones masked), concatenated",
       make_cross_attention},
      {"late", "tokens (absent ones zeroed) and the presence mask, concatenated", make_late},
      {"early", "per-modality projections, element-wise sum (mean over present) or product", make_early},
      {"gated", "learned per-sample softmax weights over the present tokens", make_gated},
  };
  return zoo;
}

FusionBlock make_fusion(const config::Node& fusion_cfg, int64_t modalities, int64_t embed_dim) {
  fusion_cfg.check_keys({"type", "params"});
  std::vector<std::string> known;
  for (const auto& entry : fusion_zoo()) known.push_back(entry.type);
  const std::string type = fusion_cfg["type"].as_choice(known);
  const config::Node none = config::Node::null(fusion_cfg.origin());
  const config::Node& params = fusion_cfg.has("params") ? fusion_cfg["params"] : none;
  for (const auto& entry : fusion_zoo()) {
    if (type == entry.type) return entry.make(params, modalities, embed_dim);
  }
  throw Error(ErrorKind::Config, "unknown fusion type '" + type + "'", fusion_cfg.origin().str());
}

}  // namespace storefuse::train
