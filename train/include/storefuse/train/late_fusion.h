// late: the modality tokens side by side, absent ones zeroed, followed by the
// presence mask itself, so that the head MLP can tell "absent" from "a zero
// token": F = M * E + M. The learning happens in fusion_net's head MLP.
#pragma once

#include <torch/torch.h>

namespace storefuse::train {

class LateFusionImpl : public torch::nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& present);
};
TORCH_MODULE(LateFusion);

}  // namespace storefuse::train
