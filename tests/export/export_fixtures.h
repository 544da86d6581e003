// What the export tests share: RetailSim's class names and feature specs per
// flavour, and weights perturbed away from their initial values.
#pragma once

#include <string>
#include <vector>

#include "storefuse/datasets/feature_spec.h"
#include "storefuse/train/model.h"

namespace storefuse::exporter::test {

namespace ds = storefuse::datasets;

inline std::vector<std::string> class_names() {
  return {"browsing", "comparing_products", "purchasing", "concealment", "queueing",
          "seeking_assistance", "returning_item", "passing_through", "abandoning",
          "staff_activity"};
}

// RetailSim's shapes (docs/retailsim.md, flavour).
inline ds::FeatureSpec spec_for(const std::string& flavour) {
  if (flavour == "vectors") return ds::seed_vector_spec(class_names());
  ds::FeatureSpec spec;
  spec.flavour = ds::Flavour::Sequences;
  spec.modalities[0] = {ds::DType::UInt8, {16, 64, 64}, json::object()};
  spec.modalities[1] = {ds::DType::Float32, {101, 13}, json::object()};
  spec.modalities[2] = {ds::DType::Int32, {48}, {{"tokenizer", {{"vocab_size", 4096}}}}};
  spec.modalities[3] = {ds::DType::Float32, {32, 10}, json::object()};
  spec.class_names = class_names();
  spec.validate();
  return spec;
}

// The zoo's own initialisation plus noise: small on weight matrices (some
// start at zero, like the gated fusion's gate), larger on biases,
// normalisation scales and batch-norm statistics (zeros and ones at init),
// so every exported value is really exercised. The dwell statistics stay at mean 0,
// std 1, so the bound applies to the dwell head itself (in seconds around
// 120 s one float32 step is already 7.6e-6; test_export_seed.cpp checks the
// conversion to seconds).
inline void randomise(train::FusionModelImpl& model) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.parameters()) {
    const double noise = p.dim() == 1 ? 0.1 : 0.02;
    p.add_((torch::rand_like(p) * 2 - 1) * noise);
  }
  for (auto& b : model.named_buffers()) {
    if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0, 0.1);
    if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 1.5);
  }
}

}  // namespace storefuse::exporter::test
