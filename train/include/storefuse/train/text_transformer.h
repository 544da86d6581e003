// text_transformer: POS/interaction token ids [B, L] int32 -> token [B, E].
// Token embedding (id 0 is padding) plus a learned position embedding, pre-norm
// transformer layers whose attention ignores padding, a final LayerNorm, the
// mean over non-padding positions, and a linear projection. A text of padding
// only (an empty log) pools to zeros. The vocabulary size comes from the
// feature spec (params.tokenizer.vocab_size).
#pragma once

#include <vector>

#include <torch/torch.h>

#include "storefuse/core/config.h"
#include "storefuse/datasets/feature_spec.h"
#include "storefuse/train/transformer_layer.h"

namespace storefuse::train {

struct TextTransformerOptions {
  TransformerLayerOptions layer;  // dim, heads, ff_dim, activation, dropout
  int64_t layers = 1;
  int64_t vocab_size = 4096;  // from the feature spec
  int64_t max_len = 48;       // L, from the feature spec
  int64_t embed_dim = 128;

  static TextTransformerOptions from_config(const config::Node& params,
                                            const datasets::ModalitySpec& input, int64_t embed_dim);
};

class TextTransformerImpl : public torch::nn::Module {
 public:
  explicit TextTransformerImpl(const TextTransformerOptions& options);
  torch::Tensor forward(const torch::Tensor& ids);
  const TextTransformerOptions& options() const { return options_; }

 private:
  TextTransformerOptions options_;
  torch::nn::Embedding embedding{nullptr};
  torch::Tensor position;  // [L, D]
  std::vector<TransformerLayer> layers_;
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(TextTransformer);

}  // namespace storefuse::train
