#include "storefuse/train/layers.h"

#include "storefuse/train/ops.h"

namespace storefuse::train {

namespace nn = torch::nn;

MlpEncoderImpl::MlpEncoderImpl(int64_t in, int64_t hidden, int64_t out, double dropout)
    : dropout_(dropout) {
  fc1 = register_module("fc1", nn::Linear(in, hidden));
  fc2 = register_module("fc2", nn::Linear(hidden, out));
}

torch::Tensor MlpEncoderImpl::forward(const torch::Tensor& x) {
  return fc2(relu_dropout_(fc1(x), dropout_, is_training()));
}

FusionMlpImpl::FusionMlpImpl(int64_t in, const std::vector<int64_t>& hidden, double dropout)
    : dropout_(dropout), out_features_(in) {
  for (size_t i = 0; i < hidden.size(); ++i) {
    layers_.push_back(register_module("fc" + std::to_string(i + 1),
                                      nn::Linear(out_features_, hidden[i])));
    out_features_ = hidden[i];
  }
}

torch::Tensor FusionMlpImpl::forward(torch::Tensor x) {
  for (auto& layer : layers_) x = relu_dropout_(layer(x), dropout_, is_training());
  return x;
}

ModalityAttentionImpl::ModalityAttentionImpl(int64_t embed_dim, int64_t heads, double dropout)
    : heads_(heads), dropout_(dropout) {
  TORCH_CHECK(embed_dim % heads == 0, "embed_dim must be divisible by heads");
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * embed_dim, embed_dim}));
  in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * embed_dim}));
  out_proj = register_module("out_proj", nn::Linear(embed_dim, embed_dim));
  nn::init::xavier_uniform_(in_proj_weight);
}

torch::Tensor ModalityAttentionImpl::forward(const torch::Tensor& tokens,
                                             const torch::Tensor& allowed) {
  auto qkv = torch::nn::functional::linear(tokens, in_proj_weight, in_proj_bias);
  return out_proj(token_attention(qkv, allowed, heads_, dropout_, is_training()));
}

void init_xavier_zero_bias(nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    if (p.dim() >= 2) {
      nn::init::xavier_uniform_(p);
    } else {
      nn::init::zeros_(p);
    }
  }
}

}  // namespace storefuse::train
