// The seed fusion network exported by PyTorch (tests/fixtures/make_seed_onnx.py)
// must give PyTorch's outputs.
#include <gtest/gtest.h>

#include "../peer.h"

#include <chrono>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "onnx_reader.h"
#include "storefuse/infer/session.h"

using namespace storefuse::infer;

namespace {

const std::string kSeedDir = STOREFUSE_SEED_DIR;

Tensor read_pb(const std::string& name) {
  const std::string path = kSeedDir + "/test_data_set_0/" + name;
  return read_tensor_pb(read_file(path), path);
}

void expect_close(const Tensor& got, const Tensor& want, const std::string& name, double tolerance) {
  ASSERT_EQ(got.shape(), want.shape()) << name;
  for (int64_t i = 0; i < want.numel(); ++i)
    ASSERT_NEAR(got.data<float>()[i], want.data<float>()[i], tolerance) << name << "[" << i << "]";
}

class SeedNetwork : public ::testing::TestWithParam<SessionOptions> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kSeedDir + "/model.onnx"))
      STOREFUSE_MISSING_PEER("no seed model at " << kSeedDir
                             << ": it is exported at build time by /usr/bin/python3 with torch and onnx installed");
  }
};

}  // namespace

TEST_P(SeedNetwork, MatchesPyTorch) {
  auto model = Model::load(kSeedDir + "/model.onnx");
  // 5,975,244 in PyTorch (the script asserts it); the exporter shares equal
  // zero biases between layers, so the file holds fewer initializer elements.
  EXPECT_GT(model->parameter_count(), 5900000);
  // The attention's out-projection is folded into the fusion MLP's first layer.
  EXPECT_EQ(model->op_counts()["Gemm"], model->loaded_op_counts().at("Gemm") - 1);
  std::map<std::string, Tensor> inputs;
  for (size_t i = 0; i < model->inputs().size(); ++i)
    inputs[model->inputs()[i].name] = read_pb("input_" + std::to_string(i) + ".pb");
  ASSERT_EQ(inputs.at("visual").shape(), (Shape{7, 2048}));

  Session session(model, GetParam());
  // The first run plans memory for these shapes, the second runs in the arena.
  for (int run = 0; run < 2; ++run) {
    auto outputs = session.run(inputs);
    const char* names[] = {"behavior_logits", "dwell_s", "engagement"};
    for (int i = 0; i < 3; ++i)
      expect_close(outputs.at(names[i]), read_pb("output_" + std::to_string(i) + ".pb"),
                   names[i] + std::string(run ? " (planned run)" : " (first run)"), 1e-5);
  }
}

// Every load step is reported once, in order, and together they are the
// load's time.
TEST(SeedNetworkLoad, ReportsEachLoadStep) {
  if (!std::filesystem::exists(kSeedDir + "/model.onnx")) STOREFUSE_MISSING_PEER("no seed model at " << kSeedDir);
  const auto start = std::chrono::steady_clock::now();
  auto model = Model::load(kSeedDir + "/model.onnx");
  const double total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::vector<std::string> names;
  double sum_ms = 0;
  for (const LoadPhase& p : model->load_profile()) {
    names.push_back(p.name);
    EXPECT_GE(p.ms, 0.0) << p.name;
    sum_ms += p.ms;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"read", "validate", "fold", "build", "finish"}));
  EXPECT_LE(sum_ms, total_ms);
  EXPECT_GT(sum_ms, 0.5 * total_ms);
}

INSTANTIATE_TEST_SUITE_P(Kernels, SeedNetwork,
                         ::testing::Values(SessionOptions{1, false, false}, SessionOptions{2, false, false},
                                           SessionOptions{1, true, false}),
                         [](const auto& info) {
                           return std::string(info.param.reference_kernels ? "reference" : "fast") + "_" +
                                  std::to_string(info.param.threads) + "threads";
                         });

// PyTorch's outputs are for a batch of 7; at 64 (and 13, 1) the fast
// kernels take other paths (several register tiles per panel, K blocked,
// both threads on the attention's products): they must equal the reference
// kernels (plain loops, double sums) within 1e-5 there too.
TEST(SeedNetworkBatches, FastMatchesReferenceAtEveryBatch) {
  if (!std::filesystem::exists(kSeedDir + "/model.onnx")) STOREFUSE_MISSING_PEER("no seed model at " << kSeedDir);
  auto model = Model::load(kSeedDir + "/model.onnx");
  std::mt19937 rng(47);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  SessionOptions reference_options;
  reference_options.reference_kernels = true;
  Session reference(model, reference_options);
  for (int64_t batch : {1, 13, 64}) {
    std::map<std::string, Tensor> inputs;
    for (const ValueInfo& in : model->inputs()) {
      Tensor t(DType::Float32, {batch, in.shape[1]});
      for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
      inputs[in.name] = t;
    }
    const auto want = reference.run(inputs);
    for (int threads : {1, 2}) {
      SessionOptions options;
      options.threads = threads;
      Session fast(model, options);
      const auto got = fast.run(inputs);
      for (const auto& [name, w] : want)
        expect_close(got.at(name), w, name + " batch " + std::to_string(batch) + " threads " + std::to_string(threads),
                     1e-5);
    }
  }
}

// Dynamic batching (storefuse-infer serve) runs requests together: with
// int8 and fp16 weights each row of a batch gets exactly the bits it gets
// alone, on 1 and 2 threads (the dot kernels, 4 rows at a time). Float32
// weights do not yet: the panel kernel's accumulators and K blocks depend
// on the rows (docs/runtime.md).
TEST(SeedNetworkBatches, EachRowGetsTheBitsItGetsAlone) {
  if (!std::filesystem::exists(kSeedDir + "/model.onnx")) STOREFUSE_MISSING_PEER("no seed model at " << kSeedDir);
  for (const std::string variant : {"model_int8", "model_fp16"}) {
    if (!std::filesystem::exists(kSeedDir + "/" + variant + ".onnx")) STOREFUSE_MISSING_PEER("no " << variant);
    auto model = Model::load(kSeedDir + "/" + variant + ".onnx");
    std::mt19937 rng(53);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (int threads : {1, 2}) {
      SessionOptions options;
      options.threads = threads;
      Session session(model, options);
      for (int64_t batch : {2, 5, 13, 64}) {
        std::map<std::string, Tensor> inputs;
        for (const ValueInfo& in : model->inputs()) {
          Tensor t(DType::Float32, {batch, in.shape[1]});
          for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
          inputs[in.name] = t;
        }
        const auto together = session.run(inputs);
        for (int64_t r = 0; r < batch; r += batch > 5 ? 6 : 1) {
          std::map<std::string, Tensor> one;
          for (const auto& [name, t] : inputs) {
            Tensor row(DType::Float32, {1, t.dim(1)});
            std::memcpy(row.raw(), t.data<float>() + r * t.dim(1), row.nbytes());
            one[name] = row;
          }
          for (const auto& [name, t] : session.run(one)) {
            const size_t bytes = t.nbytes();
            ASSERT_EQ(std::memcmp(t.raw(), static_cast<const char*>(together.at(name).raw()) + r * bytes, bytes), 0)
                << variant << " " << name << ": row " << r << " of a batch of " << batch << " on " << threads
                << " threads differs from the row alone";
          }
        }
      }
    }
  }
}

// The int8 and fp16 weight-only variants (tests/infer/quantize_seed_onnx.py):
// the fast kernels keep the weights as stored and must give what the
// reference path gives (weights widened to float32, plain loops); and the
// reduced precision stays close to PyTorch's fp32 outputs.
class SeedVariants : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kSeedDir + "/model_" + GetParam() + ".onnx"))
      STOREFUSE_MISSING_PEER("no seed variants at " << kSeedDir
                             << ": they are written at build time by /usr/bin/python3 with torch and onnx installed");
  }
};

TEST_P(SeedVariants, FastMatchesReferenceAndStaysNearPyTorch) {
  auto model = Model::load(kSeedDir + "/model_" + GetParam() + ".onnx");
  const auto packed = model->packed_weight_counts();
  const std::string format = GetParam() == "int8" ? "int8" : "float16";
  ASSERT_EQ(packed.count(format), 1u);
  EXPECT_EQ(packed.at(format), 16);  // 15 Gemm weights and the attention's in_proj MatMul
  std::map<std::string, Tensor> inputs;
  for (size_t i = 0; i < model->inputs().size(); ++i)
    inputs[model->inputs()[i].name] = read_pb("input_" + std::to_string(i) + ".pb");
  SessionOptions reference_options;
  reference_options.reference_kernels = true;
  Session reference(model, reference_options);
  const auto want = reference.run(inputs);
  const char* names[] = {"behavior_logits", "dwell_s", "engagement"};
  for (int threads : {1, 2}) {
    SessionOptions options;
    options.threads = threads;
    Session fast(model, options);
    for (int run = 0; run < 2; ++run) {
      const auto got = fast.run(inputs);
      for (const char* name : names)
        expect_close(got.at(name), want.at(name), name + std::string(" fast vs reference"), 1e-4);
    }
  }
  // Quantisation error against PyTorch fp32: per-channel int8 weights move
  // these outputs by up to ~5e-3 (first elements measured), fp16 by ~1e-4;
  // the bounds leave about 6x and 10x room.
  for (int i = 0; i < 3; ++i)
    expect_close(want.at(names[i]), read_pb("output_" + std::to_string(i) + ".pb"),
                 names[i] + std::string(" vs PyTorch fp32"), GetParam() == "int8" ? 0.03 : 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Precision, SeedVariants, ::testing::Values("int8", "fp16"));
