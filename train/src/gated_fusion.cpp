#include "storefuse/train/gated_fusion.h"

#include "storefuse/train/fusions.h"

namespace storefuse::train {

GatedFusionImpl::GatedFusionImpl(int64_t modalities, int64_t embed_dim) {
  gate = register_module("gate", torch::nn::Linear(modalities * embed_dim, modalities));
  // A zero gate starts as the plain mean of the present tokens. From a
  // random one the softmax soon favours one modality and the others, scaled
  // down, learn little (docs/model-zoo.md, gated).
  torch::NoGradGuard no_grad;
  gate->weight.zero_();
  gate->bias.zero_();
}

torch::Tensor GatedFusionImpl::weights(const torch::Tensor& tokens, const torch::Tensor& present) {
  return torch::softmax(gate(zero_absent(tokens, present).flatten(1)) + absent_bias(present), 1);
}

torch::Tensor GatedFusionImpl::forward(const torch::Tensor& tokens, const torch::Tensor& present) {
  auto w = weights(tokens, present);                                          // [B, M]
  return torch::bmm(w.unsqueeze(1), zero_absent(tokens, present)).squeeze(1);  // [B, E]
}

}  // namespace storefuse::train
