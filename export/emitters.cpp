// Every module type the exporter knows: one line each.
#include "emitters_internal.h"
#include "storefuse/train/cross_attention_fusion.h"
#include "storefuse/train/early_fusion.h"
#include "storefuse/train/frame_cnn.h"
#include "storefuse/train/fusion_net.h"
#include "storefuse/train/gated_fusion.h"
#include "storefuse/train/late_fusion.h"
#include "storefuse/train/layers.h"
#include "storefuse/train/mfcc_conv.h"
#include "storefuse/train/seed_fusion.h"
#include "storefuse/train/sensor_tcn.h"
#include "storefuse/train/text_transformer.h"
#include "storefuse/train/transformer_layer.h"

namespace storefuse::exporter {

const std::vector<EmitterEntry>& emitters() {
  static const std::vector<EmitterEntry> list = {
      {typeid(torch::nn::LinearImpl), "Linear", emit_linear},
      {typeid(train::MlpEncoderImpl), "MlpEncoder", emit_mlp_encoder},
      {typeid(train::FusionMlpImpl), "FusionMlp", emit_fusion_mlp},
      {typeid(train::ModalityAttentionImpl), "ModalityAttention", emit_modality_attention},
      {typeid(train::SeedFusionImpl), "SeedFusion", emit_seed_fusion},
      {typeid(torch::nn::Conv1dImpl), "Conv1d", emit_conv1d},
      {typeid(torch::nn::Conv2dImpl), "Conv2d", emit_conv2d},
      {typeid(torch::nn::BatchNorm1dImpl), "BatchNorm1d", emit_batch_norm1d},
      {typeid(torch::nn::BatchNorm2dImpl), "BatchNorm2d", emit_batch_norm2d},
      {typeid(torch::nn::LayerNormImpl), "LayerNorm", emit_layer_norm},
      {typeid(train::FrameCnnImpl), "FrameCnn", emit_frame_cnn},
      {typeid(train::MfccConvImpl), "MfccConv", emit_mfcc_conv},
      {typeid(train::SensorTcnImpl), "SensorTcn", emit_sensor_tcn},
      {typeid(train::TransformerLayerImpl), "TransformerLayer", emit_transformer_layer},
      {typeid(train::TextTransformerImpl), "TextTransformer", emit_text_transformer},
      {typeid(train::CrossAttentionFusionImpl), "CrossAttentionFusion", emit_cross_attention_fusion},
      {typeid(train::LateFusionImpl), "LateFusion", emit_late_fusion},
      {typeid(train::EarlyFusionImpl), "EarlyFusion", emit_early_fusion},
      {typeid(train::GatedFusionImpl), "GatedFusion", emit_gated_fusion},
      {typeid(train::FusionNetImpl), "FusionNet", emit_fusion_net},
  };
  return list;
}

}  // namespace storefuse::exporter
