// Building blocks shared by the zoo's models.
#pragma once

#include <vector>

#include <torch/torch.h>

namespace storefuse::train {

// Linear -> ReLU -> Dropout -> Linear: one modality's vector encoder.
class MlpEncoderImpl : public torch::nn::Module {
 public:
  MlpEncoderImpl(int64_t in, int64_t hidden, int64_t out, double dropout);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  double dropout_;
};
TORCH_MODULE(MlpEncoder);

// (Linear -> ReLU -> Dropout) per hidden width: fc1, fc2, ...
class FusionMlpImpl : public torch::nn::Module {
 public:
  FusionMlpImpl(int64_t in, const std::vector<int64_t>& hidden, double dropout);
  torch::Tensor forward(torch::Tensor x);
  int64_t out_features() const { return out_features_; }

 private:
  std::vector<torch::nn::Linear> layers_;
  double dropout_;
  int64_t out_features_;
};
TORCH_MODULE(FusionMlp);

// Multi-head self-attention across modality tokens, parameterised exactly
// like PyTorch's nn.MultiheadAttention (in_proj_weight [3E, E], in_proj_bias
// [3E], out_proj), with a key mask: absent modalities cannot be attended to.
class ModalityAttentionImpl : public torch::nn::Module {
 public:
  ModalityAttentionImpl(int64_t embed_dim, int64_t heads, double dropout);
  // tokens [B, T, E]; allowed [B, T] bool (each row allows at least one key).
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& allowed);
  int64_t heads() const { return heads_; }

 private:
  torch::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr};
  int64_t heads_;
  double dropout_;
};
TORCH_MODULE(ModalityAttention);

// Xavier-uniform for every parameter of rank >= 2, zeros for the rest.
void init_xavier_zero_bias(torch::nn::Module& module);

}  // namespace storefuse::train
