// The encoder zoo: one modality's input [B, ...] -> its token [B, embed_dim].
// Built by name from `{type, params}`:
//
//   auto enc = make_encoder(cfg["encoders"]["visual"], spec[Modality::Visual], 128);
//   torch::Tensor token = enc.forward(frames);  // [B, 128]
//
// An encoder checks that the modality's dtype and shape are what it reads,
// so any encoder may serve any modality whose input fits (sensor windows and
// MFCC frames are both float [T, C]).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "storefuse/core/config.h"
#include "storefuse/datasets/feature_spec.h"

namespace storefuse::train {

struct EncoderEntry {
  const char* type;
  const char* summary;
  std::function<torch::nn::AnyModule(const config::Node& params, const datasets::ModalitySpec& input,
                                     int64_t embed_dim)>
      make;
};

const std::vector<EncoderEntry>& encoder_zoo();

// An unknown type is a Config error listing the known ones.
torch::nn::AnyModule make_encoder(const config::Node& encoder_cfg, const datasets::ModalitySpec& input,
                                  int64_t embed_dim);

// Throws a Config error at `where` unless `input` has this dtype and rank:
// "frame_cnn reads uint8 [T, H, W], got float32 [2048]".
void check_encoder_input(const datasets::ModalitySpec& input, datasets::DType dtype, size_t rank,
                         const std::string& encoder, const std::string& expected,
                         const config::Node& where);

}  // namespace storefuse::train
