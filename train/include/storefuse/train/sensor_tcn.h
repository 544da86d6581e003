// sensor_tcn: a causal dilated temporal conv net over sensor windows
// [B, T, C] float -> token [B, E], after the seed's
//   y_t = sigmoid(W_o . ReLU(Conv1D(x_{t-k..t})))
// with one causal Conv1d + ReLU per dilation (1, 2, 4 by default; each left-
// padded by (kernel - 1) * dilation, so step t sees only steps <= t), W_o a
// per-step linear map to E, and the y_t pooled over time: the last step, or
// the mean. Receptive field: 1 + (kernel - 1) * sum(dilations) steps.
#pragma once

#include <vector>

#include <torch/torch.h>

#include "storefuse/core/config.h"
#include "storefuse/datasets/feature_spec.h"

namespace storefuse::train {

enum class TimePool { Last, Mean };

struct SensorTcnOptions {
  int64_t channels = 32;
  int64_t kernel = 3;
  std::vector<int64_t> dilations{1, 2, 4};
  TimePool pool = TimePool::Mean;
  int64_t input_channels = 10;  // C, from the feature spec
  int64_t embed_dim = 128;

  static SensorTcnOptions from_config(const config::Node& params, const datasets::ModalitySpec& input,
                                      int64_t embed_dim);
};

class SensorTcnImpl : public torch::nn::Module {
 public:
  explicit SensorTcnImpl(const SensorTcnOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  // y_t for every step: [B, T, E].
  torch::Tensor steps(const torch::Tensor& x);
  const SensorTcnOptions& options() const { return options_; }

 private:
  SensorTcnOptions options_;
  std::vector<torch::nn::Conv1d> convs_;
  torch::nn::Linear out{nullptr};  // W_o
};
TORCH_MODULE(SensorTcn);

}  // namespace storefuse::train
