// fusion_net: a model composed from the zoo's parts, one encoder per modality,
// one fusion block, a head MLP and the three heads:
//
//   model:
//     type: fusion_net
//     params:
//       embed_dim: 128                      # token width of every encoder
//       encoders:
//         visual: {type: frame_cnn, params: {channels: [16, 32]}}
//         audio:  {type: mfcc_conv}
//         text:   {type: text_transformer, params: {dim: 64}}
//         sensor: {type: sensor_tcn}
//       fusion: {type: cross_attention, params: {heads: 4}}
//       heads: {hidden: [256], dropout: 0.2}
//
// tokens [B, 4, E] -> fusion [B, F] -> (Linear, ReLU, Dropout) per
// heads.hidden width -> behaviour logits, dwell (normalised), engagement
// logit. With `mlp` encoders it runs on `vectors` datasets, so the fusion
// variants compare on the seed's inputs too. A modality whose mask is 0 does
// not influence the outputs (tests/train/test_fusion_net.cpp).
#pragma once

#include <array>

#include "storefuse/train/fusions.h"
#include "storefuse/train/layers.h"
#include "storefuse/train/model.h"

namespace storefuse::train {

class FusionNetImpl : public FusionModelImpl {
 public:
  // params: the model's `params` map (keys checked, components built by name).
  FusionNetImpl(const config::Node& params, const datasets::FeatureSpec& spec);
  ModelOutput forward(const ModelInput& input) override;

 private:
  std::array<torch::nn::AnyModule, kNumModalities> encoders_;
  torch::nn::AnyModule fusion_;
  FusionMlp trunk{nullptr};
  torch::nn::Linear behavior_head{nullptr}, dwell_head{nullptr}, engagement_head{nullptr};
};

}  // namespace storefuse::train
