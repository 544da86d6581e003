// mfcc_conv: a temporal conv net over MFCC frames [B, T, C] float -> token
// [B, E]. The C coefficients are the channels of Conv1d layers over time
// (odd kernel, same length; optional BatchNorm; ReLU), averaged over time,
// then projected. Any float [T, C] input fits (sensor windows too).
#pragma once

#include <vector>

#include <torch/torch.h>

#include "storefuse/core/config.h"
#include "storefuse/datasets/feature_spec.h"

namespace storefuse::train {

struct MfccConvOptions {
  std::vector<int64_t> channels{64, 64};  // one Conv1d layer per width
  int64_t kernel = 5;                     // odd; padding kernel / 2
  bool batch_norm = true;
  int64_t coefficients = 13;  // C, from the feature spec
  int64_t embed_dim = 128;

  static MfccConvOptions from_config(const config::Node& params, const datasets::ModalitySpec& input,
                                     int64_t embed_dim);
};

class MfccConvImpl : public torch::nn::Module {
 public:
  explicit MfccConvImpl(const MfccConvOptions& options);
  torch::Tensor forward(const torch::Tensor& mfcc);
  const MfccConvOptions& options() const { return options_; }

 private:
  MfccConvOptions options_;
  std::vector<torch::nn::Conv1d> convs_;
  std::vector<torch::nn::BatchNorm1d> norms_;
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(MfccConv);

}  // namespace storefuse::train
