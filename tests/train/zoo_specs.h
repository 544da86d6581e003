// Feature specs and fusion_net configs for the zoo's tests: a `sequences`
// spec with tiny shapes, and YAML for a fusion_net with tiny widths.
#pragma once

#include <string>

#include <torch/torch.h>

#include "storefuse/core/config.h"
#include "storefuse/datasets/feature_spec.h"
#include "storefuse/train/model.h"

namespace storefuse::train::zoo_test {

// frames uint8 [4, 16, 16], MFCC float [20, 13], token ids int32 [12] over a
// vocabulary of 50, sensor float [16, 10]; 4 classes.
inline datasets::FeatureSpec tiny_sequences_spec() {
  datasets::FeatureSpec spec;
  spec.flavour = datasets::Flavour::Sequences;
  spec.modalities[0] = {datasets::DType::UInt8, {4, 16, 16}, json::object()};
  spec.modalities[1] = {datasets::DType::Float32, {20, 13}, json::object()};
  spec.modalities[2] = {datasets::DType::Int32, {12}, {{"tokenizer", {{"vocab_size", 50}}}}};
  spec.modalities[3] = {datasets::DType::Float32, {16, 10}, json::object()};
  spec.class_names = {"browse", "pick_up", "compare", "purchase"};
  spec.validate();
  return spec;
}

// model.params of a fusion_net with the learned encoders at tiny widths.
inline std::string tiny_sequence_encoders() {
  return "encoders:\n"
         "  visual: {type: frame_cnn, params: {channels: [4, 8]}}\n"
         "  audio: {type: mfcc_conv, params: {channels: [8]}}\n"
         "  text: {type: text_transformer, params: {dim: 8, heads: 2, ff_dim: 16, dropout: 0.0}}\n"
         "  sensor: {type: sensor_tcn, params: {channels: 8}}\n";
}

inline config::Node fusion_net_params(const std::string& fusion_yaml, const std::string& encoders_yaml) {
  return config::parse_string("embed_dim: 8\n" + encoders_yaml + "fusion: " + fusion_yaml +
                                  "\nheads: {hidden: [16], dropout: 0.0}\n",
                              "test");
}

// n samples shaped after `spec`: random values (token ids from the spec's
// vocabulary, 50 when it names none, with a random tail of padding), masks with every pattern: row 0 none present, row 1 all,
// then random; absent inputs zeroed as the dataset does.
inline ModelInput random_input(const datasets::FeatureSpec& spec, int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  ModelInput in;
  in.mask = (torch::rand({n, datasets::kNumModalities}) > 0.3).to(torch::kByte);
  in.mask[0].fill_(0);
  in.mask[1].fill_(1);
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    const auto& ms = spec.modalities[k];
    std::vector<int64_t> shape{n};
    shape.insert(shape.end(), ms.shape.begin(), ms.shape.end());
    torch::Tensor x;
    if (ms.dtype == datasets::DType::UInt8) {
      x = torch::randint(0, 256, shape, torch::kByte);
    } else if (ms.dtype == datasets::DType::Int32) {
      const int64_t vocab = ms.params.contains("tokenizer") ? ms.params["tokenizer"].value("vocab_size", 50) : 50;
      x = torch::randint(1, vocab, shape, torch::kInt);
      auto length = torch::randint(0, shape[1] + 1, {n, 1}, torch::kLong);
      x = x * (torch::arange(shape[1]).unsqueeze(0) < length).to(torch::kInt);
    } else {
      x = torch::randn(shape);
    }
    auto present = in.mask.select(1, k).to(x.scalar_type());
    for (size_t d = 1; d < shape.size(); ++d) present = present.unsqueeze(-1);
    in.inputs[k] = x * present;
  }
  return in;
}

}  // namespace storefuse::train::zoo_test
