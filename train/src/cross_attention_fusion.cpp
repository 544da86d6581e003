#include "storefuse/train/cross_attention_fusion.h"

#include "storefuse/train/fusions.h"

namespace storefuse::train {

CrossAttentionFusionImpl::CrossAttentionFusionImpl(int64_t embed_dim, int64_t heads, double dropout) {
  attention = register_module("attention", ModalityAttention(embed_dim, heads, dropout));
}

torch::Tensor CrossAttentionFusionImpl::forward(const torch::Tensor& tokens, const torch::Tensor& present) {
  auto allowed = present | present.any(1, true).logical_not();
  return attention(zero_absent(tokens, present), allowed).flatten(1);
}

}  // namespace storefuse::train
