// The emit functions of each module type, listed in emitters.cpp.
#pragma once

#include "storefuse/export/emitter.h"

namespace storefuse::exporter {

#define STOREFUSE_EMITTER(fn)                                                   \
  std::vector<std::string> fn(Emitter& e, const torch::nn::Module& m,           \
                              const std::vector<std::string>& inputs)

STOREFUSE_EMITTER(emit_linear);
STOREFUSE_EMITTER(emit_mlp_encoder);
STOREFUSE_EMITTER(emit_fusion_mlp);
STOREFUSE_EMITTER(emit_modality_attention);
STOREFUSE_EMITTER(emit_seed_fusion);
STOREFUSE_EMITTER(emit_conv1d);
STOREFUSE_EMITTER(emit_conv2d);
STOREFUSE_EMITTER(emit_batch_norm1d);
STOREFUSE_EMITTER(emit_batch_norm2d);
STOREFUSE_EMITTER(emit_layer_norm);
STOREFUSE_EMITTER(emit_frame_cnn);
STOREFUSE_EMITTER(emit_mfcc_conv);
STOREFUSE_EMITTER(emit_sensor_tcn);
STOREFUSE_EMITTER(emit_transformer_layer);
STOREFUSE_EMITTER(emit_text_transformer);
STOREFUSE_EMITTER(emit_cross_attention_fusion);
STOREFUSE_EMITTER(emit_late_fusion);
STOREFUSE_EMITTER(emit_early_fusion);
STOREFUSE_EMITTER(emit_gated_fusion);
STOREFUSE_EMITTER(emit_fusion_net);

#undef STOREFUSE_EMITTER

}  // namespace storefuse::exporter
