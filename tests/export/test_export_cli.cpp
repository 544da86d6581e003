// `storefuse export` (its command line, run as a process: export_cli_main.cpp)
// on tiny trained runs:
// --checkpoint best|last|PATH, the metrics and provenance it records, and bad
// input (a checkpoint of another config, a missing run or checkpoint, an
// unwritable or missing output directory, a corrupted checkpoint), each a
// clear error with its exit code that leaves no file behind: neither the
// .onnx, nor its model card, nor a temp file.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/config.h"
#include "storefuse/core/json.h"
#include "storefuse/infer/model_metadata.h"
#include "storefuse/metrics/feature_summary.h"
#include "storefuse/train/trainer.h"
#include "synthetic_data.h"

namespace fs = std::filesystem;
using storefuse::json;
namespace synthetic = storefuse::train::synthetic;

namespace {

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Result export_cli(const std::string& args) {
  Result r;
  FILE* pipe = popen((std::string(STOREFUSE_EXPORT_CLI) + " " + args + " 2>&1").c_str(), "r");
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) r.output.append(buf, n);
  r.exit_code = WEXITSTATUS(pclose(pipe));
  return r;
}

std::vector<std::string> entries(const fs::path& dir) {  // hidden temp files included
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

class ExportCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("storefuse_export_cli_" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    synthetic::write_separable(root_ / "train.h5", 256, 1);
    synthetic::write_separable(root_ / "val.h5", 128, 2);
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  // A run of the shrunk seed network (2 epochs), trained on first use in
  // this process, with `sets` on top.
  static fs::path run(const std::string& name, const std::vector<std::string>& sets = {}) {
    static std::map<std::string, fs::path> done;
    if (!done.count(name)) {
      auto all = synthetic::tiny_run_sets(root_);
      all.insert(all.end(), {"run.name=" + name, "train.epochs=2"});
      all.insert(all.end(), sets.begin(), sets.end());
      EXPECT_EQ(storefuse::train::run_training(storefuse::config::load("", all), false), 0);
      done[name] = root_ / name;
    }
    return done[name];
  }

  // An empty output directory of its own.
  static fs::path out_dir(const std::string& name) {
    fs::path d = root_ / ("out_" + name);
    fs::create_directories(d);
    return d;
  }

  static void expect_nothing_written(const fs::path& dir) {
    EXPECT_EQ(entries(dir), std::vector<std::string>{}) << "left behind in " << dir;
  }

  static fs::path root_;
};

fs::path ExportCli::root_;

// The graph (weights and nodes) of an exported file, without its metadata.
std::string graph_of(const fs::path& onnx_file) {
  onnx::ModelProto m;
  std::ifstream in(onnx_file, std::ios::binary);
  EXPECT_TRUE(m.ParseFromIstream(&in)) << onnx_file;
  std::string bytes;
  m.graph().SerializeToString(&bytes);
  return bytes;
}

std::map<std::string, std::string> metadata_of(const fs::path& onnx_file) {
  onnx::ModelProto m;
  std::ifstream in(onnx_file, std::ios::binary);
  EXPECT_TRUE(m.ParseFromIstream(&in)) << onnx_file;
  std::map<std::string, std::string> props;
  for (const auto& p : m.metadata_props()) props[p.key()] = p.value();
  return props;
}

}  // namespace

TEST_F(ExportCli, HelpNamesEveryCheckpointForm) {
  auto r = export_cli("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* want : {"--checkpoint", "best, last", "checkpoint file", "--out", "--precision",
                           "--opset", "--verify-data", "--verify-samples", "--accuracy-data", "--atol", "--rtol"}) {
    EXPECT_NE(r.output.find(want), std::string::npos) << want << " in\n" << r.output;
  }
}

TEST_F(ExportCli, BestLastAndAPathToACheckpointOfThisOrAnotherRun) {
  const auto a = run("tiny"), b = run("tiny_b", {"run.seed=7"});
  const auto out = out_dir("paths");
  auto r = export_cli("--run " + a.string() + " --out " + (out / "best.onnx").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ONNX checker passed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("max |diff|"), std::string::npos) << r.output;
  r = export_cli("--run " + a.string() + " --checkpoint last --out " + (out / "last.onnx").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = export_cli("--run " + a.string() + " --checkpoint " + (a / "epoch-1.pt").string() + " --out " +
                 (out / "epoch1.onnx").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Another run's checkpoint (same config but the seed): its weights, this run's config.
  r = export_cli("--run " + a.string() + " --checkpoint " + (b / "best.pt").string() + " --out " +
                 (out / "other.onnx").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = export_cli("--run " + b.string() + " --out " + (out / "b.onnx").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;

  EXPECT_EQ(graph_of(out / "other.onnx"), graph_of(out / "b.onnx"));
  EXPECT_NE(graph_of(out / "other.onnx"), graph_of(out / "best.onnx"));
  EXPECT_NE(graph_of(out / "epoch1.onnx"), graph_of(out / "last.onnx"));  // 2 epochs trained

  // Each card names its checkpoint and the metrics of the epoch it was saved after.
  const auto last = storefuse::read_json(out / "last.json");
  EXPECT_EQ(last["checkpoint"], (a / "last.pt").string());
  EXPECT_EQ(last["metrics"]["epoch"], 2);
  const auto epoch1 = storefuse::read_json(out / "epoch1.json");
  EXPECT_EQ(epoch1["checkpoint"], (a / "epoch-1.pt").string());
  EXPECT_EQ(epoch1["metrics"]["epoch"], 1);
  const auto other = storefuse::read_json(out / "other.json");
  EXPECT_EQ(other["checkpoint"], (b / "best.pt").string());
  EXPECT_EQ(other["metrics"], storefuse::read_json(out / "b.json")["metrics"]);
  EXPECT_TRUE(other["metrics"].contains("val/accuracy"));
  EXPECT_EQ(other["run_id"], "tiny");
  for (const auto& name : entries(out)) EXPECT_EQ(name.rfind('.', 0), std::string::npos) << "temp file " << name;
}

TEST_F(ExportCli, CheckpointOfAnotherShapeNamesTheParameterAndTheConfigKey) {
  const auto a = run("tiny"), wide = run("wide", {"model.params.embed_dim=24"});
  const auto out = out_dir("shape");
  auto r = export_cli("--run " + a.string() + " --checkpoint " + (wide / "best.pt").string() + " --out " +
                      (out / "model.onnx").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("does not fit the model"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[24,"), std::string::npos) << "the checkpoint's shape\n" << r.output;
  EXPECT_NE(r.output.find("[16,"), std::string::npos) << "the model's shape\n" << r.output;
  EXPECT_NE(r.output.find("model.params.embed_dim: this run 16, the checkpoint's run 24"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("--run"), std::string::npos) << "how to fix\n" << r.output;
  expect_nothing_written(out);
}

TEST_F(ExportCli, CheckpointOfAnotherModelTypeIsRefused) {
  const auto a = run("tiny");
  const auto late = run("late", {"model.type=fusion_net", "model.params={embed_dim: 16, encoders: {visual: {type: mlp}, "
                                 "audio: {type: mlp}, text: {type: mlp}, sensor: {type: mlp}}, fusion: {type: late}}"});
  const auto out = out_dir("type");
  auto r = export_cli("--run " + a.string() + " --checkpoint " + (late / "last.pt").string() + " --out " +
                      (out / "model.onnx").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("does not fit the model"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(seed_fusion)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("model.type: this run \"seed_fusion\", the checkpoint's run \"fusion_net\""),
            std::string::npos) << r.output;
  expect_nothing_written(out);
}

TEST_F(ExportCli, MissingRunOrCheckpointFile) {
  const auto a = run("tiny");
  const auto out = out_dir("missing");
  auto r = export_cli("--run " + (root_ / "no_such_run").string() + " --out " + (out / "m.onnx").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no run directory"), std::string::npos) << r.output;
  r = export_cli("--run " + a.string() + " --checkpoint " + (a / "epoch-9.pt").string() + " --out " +
                 (out / "m.onnx").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no checkpoint file"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("epoch-9.pt"), std::string::npos) << r.output;
  r = export_cli("--run " + a.string() + " --checkpoint '' --out " + (out / "m.onnx").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = export_cli("--run " + a.string() + " --out " + (out / "m.json").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("model card"), std::string::npos) << r.output;
  expect_nothing_written(out);
}

TEST_F(ExportCli, UnwritableOrMissingOutputDirectory) {
  const auto a = run("tiny");
  fs::path locked = out_dir("locked");
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  // root writes anywhere it may; /proc/self is a directory nobody can create files in.
  const fs::path unwritable = ::access(locked.c_str(), W_OK) == 0 ? fs::path("/proc/self") : locked;
  auto r = export_cli("--run " + a.string() + " --out " + (unwritable / "model.onnx").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot create file in output directory"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("writable"), std::string::npos) << "how to fix\n" << r.output;
  fs::permissions(locked, fs::perms::owner_all);
  expect_nothing_written(locked);

  r = export_cli("--run " + a.string() + " --out " + (root_ / "no_such_dir" / "model.onnx").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("output directory does not exist"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(root_ / "no_such_dir"));
}

TEST_F(ExportCli, CorruptedCheckpoint) {
  const auto a = run("tiny");
  const auto out = out_dir("corrupt");
  const std::string bytes = storefuse::read_file(a / "best.pt");
  const fs::path truncated = root_ / "truncated.pt", garbage = root_ / "garbage.pt";
  storefuse::write_file_atomic(truncated, bytes.substr(0, bytes.size() / 2));
  storefuse::write_file_atomic(garbage, std::string(4096, '\x5a'));
  for (const auto& bad : {truncated, garbage}) {
    auto r = export_cli("--run " + a.string() + " --checkpoint " + bad.string() + " --out " +
                        (out / "model.onnx").string());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("cannot read checkpoint"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(bad.string()), std::string::npos) << "where\n" << r.output;
  }
  expect_nothing_written(out);
}

TEST_F(ExportCli, CarriesTheTrainingSetsFeatureSummary) {
  namespace md = storefuse::infer::metadata;
  const auto a = run("tiny");
  const auto out = out_dir("summary");
  auto r = export_cli("--run " + a.string() + " --out " + (out / "model.onnx").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto props = metadata_of(out / "model.onnx");
  ASSERT_TRUE(props.count(md::kFeatureSummary)) << "no " << md::kFeatureSummary;
  const json summary = json::parse(props[md::kFeatureSummary]);
  EXPECT_EQ(summary, storefuse::metrics::summarize_features(root_ / "train.h5"));
  EXPECT_EQ(summary["rows"], 256);
  EXPECT_EQ(storefuse::read_json(out / "model.json")["train_data"]["feature_summary"], true);

  // Training data gone: exported all the same, with a warning and without the entry.
  fs::copy_file(root_ / "train.h5", root_ / "gone_train.h5");
  const auto g = run("gone", {"data.train=" + (root_ / "gone_train.h5").string()});
  fs::remove(root_ / "gone_train.h5");
  r = export_cli("--run " + g.string() + " --out " + (out / "gone.onnx").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("no feature summary"), std::string::npos) << r.output;
  EXPECT_EQ(metadata_of(out / "gone.onnx").count(md::kFeatureSummary), 0u);
  EXPECT_EQ(storefuse::read_json(out / "gone.json")["train_data"]["feature_summary"], false);
}

// The fp32 check compares |a - b| <= atol + rtol * |b|. Past the tolerance
// it names the output and the size of the difference, suggests raising the
// tolerance where float32 rounding can explain it, and writes nothing.
TEST_F(ExportCli, AToleranceExceededNamesTheOutputAndWritesNothing) {
  const auto a = run("tiny");
  const auto out = out_dir("tolerance");
  auto r = export_cli("--run " + a.string() + " --out " + (out / "m.onnx").string() + " --atol 1e-30 --rtol 0");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("differs from LibTorch's by up to"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("x the tolerance |a - b| <= 1e-30 + 0 * |b|"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("raise --atol / --rtol"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("emitter bug"), std::string::npos) << r.output;
  expect_nothing_written(out);
  r = export_cli("--run " + a.string() + " --out " + (out / "m.onnx").string() + " --atol 0");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  expect_nothing_written(out);
  r = export_cli("--run " + a.string() + " --out " + (out / "m.onnx").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("max relative"), std::string::npos) << r.output;
  const json card = storefuse::read_json(out / "m.json");
  EXPECT_EQ(card["verification"]["rtol"].get<double>(), 1e-3);
  EXPECT_TRUE(card["verification"]["per_output"]["behavior_logits"].contains("max_rel_diff"));
}
