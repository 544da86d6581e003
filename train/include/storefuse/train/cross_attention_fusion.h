// cross_attention: multi-head self-attention across the modality tokens (the
// seed network's fusion). Absent modalities are zero tokens that cannot be
// attended to as keys; a sample with none present attends over its zero
// tokens (a learned constant, never NaN). The M attended tokens are
// concatenated: F = M * E.
#pragma once

#include <torch/torch.h>

#include "storefuse/train/layers.h"

namespace storefuse::train {

class CrossAttentionFusionImpl : public torch::nn::Module {
 public:
  CrossAttentionFusionImpl(int64_t embed_dim, int64_t heads, double dropout);
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& present);

 private:
  ModalityAttention attention{nullptr};
};
TORCH_MODULE(CrossAttentionFusion);

}  // namespace storefuse::train
