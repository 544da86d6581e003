// gated: a learned, per-sample convex combination of the present tokens. A
// linear gate reads all M tokens (absent ones zeroed) and scores each
// modality; a softmax over the present ones gives the weights; the output is
// the weighted sum of the tokens (zeros when none is present). F = E. The
// gate starts at zero: training begins from the mean of the present tokens.
#pragma once

#include <torch/torch.h>

namespace storefuse::train {

class GatedFusionImpl : public torch::nn::Module {
 public:
  GatedFusionImpl(int64_t modalities, int64_t embed_dim);
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& present);
  // The softmax weights [B, M] (0 for absent modalities).
  torch::Tensor weights(const torch::Tensor& tokens, const torch::Tensor& present);

 private:
  torch::nn::Linear gate{nullptr};  // M * E -> M
};
TORCH_MODULE(GatedFusion);

}  // namespace storefuse::train
