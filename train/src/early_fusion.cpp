#include "storefuse/train/early_fusion.h"

namespace storefuse::train {

EarlyFusionImpl::EarlyFusionImpl(int64_t modalities, int64_t embed_dim, EarlyCombine combine)
    : combine_(combine) {
  for (int64_t m = 0; m < modalities; ++m) {
    projections_.push_back(register_module("proj" + std::to_string(m + 1),
                                           torch::nn::Linear(embed_dim, embed_dim)));
  }
}

torch::Tensor EarlyFusionImpl::forward(const torch::Tensor& tokens, const torch::Tensor& present) {
  auto w = present.to(tokens.scalar_type());  // [B, M]
  torch::Tensor acc;
  for (size_t m = 0; m < projections_.size(); ++m) {
    auto p = projections_[m](tokens.select(1, m));
    auto wm = w.select(1, m).unsqueeze(1);  // [B, 1]
    if (combine_ == EarlyCombine::Sum) {
      auto term = p * wm;
      acc = m == 0 ? term : acc + term;
    } else {
      auto factor = p * wm + (1 - wm);  // absent: exactly 1
      acc = m == 0 ? factor : acc * factor;
    }
  }
  if (combine_ == EarlyCombine::Product) return acc;
  auto count = w.sum(1, true);
  return acc / torch::where(count == 0, torch::ones_like(count), count);
}

}  // namespace storefuse::train
