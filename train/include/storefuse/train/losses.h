// The multi-task loss: behaviour cross-entropy, dwell regression, engagement
// regression, an optional CLIP-style contrastive term between two modality
// tokens, combined with fixed task weights or learned uncertainty weights.
//
// Uncertainty weighting (Kendall, Gal & Cipolla 2018) learns one log-variance
// s_i per task and minimises  sum_i exp(-s_i) * L_i + s_i ; s_i starts at
// -log(weight_i), so training starts from the configured weights.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "storefuse/core/config.h"
#include "storefuse/train/model.h"

namespace storefuse::train {

enum class DwellLoss { Mse, Huber, LogMse };
enum class EngagementLoss { Mse, Bce };

struct LossOptions {
  double behavior_weight = 1.0;
  double label_smoothing = 0.0;
  std::vector<double> class_weights;  // empty: uniform
  double dwell_weight = 1.0;
  // mse and huber act on the dwell head's normalised units (seconds or
  // log-seconds, DwellScale), so the loss does not depend on the unit;
  // log_mse on log1p(seconds) of a head in seconds space.
  DwellLoss dwell = DwellLoss::Mse;
  double huber_delta_s = 10.0;    // huber, seconds space
  double huber_delta_log = 0.1;   // huber, log space
  double engagement_weight = 1.0;
  EngagementLoss engagement = EngagementLoss::Mse;
  bool uncertainty_weighting = false;
  double contrastive_weight = 0.0;  // 0: off
  std::array<int, 2> contrastive_modalities{0, 1};
  double temperature = 0.07;

  static LossOptions from_config(const config::Node& loss, int64_t classes);
};

struct Targets {
  torch::Tensor behavior;    // [B] int64
  torch::Tensor dwell_s;     // [B] float
  torch::Tensor engagement;  // [B] float, 0..1
};

struct LossParts {
  torch::Tensor total, behavior, dwell, engagement, contrastive;  // contrastive undefined when off
};

class MultiTaskLossImpl : public torch::nn::Module {
 public:
  explicit MultiTaskLossImpl(LossOptions options);
  // mask: [B, 4] uint8 presence (the contrastive term uses rows where both
  // of its modalities are present). dwell: the model's dwell_scale(); a
  // log_mse loss on a head in log space is a Runtime error (train checks the
  // config before that).
  LossParts forward(const ModelOutput& out, const Targets& targets, const torch::Tensor& mask,
                    const DwellScale& dwell);
  const LossOptions& options() const { return options_; }

 private:
  torch::Tensor contrastive(const ModelOutput& out, const torch::Tensor& mask) const;
  LossOptions options_;
  torch::Tensor class_weights_;
  torch::Tensor log_vars_;  // [3] or [4] when uncertainty weighting
};
TORCH_MODULE(MultiTaskLoss);

}  // namespace storefuse::train
