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

#undef STOREFUSE_EMITTER

}  // namespace storefuse::exporter
