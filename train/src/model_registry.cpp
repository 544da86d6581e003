#include <sstream>

#include "storefuse/core/error.h"
#include "storefuse/train/fusion_net.h"
#include "storefuse/train/model.h"
#include "storefuse/train/seed_fusion.h"

namespace storefuse::train {

FusionModelImpl::FusionModelImpl() {
  dwell_mean_s_ = register_buffer("dwell_mean_s", torch::zeros({}));
  dwell_std_s_ = register_buffer("dwell_std_s", torch::ones({}));
  dwell_log_ = register_buffer("dwell_log", torch::zeros({}));  // 1: DwellScale::log
}

torch::Tensor DwellScale::normalize(const torch::Tensor& dwell_s) const {
  return ((log ? torch::log1p(dwell_s) : dwell_s) - mean) / std;
}

torch::Tensor DwellScale::seconds(const torch::Tensor& dwell_norm) const {
  auto v = dwell_norm * std + mean;
  return log ? torch::expm1(v) : v;
}

void FusionModelImpl::set_dwell_scale(const DwellScale& scale) {
  TORCH_CHECK(scale.std > 0.0, "dwell standard deviation must be positive");
  torch::NoGradGuard no_grad;
  dwell_mean_s_.fill_(scale.mean);
  dwell_std_s_.fill_(scale.std);
  dwell_log_.fill_(scale.log ? 1.0 : 0.0);
}

DwellScale FusionModelImpl::dwell_scale() const {
  return {dwell_mean_s_.item<double>(), dwell_std_s_.item<double>(), dwell_log_.item<double>() != 0.0};
}

ModelOutput FusionModelImpl::finish(torch::Tensor behavior_logits, torch::Tensor dwell_norm,
                                    torch::Tensor engagement_logit, torch::Tensor tokens) const {
  ModelOutput out;
  out.dwell_s = dwell_scale().seconds(dwell_norm);
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
  const bool log = model_cfg.has("dwell_space") && model_cfg["dwell_space"].as_choice({"seconds", "log"}) == "log";
  for (const auto& entry : model_zoo()) {
    if (name != entry.type) continue;
    Model model = entry.make(model_cfg["params"], spec);
    model->set_dwell_scale({0.0, 1.0, log});  // the trainer fills in the statistics
    return model;
  }
  throw Error(ErrorKind::Config, "unknown model type '" + name + "'", type.origin().str());
}

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

}  // namespace storefuse::train
