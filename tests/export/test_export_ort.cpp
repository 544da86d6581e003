// The exported seed network and a sequences-flavour model (the
// fusion_cross_attention config) run in ONNX Runtime (onnxruntime-node, the
// peer in bench/peers, through tests/export/ort_run.js) and match LibTorch
// within 1e-5 on 256 samples, one file at batch sizes 1, 7 and 64, with rows
// missing one, several and every modality. Skipped, saying how to install
// them, where node or the package is missing.
#include <gtest/gtest.h>

#include "../peer.h"
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "export_fixtures.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/config.h"
#include "storefuse/export/export.h"
#include "storefuse/train/seed_fusion.h"
#include "zoo_specs.h"

namespace ex = storefuse::exporter;
namespace tr = storefuse::train;
namespace ds = storefuse::datasets;
namespace fs = std::filesystem;
using storefuse::json;

namespace {

const fs::path kSource = STOREFUSE_SOURCE_DIR;

std::string why_no_ort() {
  if (std::system("node --version > /dev/null 2>&1") != 0) {
    return "node is not on the PATH; install it and the ONNX Runtime peer with: bash scripts/setup.sh";
  }
  if (!fs::exists(kSource / "bench/peers/node_modules/onnxruntime-node/package.json")) {
    return "onnxruntime-node is not in bench/peers/node_modules; install it with: bash scripts/setup.sh";
  }
  return {};
}

// Runs a shell command; returns its exit code, `out` gets stdout and stderr.
int run(const std::string& command, std::string& out) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  return WEXITSTATUS(pclose(pipe));
}

const char* dtype_name(const torch::Tensor& t) {
  switch (t.scalar_type()) {
    case torch::kByte: return "uint8";
    case torch::kInt: return "int32";
    default: return "float32";
  }
}

struct Parity {
  double max_abs_diff = 0;
  std::map<std::string, double> per_output;  // over every batch size
};

// Exports `model`, runs the file in ONNX Runtime at batch sizes 1, 7 and 64
// over `in`, compares with LibTorch (dwell_s in the dwell head's units, as
// export's own verification does).
Parity ort_parity(tr::FusionModelImpl& model, const ds::FeatureSpec& spec, const tr::ModelInput& in,
                  const fs::path& dir) {
  fs::create_directories(dir);
  std::string bytes;
  ex::export_model(model, spec, {}).SerializeToString(&bytes);
  storefuse::write_file_atomic(dir / "model.onnx", bytes);
  json manifest = json::array();
  auto add = [&](const std::string& name, const torch::Tensor& t) {
    const torch::Tensor c = t.contiguous();
    storefuse::write_file_atomic(dir / (name + ".bin"),
                                 {static_cast<const char*>(c.data_ptr()), c.nbytes()});
    manifest.push_back({{"name", name}, {"dtype", dtype_name(c)}, {"dims", c.sizes().vec()}});
  };
  for (int k = 0; k < ds::kNumModalities; ++k) add(ds::to_string(ds::kModalities[k]), in.inputs[k]);
  add("mask", in.mask.to(torch::kByte));
  storefuse::write_json_atomic(dir / "inputs.json", manifest);

  std::string log;
  const int rc = run("node '" + (kSource / "tests/export/ort_run.js").string() + "' '" +
                         (dir / "model.onnx").string() + "' '" + dir.string() + "' 1,7,64",
                     log);
  EXPECT_EQ(rc, 0) << log;
  model.eval();
  torch::NoGradGuard no_grad;
  std::map<std::string, std::vector<torch::Tensor>> parts;  // in chunks of 64 rows: frame CNNs are large
  for (int64_t start = 0; start < in.mask.size(0); start += 64) {
    tr::ModelInput chunk;
    const int64_t len = std::min<int64_t>(64, in.mask.size(0) - start);
    for (int k = 0; k < ds::kNumModalities; ++k) chunk.inputs[k] = in.inputs[k].narrow(0, start, len);
    chunk.mask = in.mask.narrow(0, start, len);
    const auto out = model.forward(chunk);
    parts["behavior_logits"].push_back(out.behavior_logits);
    parts["dwell_s"].push_back(model.dwell_scale().normalize(out.dwell_s));
    parts["engagement"].push_back(out.engagement);
  }
  std::map<std::string, torch::Tensor> refs;
  for (const auto& [name, chunks] : parts) refs[name] = torch::cat(chunks);
  Parity p;
  const json outputs = rc == 0 ? storefuse::read_json(dir / "outputs.json")["outputs"] : json::array();
  EXPECT_EQ(outputs.size(), 9u) << "3 outputs at 3 batch sizes";
  for (const auto& o : outputs) {
    const std::string name = o["name"], raw = storefuse::read_file(dir / o["file"].get<std::string>());
    torch::Tensor got = torch::empty({static_cast<int64_t>(raw.size() / sizeof(float))}, torch::kFloat);
    std::memcpy(got.data_ptr(), raw.data(), raw.size());
    if (name == "dwell_s") got = model.dwell_scale().normalize(got);
    const torch::Tensor ref = refs.at(name).flatten();
    EXPECT_EQ(got.numel(), ref.numel()) << name << " at batch " << o["batch"];
    if (got.numel() != ref.numel()) continue;
    const double d = (got.to(torch::kDouble) - ref.to(torch::kDouble)).abs().max().item<double>();
    p.per_output[name] = std::max(p.per_output[name], d);
    p.max_abs_diff = std::max(p.max_abs_diff, std::isnan(d) ? INFINITY : d);
  }
  return p;
}

// Inputs with every presence pattern (row 0 none, row 1 all, row 2 only audio).
tr::ModelInput inputs_for(const ds::FeatureSpec& spec) {
  auto in = tr::zoo_test::random_input(spec, 256, 3);
  in.mask[2].fill_(0);
  in.mask[2][1] = 1;
  for (int k = 0; k < ds::kNumModalities; ++k) {
    in.inputs[k][2].mul_(in.mask[2][k].to(in.inputs[k].scalar_type()));
  }
  return in;
}

class ExportOrt : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = why_no_ort();
    if (!why.empty()) STOREFUSE_MISSING_PEER(why);
    dir_ = fs::temp_directory_path() / ("storefuse_export_ort_" + std::to_string(getpid()));
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void report(const std::string& what, Parity p) {
    std::printf("%s in ONNX Runtime vs LibTorch: max |diff| %.3g (behavior %.3g, dwell %.3g, engagement %.3g)\n",
                what.c_str(), p.max_abs_diff, p.per_output["behavior_logits"], p.per_output["dwell_s"],
                p.per_output["engagement"]);
    char diff[32];
    std::snprintf(diff, sizeof diff, "%.3g", p.max_abs_diff);
    RecordProperty("max_abs_diff", diff);
    EXPECT_LE(p.max_abs_diff, 1e-5) << what;
  }
  fs::path dir_;
};

}  // namespace

TEST_F(ExportOrt, SeedNetworkMatchesLibTorch) {
  const auto spec = ex::test::spec_for("vectors");
  torch::manual_seed(5);
  auto model = std::make_shared<tr::SeedFusionImpl>(tr::SeedFusionOptions{});
  ex::test::randomise(*model);
  model->set_dwell_scale({120.0, 95.0});
  report("seed_fusion", ort_parity(*model, spec, inputs_for(spec), dir_ / "seed"));
}

// A dwell head in log space ends the graph in Exp and Sub (docs/training.md).
TEST_F(ExportOrt, SeedNetworkWithLogDwellMatchesLibTorch) {
  const auto spec = ex::test::spec_for("vectors");
  torch::manual_seed(8);
  auto model = std::make_shared<tr::SeedFusionImpl>(tr::SeedFusionOptions{});
  ex::test::randomise(*model);
  model->set_dwell_scale({4.2, 0.9, true});
  report("seed_fusion_log_dwell", ort_parity(*model, spec, inputs_for(spec), dir_ / "seed_log"));
}

TEST_F(ExportOrt, SequencesModelMatchesLibTorch) {
  auto cfg = storefuse::config::load(kSource / "configs/fusion_cross_attention.yaml");
  const auto spec = ex::test::spec_for(cfg["retailsim"]["flavour"].as_string());
  ASSERT_EQ(spec.flavour, ds::Flavour::Sequences);
  torch::manual_seed(6);
  auto model = tr::make_model(cfg["model"], spec);
  ex::test::randomise(*model);
  model->set_dwell_scale({120.0, 95.0});
  report("fusion_cross_attention", ort_parity(*model, spec, inputs_for(spec), dir_ / "sequences"));
}
