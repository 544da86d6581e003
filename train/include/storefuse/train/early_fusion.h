// early: the seed's element-wise fusion. Each modality's token gets its own
// linear projection (E -> E), then the present ones are combined element by
// element: `sum` divides their sum by the number present (zeros when none
// is), `product` multiplies them (ones when none is). F = E.
#pragma once

#include <vector>

#include <torch/torch.h>

namespace storefuse::train {

enum class EarlyCombine { Sum, Product };

class EarlyFusionImpl : public torch::nn::Module {
 public:
  EarlyFusionImpl(int64_t modalities, int64_t embed_dim, EarlyCombine combine);
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& present);
  EarlyCombine combine() const { return combine_; }

 private:
  std::vector<torch::nn::Linear> projections_;  // proj1..projM
  EarlyCombine combine_;
};
TORCH_MODULE(EarlyFusion);

}  // namespace storefuse::train
