#include <sstream>

#include "storefuse/core/error.h"
#include "storefuse/train/fusion_net.h"
#include "storefuse/train/model.h"
#include "storefuse/train/seed_fusion.h"

namespace storefuse::train {

FusionModelImpl::FusionModelImpl() {
  dwell_mean_s_ = register_buffer("dwell_mean_s", torch::zeros({}));
  dwell_std_s_ = register_buffer("dwell_std_s", torch::ones({}));
}

void FusionModelImpl::set_dwell_stats(double mean_s, double std_s) {
  TORCH_CHECK(std_s > 0.0, "dwell standard deviation must be positive");
  torch::NoGradGuard no_grad;
  dwell_mean_s_.fill_(mean_s);
  dwell_std_s_.fill_(std_s);
}

ModelOutput FusionModelImpl::finish(torch::Tensor behavior_logits, torch::Tensor dwell_norm,
                                    torch::Tensor engagement_logit, torch::Tensor tokens) const {
  ModelOutput out;
  out.dwell_s = dwell_norm * dwell_std_s_ + dwell_mean_s_;
  out.engagement = torch::sigmoid(engagement_logit);
  out.behavior_logits = std::move(behavior_logits);
  out.dwell_norm = std::move(dwell_norm);
  out.engagement_logit = std::move(engagement_logit);
  out.tokens = std::move(tokens);
  return out;
}

const std::vector<ModelEntry>& model_zoo() {
  static const std::vector<ModelEntry> zoo = {
      {"seed_fusion", "the seed network: MLP encoders, attention across modalities, fusion MLP",
       [](const config::Node& params, const datasets::FeatureSpec& spec) -> Model {
         return std::make_shared<SeedFusionImpl>(SeedFusionOptions::from_config(params, spec));
       }},
      {"fusion_net", "encoders, fusion and heads chosen by name (docs/model-zoo.md)",
       [](const config::Node& params, const datasets::FeatureSpec& spec) -> Model {
         return std::make_shared<FusionNetImpl>(params, spec);
       }},
  };
  return zoo;
}

Model make_model(const config::Node& model_cfg, const datasets::FeatureSpec& spec) {
  const auto& type = model_cfg["type"];
  std::vector<std::string> known;
  for (const auto& entry : model_zoo()) known.push_back(entry.type);
  const std::string name = type.as_choice(known);
  for (const auto& entry : model_zoo()) {
    if (name == entry.type) return entry.make(model_cfg["params"], spec);
  }
  throw Error(ErrorKind::Config, "unknown model type '" + name + "'", type.origin().str());
}

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

}  // namespace storefuse::train
