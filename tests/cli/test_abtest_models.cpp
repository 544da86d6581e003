// storefuse abtest with model inputs, end to end through the real binary: a
// run directory (LibTorch) against its own ONNX export (the torch-free
// runtime). Same weights, so the predictions must agree sample for sample,
// and both sides must carry latency, size, memory and drift figures.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace fs = std::filesystem;

#ifdef STOREFUSE_WITH_TRAIN
TEST(AbtestModels, RunDirectoryAgainstItsOwnOnnxExport) {
  const fs::path dir = fs::temp_directory_path() / ("sf_ab_models_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string d = dir.string();
  const std::string src = STOREFUSE_SOURCE_DIR;

  auto gen = run_storefuse("datagen --config " + src + "/configs/data/retailsim.yaml --no-progress"
                           " --set retailsim.splits.train=256 --set retailsim.splits.val=64"
                           " --set retailsim.splits.test=96 --out " + d + "/data");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  auto train = run_storefuse("train --config " + src + "/configs/demo.yaml --set run.root=" + d +
                             "/runs --set data.train=" + d + "/data/train.h5 --set data.val=" + d +
                             "/data/val.h5 --set train.epochs=1 --set data.batch_size=64");
  ASSERT_EQ(train.exit_code, 0) << train.err;
  auto exp = run_storefuse("export --run " + d + "/runs/demo --out " + d + "/model.onnx --verify-data " + d +
                           "/data/val.h5 --verify-samples 16");
  ASSERT_EQ(exp.exit_code, 0) << exp.err;

  auto ab = run_storefuse("abtest --a " + d + "/runs/demo --b " + d + "/model.onnx --data " + d +
                          "/data/test.h5 --out " + d + "/ab --set abtest.latency_samples=20"
                          " --set abtest.latency_warmup=2 --set abtest.resamples=200");
  ASSERT_EQ(ab.exit_code, 0) << ab.out << ab.err;
  std::ifstream in(dir / "ab" / "report.json");
  ASSERT_TRUE(in.good());
  const auto report = nlohmann::json::parse(in);
  const auto& off = report.at("offline");
  EXPECT_EQ(off.at("n").get<int>(), 96);
  // One set of weights through two engines: no sample changes its class.
  EXPECT_EQ(off.at("mcnemar_exact").at("only_a_correct").get<int>(), 0);
  EXPECT_EQ(off.at("mcnemar_exact").at("only_b_correct").get<int>(), 0);
  EXPECT_DOUBLE_EQ(off.at("model_a").at("behavior").at("accuracy").get<double>(),
                   off.at("model_b").at("behavior").at("accuracy").get<double>());
  for (const char* side : {"a", "b"}) {
    EXPECT_GT(off.at("latency_ms").at(side).at("p50").get<double>(), 0.0) << side;
    EXPECT_GT(off.at("operational").at(side).at("file_bytes").get<double>(), 0.0) << side;
    EXPECT_GT(off.at("operational").at(side).at("peak_memory_bytes").get<double>(), 0.0) << side;
  }
  EXPECT_FALSE(off.at("drift").empty());
  EXPECT_TRUE(fs::exists(dir / "ab" / "report.html"));
  fs::remove_all(dir);
}
#endif
