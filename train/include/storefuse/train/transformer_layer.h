// One pre-norm transformer encoder layer over a token sequence [B, L, D]:
//   h = x + Dropout(SelfAttention(LayerNorm(x)))
//   y = h + Dropout(W2 . Dropout(act(W1 . LayerNorm(h))))
// act is ReLU or GELU (the exact, erf form). The self-attention is
// ModalityAttention, so padded keys are masked the same way as absent
// modalities.
#pragma once

#include <torch/torch.h>

#include "storefuse/train/layers.h"

namespace storefuse::train {

enum class Activation { Relu, Gelu };

struct TransformerLayerOptions {
  int64_t dim = 64;
  int64_t heads = 4;
  int64_t ff_dim = 128;
  Activation activation = Activation::Gelu;
  double dropout = 0.1;
};

class TransformerLayerImpl : public torch::nn::Module {
 public:
  explicit TransformerLayerImpl(const TransformerLayerOptions& options);
  // x [B, L, D]; allowed [B, L] bool, keys that may be attended to (each row
  // allows at least one).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& allowed);
  const TransformerLayerOptions& options() const { return options_; }

 private:
  TransformerLayerOptions options_;
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  ModalityAttention attention{nullptr};
  torch::nn::Linear ff1{nullptr}, ff2{nullptr};
};
TORCH_MODULE(TransformerLayer);

}  // namespace storefuse::train
