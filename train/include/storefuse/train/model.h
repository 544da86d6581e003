// The model zoo's common interface and its registry.
//
//   auto model = make_model(cfg["model"], spec);   // type + params from YAML
//   ModelOutput out = model->forward(input);
//
// Every model maps the four modality inputs and their presence mask to the
// three heads. A modality whose mask is 0 must not influence the outputs
// (its input is zero-filled by the dataset and ignored by the model).
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "storefuse/core/config.h"
#include "storefuse/datasets/feature_spec.h"

namespace storefuse::train {

constexpr int kNumModalities = datasets::kNumModalities;

struct ModelInput {
  std::array<torch::Tensor, kNumModalities> inputs;  // [B, ...spec shape], datasets::Modality order
  torch::Tensor mask;                                // [B, 4] uint8, 1 = present
};

// How the dwell head's output maps to seconds. In `seconds` space the head
// predicts (dwell_s - mean) / std; in `log` space it predicts
// (log1p(dwell_s) - mean) / std, so dwell_s = expm1(mean + std * head): a
// target made of multiplicative factors (base x items x queue) becomes a
// sum, which an MLP fits far more easily. mean and std are the training
// set's, in the head's space.
struct DwellScale {
  double mean = 0.0, std = 1.0;
  bool log = false;
  torch::Tensor normalize(const torch::Tensor& dwell_s) const;    // seconds -> head units
  torch::Tensor seconds(const torch::Tensor& dwell_norm) const;   // head units -> seconds
};

struct ModelOutput {
  torch::Tensor behavior_logits;   // [B, classes]
  torch::Tensor dwell_norm;        // [B], the dwell head, DwellScale::normalize(dwell_s)
  torch::Tensor dwell_s;           // [B], seconds
  torch::Tensor engagement_logit;  // [B]
  torch::Tensor engagement;        // [B], sigmoid(engagement_logit)
  torch::Tensor tokens;            // [B, 4, E], modality tokens before fusion (contrastive loss)
};

// Base of every model. The dwell head predicts normalised seconds or
// log-seconds (DwellScale); the space and the training set's mean and
// standard deviation are buffers of the model, so checkpoints and exported
// models output seconds whatever the config that loads them says.
class FusionModelImpl : public torch::nn::Module {
 public:
  FusionModelImpl();
  virtual ModelOutput forward(const ModelInput& input) = 0;

  // Sets the space and the statistics (in that space) together.
  void set_dwell_scale(const DwellScale& scale);
  DwellScale dwell_scale() const;

 protected:
  // Fills dwell_s and engagement from the raw heads.
  ModelOutput finish(torch::Tensor behavior_logits, torch::Tensor dwell_norm,
                     torch::Tensor engagement_logit, torch::Tensor tokens) const;

 private:
  torch::Tensor dwell_mean_s_, dwell_std_s_, dwell_log_;
};

using Model = std::shared_ptr<FusionModelImpl>;

struct ModelEntry {
  const char* type;
  const char* summary;
  // params: the model's `params` map (already checked by the entry itself).
  std::function<Model(const config::Node& params, const datasets::FeatureSpec& spec)> make;
};

const std::vector<ModelEntry>& model_zoo();

// Builds `model: {type, params, dwell_space}`. An unknown type is a Config
// error naming the known ones; params are checked by the model (unknown
// keys, ranges).
Model make_model(const config::Node& model_cfg, const datasets::FeatureSpec& spec);

int64_t parameter_count(const torch::nn::Module& module);

}  // namespace storefuse::train
