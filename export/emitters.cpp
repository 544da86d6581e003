// Every module type the exporter knows: one line each.
#include "emitters_internal.h"
#include "storefuse/train/layers.h"
#include "storefuse/train/seed_fusion.h"

namespace storefuse::exporter {

const std::vector<EmitterEntry>& emitters() {
  static const std::vector<EmitterEntry> list = {
      {typeid(torch::nn::LinearImpl), "Linear", emit_linear},
      {typeid(train::MlpEncoderImpl), "MlpEncoder", emit_mlp_encoder},
      {typeid(train::FusionMlpImpl), "FusionMlp", emit_fusion_mlp},
      {typeid(train::ModalityAttentionImpl), "ModalityAttention", emit_modality_attention},
      {typeid(train::SeedFusionImpl), "SeedFusion", emit_seed_fusion},
  };
  return list;
}

}  // namespace storefuse::exporter
