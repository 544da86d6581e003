// Every config in configs/ that names a model (seed_fusion, demo, the
// fusion_* experiments, the model/ bases), exported to ONNX, put through the
// ONNX checker (full check + strict shape inference) as the saved bytes, and
// run by storefuse's runtime against LibTorch: fp32 within 1e-5 on 256
// samples, one file at batch sizes 1, 7 and 64, with rows missing one,
// several and every modality. The model is built on the feature spec its
// dataset would have (the config's retailsim.flavour at RetailSim's shapes)
// with perturbed weights. An include-only base (a fusion_net that names no
// fusion, like model/fusion_net_vectors.yaml) is exported with every fusion
// type of the zoo at its defaults.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "storefuse/core/config.h"
#include "storefuse/export/export.h"
#include "storefuse/train/fusions.h"
#include "export_fixtures.h"
#include "zoo_specs.h"

namespace ex = storefuse::exporter;
namespace tr = storefuse::train;
namespace ds = storefuse::datasets;
namespace fs = std::filesystem;
using storefuse::json;

namespace {

// Config names relative to configs/ without .yaml ("demo", "model/fusion_net_vectors").
std::vector<std::string> model_configs() {
  const fs::path root = fs::path(STOREFUSE_SOURCE_DIR) / "configs";
  std::vector<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".yaml" || entry.path().filename() == "defaults.yaml") continue;
    if (!storefuse::config::parse_file(entry.path()).has("model")) continue;
    names.push_back(fs::relative(entry.path(), root).replace_extension().generic_string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The models a config stands for: itself, or for an include-only fusion_net
// base that names no fusion, the base with each fusion type of the zoo.
std::vector<std::pair<std::string, storefuse::config::Node>> models_of(const std::string& name) {
  const fs::path file = fs::path(STOREFUSE_SOURCE_DIR) / "configs" / (name + ".yaml");
  auto cfg = storefuse::config::load(file);
  const auto& model = cfg["model"];
  if (model["type"].as_string() != "fusion_net" || model["params"].has("fusion")) return {{name, cfg}};
  std::vector<std::pair<std::string, storefuse::config::Node>> out;
  for (const auto& fusion : tr::fusion_zoo()) {
    out.emplace_back(name + " + " + fusion.type,
                     storefuse::config::load(file, {std::string("model.params.fusion.type=") + fusion.type}));
  }
  return out;
}

class ExportZoo : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(ExportZoo, PassesTheCheckerAndMatchesLibTorchOn256SamplesAtBatch1_7_64) {
  for (const auto& [name, cfg] : models_of(GetParam())) {
    SCOPED_TRACE(name);
    const auto spec = ex::test::spec_for(cfg["retailsim"]["flavour"].as_string());
    torch::manual_seed(11);
    auto model = tr::make_model(cfg["model"], spec);
    ex::test::randomise(*model);
    auto inputs = tr::zoo_test::random_input(spec, 256, 1);
    inputs.mask[2].fill_(0);
    inputs.mask[2][1] = 1;  // a row with one modality present
    for (int k = 0; k < ds::kNumModalities; ++k) {
      auto present = inputs.mask[2][k].to(inputs.inputs[k].scalar_type());
      inputs.inputs[k][2].mul_(present);
    }
    std::string bytes;
    ex::export_model(*model, spec, {}).SerializeToString(&bytes);
    onnx::ModelProto saved;  // the file as a device reads it
    ASSERT_TRUE(saved.ParseFromString(bytes));
    EXPECT_NO_THROW(ex::check_onnx(saved));
    EXPECT_EQ(saved.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "batch");
    auto v = ex::verify(*model, bytes, inputs, {1, 7, 64});
    EXPECT_EQ(v.samples, 256);
    char diff[32];
    std::snprintf(diff, sizeof diff, "%.3g", v.max_abs_diff);
    RecordProperty("max_abs_diff " + name, diff);  // --gtest_output=xml shows it
    std::printf("%s: max |diff| %s (behavior %.3g, dwell %.3g, engagement %.3g)\n", name.c_str(), diff,
                v.per_output["behavior_logits"].max_abs, v.per_output["dwell_s"].max_abs, v.per_output["engagement"].max_abs);
    EXPECT_LE(v.max_abs_diff, 1e-5) << name << ": behavior " << v.per_output["behavior_logits"].max_abs
                                    << ", dwell " << v.per_output["dwell_s"].max_abs << ", engagement "
                                    << v.per_output["engagement"].max_abs;
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, ExportZoo, ::testing::ValuesIn(model_configs()), [](const auto& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '/', '_');
  return name;
});

TEST(ExportZooConfigs, EveryModelConfigIsAmongThem) {
  auto names = model_configs();
  for (const char* want : {"seed_fusion", "demo", "fusion_cross_attention", "fusion_late", "fusion_early",
                           "fusion_gated", "model/fusion_net_vectors"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
  EXPECT_EQ(std::find(names.begin(), names.end(), "abtest"), names.end());
}
