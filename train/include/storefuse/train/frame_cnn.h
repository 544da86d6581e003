// frame_cnn: video frames [B, T, H, W] uint8 -> token [B, E]. Each frame goes
// through a small 2-D conv stack on its own ([B*T, 1, H, W]; Conv, optional
// BatchNorm, ReLU per width), is averaged over space, and the T frame
// features are averaged over time before a linear projection. Pixels are
// scaled to [0, 1] inside the model, so the exported input stays uint8.
#pragma once

#include <vector>

#include <torch/torch.h>

#include "storefuse/core/config.h"
#include "storefuse/datasets/feature_spec.h"

namespace storefuse::train {

struct FrameCnnOptions {
  std::vector<int64_t> channels{8, 16, 32};  // one conv layer per width
  int64_t kernel = 3;                         // odd; padding kernel / 2
  int64_t stride = 2;
  bool batch_norm = true;
  int64_t frames = 16, height = 64, width = 64;  // from the feature spec
  int64_t embed_dim = 128;

  static FrameCnnOptions from_config(const config::Node& params, const datasets::ModalitySpec& input,
                                     int64_t embed_dim);
};

class FrameCnnImpl : public torch::nn::Module {
 public:
  explicit FrameCnnImpl(const FrameCnnOptions& options);
  torch::Tensor forward(const torch::Tensor& frames);
  const FrameCnnOptions& options() const { return options_; }

 private:
  FrameCnnOptions options_;
  std::vector<torch::nn::Conv2d> convs_;
  std::vector<torch::nn::BatchNorm2d> norms_;
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(FrameCnn);

}  // namespace storefuse::train
