#include "storefuse/train/losses.h"

#include <cmath>

#include "storefuse/core/error.h"

namespace storefuse::train {

namespace F = torch::nn::functional;

LossOptions LossOptions::from_config(const config::Node& loss, int64_t classes) {
  LossOptions o;
  const auto& b = loss["behavior"];
  o.behavior_weight = b["weight"].as_double(0.0);
  o.label_smoothing = b["label_smoothing"].as_double(0.0, 1.0);
  o.class_weights = b["class_weights"].as_double_list();
  if (!o.class_weights.empty() && static_cast<int64_t>(o.class_weights.size()) != classes) {
    throw Error(ErrorKind::Config,
                "class_weights has " + std::to_string(o.class_weights.size()) +
                    " entries, the dataset has " + std::to_string(classes) + " classes",
                b["class_weights"].origin().str(), "give one weight per class, or []");
  }
  const auto& d = loss["dwell"];
  o.dwell_weight = d["weight"].as_double(0.0);
  const auto dwell = d["kind"].as_choice({"mse", "huber", "log_mse"});
  o.dwell = dwell == "mse" ? DwellLoss::Mse : dwell == "huber" ? DwellLoss::Huber : DwellLoss::LogMse;
  o.huber_delta_s = d["huber_delta_s"].as_positive_double();
  o.huber_delta_log = d["huber_delta_log"].as_positive_double();
  const auto& e = loss["engagement"];
  o.engagement_weight = e["weight"].as_double(0.0);
  o.engagement = e["kind"].as_choice({"mse", "bce"}) == "mse" ? EngagementLoss::Mse
                                                              : EngagementLoss::Bce;
  o.uncertainty_weighting = loss["task_weighting"].as_choice({"fixed", "uncertainty"}) == "uncertainty";
  const auto& c = loss["contrastive"];
  o.contrastive_weight = c["weight"].as_double(0.0);
  const auto names = c["modalities"].as_string_list();
  const std::vector<std::string> known = {"visual", "audio", "text", "sensor"};
  if (names.size() != 2 || names[0] == names[1]) {
    throw Error(ErrorKind::Config, "contrastive.modalities needs two different modalities",
                c["modalities"].origin().str(), "e.g. [visual, audio]");
  }
  for (int i = 0; i < 2; ++i) {
    o.contrastive_modalities[i] =
        static_cast<int>(std::find(known.begin(), known.end(), c["modalities"][i].as_choice(known)) -
                         known.begin());
  }
  o.temperature = c["temperature"].as_positive_double();
  if (o.uncertainty_weighting &&
      (o.behavior_weight <= 0 || o.dwell_weight <= 0 || o.engagement_weight <= 0)) {
    throw Error(ErrorKind::Config, "uncertainty weighting starts from the task weights, which must be > 0",
                loss["task_weighting"].origin().str());
  }
  return o;
}

MultiTaskLossImpl::MultiTaskLossImpl(LossOptions options) : options_(std::move(options)) {
  if (!options_.class_weights.empty()) {
    class_weights_ = register_buffer(
        "class_weights", torch::tensor(options_.class_weights, torch::kFloat32));
  }
  if (options_.uncertainty_weighting) {
    std::vector<double> init = {-std::log(options_.behavior_weight), -std::log(options_.dwell_weight),
                                -std::log(options_.engagement_weight)};
    if (options_.contrastive_weight > 0) init.push_back(-std::log(options_.contrastive_weight));
    log_vars_ = register_parameter("log_vars", torch::tensor(init, torch::kFloat32));
  }
}

torch::Tensor MultiTaskLossImpl::contrastive(const ModelOutput& out, const torch::Tensor& mask) const {
  const auto [a, b] = options_.contrastive_modalities;
  auto both = (mask.select(1, a) * mask.select(1, b)).to(torch::kBool);
  auto za = F::normalize(out.tokens.select(1, a).index({both}), F::NormalizeFuncOptions().dim(1));
  auto zb = F::normalize(out.tokens.select(1, b).index({both}), F::NormalizeFuncOptions().dim(1));
  if (za.size(0) < 2) return out.tokens.sum() * 0.0;  // nothing to contrast in this batch
  auto logits = torch::matmul(za, zb.t()) / options_.temperature;
  auto labels = torch::arange(za.size(0), logits.options().dtype(torch::kInt64));
  return 0.5 * (F::cross_entropy(logits, labels) + F::cross_entropy(logits.t(), labels));
}

LossParts MultiTaskLossImpl::forward(const ModelOutput& out, const Targets& t,
                                     const torch::Tensor& mask, const DwellScale& dwell) {
  LossParts parts;
  auto ce = F::CrossEntropyFuncOptions().label_smoothing(options_.label_smoothing);
  if (class_weights_.defined()) ce.weight(class_weights_);
  parts.behavior = F::cross_entropy(out.behavior_logits, t.behavior, ce);

  switch (options_.dwell) {
    case DwellLoss::Mse:
      parts.dwell = F::mse_loss(out.dwell_norm, dwell.normalize(t.dwell_s));
      break;
    case DwellLoss::Huber: {
      const double delta = (dwell.log ? options_.huber_delta_log : options_.huber_delta_s) / dwell.std;
      parts.dwell = F::huber_loss(out.dwell_norm, dwell.normalize(t.dwell_s), F::HuberLossFuncOptions().delta(delta));
      break;
    }
    case DwellLoss::LogMse:
      TORCH_CHECK(!dwell.log, "loss.dwell.kind log_mse needs model.dwell_space seconds");
      // Clamped so that a negative prediction still has a gradient towards 0.
      parts.dwell = F::mse_loss(torch::log1p(out.dwell_s.clamp_min(-0.9)), torch::log1p(t.dwell_s));
      break;
  }
  parts.engagement = options_.engagement == EngagementLoss::Mse
                         ? F::mse_loss(out.engagement, t.engagement)
                         : F::binary_cross_entropy_with_logits(out.engagement_logit, t.engagement);
  std::vector<torch::Tensor> terms = {parts.behavior, parts.dwell, parts.engagement};
  std::vector<double> weights = {options_.behavior_weight, options_.dwell_weight,
                                 options_.engagement_weight};
  if (options_.contrastive_weight > 0) {
    parts.contrastive = contrastive(out, mask);
    terms.push_back(parts.contrastive);
    weights.push_back(options_.contrastive_weight);
  }
  parts.total = torch::zeros({}, out.behavior_logits.options());
  for (size_t i = 0; i < terms.size(); ++i) {
    if (log_vars_.defined()) {
      const auto s = log_vars_[static_cast<int64_t>(i)];
      parts.total = parts.total + torch::exp(-s) * terms[i] + s;
    } else {
      parts.total = parts.total + weights[i] * terms[i];
    }
  }
  return parts;
}

}  // namespace storefuse::train
