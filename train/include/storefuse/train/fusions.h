// The fusion zoo: modality tokens [B, M, E] and their presence [B, M] bool ->
// one fused vector [B, F] for the heads. Built by name from `{type, params}`:
//
//   FusionBlock f = make_fusion(cfg["fusion"], kNumModalities, 128);
//   torch::Tensor fused = f.module.forward(tokens, present);  // [B, f.out_features]
//
// In every block an absent modality's token is multiplied by zero before it
// meets another modality, so an absent input cannot reach the output.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "storefuse/core/config.h"

namespace storefuse::train {

struct FusionBlock {
  torch::nn::AnyModule module;
  int64_t out_features = 0;
};

struct FusionEntry {
  const char* type;
  const char* summary;
  std::function<FusionBlock(const config::Node& params, int64_t modalities, int64_t embed_dim)> make;
};

const std::vector<FusionEntry>& fusion_zoo();

// An unknown type is a Config error listing the known ones.
FusionBlock make_fusion(const config::Node& fusion_cfg, int64_t modalities, int64_t embed_dim);

// tokens [B, M, E] with absent ones (present [B, M] bool) set to zero.
torch::Tensor zero_absent(const torch::Tensor& tokens, const torch::Tensor& present);

// 0 where a modality is present, -1e9 where not: added to scores before a
// softmax over modalities. The exported graphs build the same bias.
torch::Tensor absent_bias(const torch::Tensor& present);

}  // namespace storefuse::train
