// Every config in configs/ that names a model, exported to ONNX and run by
// storefuse's runtime against LibTorch: fp32 within 1e-5 at batch sizes 1, 7
// and 64, with rows missing one, several and every modality. The model is
// built on the feature spec its dataset would have (the config's
// retailsim.flavour at RetailSim's shapes) with random weights.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "storefuse/core/config.h"
#include "storefuse/export/export.h"
#include "zoo_specs.h"

namespace ex = storefuse::exporter;
namespace tr = storefuse::train;
namespace ds = storefuse::datasets;
namespace fs = std::filesystem;
using storefuse::json;

namespace {

std::vector<std::string> class_names() {
  return {"browsing", "comparing_products", "purchasing", "concealment", "queueing",
          "seeking_assistance", "returning_item", "passing_through", "abandoning",
          "staff_activity"};
}

// RetailSim's shapes (docs/retailsim.md, flavour).
ds::FeatureSpec spec_for(const std::string& flavour) {
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
void randomise(tr::FusionModelImpl& model) {
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

std::vector<std::string> model_configs() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(fs::path(STOREFUSE_SOURCE_DIR) / "configs")) {
    if (entry.path().extension() != ".yaml" || entry.path().filename() == "defaults.yaml") continue;
    if (storefuse::config::parse_file(entry.path()).has("model")) names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class ExportZoo : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(ExportZoo, Fp32MatchesLibTorchAtBatch1_7_64) {
  auto cfg = storefuse::config::load(fs::path(STOREFUSE_SOURCE_DIR) / "configs" / (GetParam() + ".yaml"));
  const auto spec = spec_for(cfg["retailsim"]["flavour"].as_string());
  torch::manual_seed(11);
  auto model = tr::make_model(cfg["model"], spec);
  randomise(*model);
  auto inputs = tr::zoo_test::random_input(spec, 64, 1);
  inputs.mask[2].fill_(0);
  inputs.mask[2][1] = 1;  // a row with one modality present
  for (int k = 0; k < ds::kNumModalities; ++k) {
    auto present = inputs.mask[2][k].to(inputs.inputs[k].scalar_type());
    inputs.inputs[k][2].mul_(present);
  }
  std::string bytes;
  ex::export_model(*model, spec, {}).SerializeToString(&bytes);
  auto v = ex::verify(*model, bytes, inputs, {1, 7, 64});
  char diff[32];
  std::snprintf(diff, sizeof diff, "%.3g", v.max_abs_diff);
  RecordProperty("max_abs_diff", diff);  // --gtest_output=xml shows it
  EXPECT_LE(v.max_abs_diff, 1e-5) << GetParam() << ": behavior " << v.per_output["behavior_logits"]
                                  << ", dwell " << v.per_output["dwell_s"] << ", engagement "
                                  << v.per_output["engagement"];
}

INSTANTIATE_TEST_SUITE_P(Configs, ExportZoo, ::testing::ValuesIn(model_configs()),
                         [](const auto& info) { return info.param; });

TEST(ExportZooConfigs, TheFusionVariantsAreAmongThem) {
  auto names = model_configs();
  for (const char* want : {"seed_fusion", "fusion_cross_attention", "fusion_late", "fusion_early", "fusion_gated"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}
