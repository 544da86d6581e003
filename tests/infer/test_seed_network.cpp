// The seed fusion network exported by PyTorch (tests/fixtures/make_seed_onnx.py)
// must give PyTorch's outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

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
      GTEST_SKIP() << "no seed model at " << kSeedDir
                   << ": it is exported at build time by /usr/bin/python3 with torch and onnx installed";
  }
};

}  // namespace

TEST_P(SeedNetwork, MatchesPyTorch) {
  auto model = Model::load(kSeedDir + "/model.onnx");
  // 5,975,244 in PyTorch (the script asserts it); the exporter shares equal
  // zero biases between layers, so the file holds fewer initializer elements.
  EXPECT_GT(model->parameter_count(), 5900000);
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

INSTANTIATE_TEST_SUITE_P(Kernels, SeedNetwork,
                         ::testing::Values(SessionOptions{1, false, false}, SessionOptions{2, false, false},
                                           SessionOptions{1, true, false}),
                         [](const auto& info) {
                           return std::string(info.param.reference_kernels ? "reference" : "fast") + "_" +
                                  std::to_string(info.param.threads) + "threads";
                         });
