// Runs a model with the fast and the reference kernels on the same seeded
// random inputs and compares every output (after ncnn's test_layer).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "onnx_builder.h"
#include "storefuse/infer/session.h"

namespace storefuse::infer::testing {

inline Tensor random_tensor(Shape shape, std::mt19937& rng) {
  Tensor t(DType::Float32, std::move(shape));
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// `params` describes the case; it is printed on failure.
inline void expect_fast_matches_reference(const OnnxBuilder& builder, const std::map<std::string, Tensor>& inputs,
                                          const std::string& params, int threads = 2) {
  SCOPED_TRACE(params);
  auto model = Model::load_bytes(builder.bytes());
  SessionOptions fast_options, reference_options;
  fast_options.threads = threads;
  reference_options.reference_kernels = true;
  Session fast(model, fast_options), reference(model, reference_options);
  auto got = fast.run(inputs);
  auto want = reference.run(inputs);
  for (const auto& [name, w] : want) {
    const Tensor& g = got.at(name);
    ASSERT_EQ(g.shape(), w.shape()) << name;
    for (int64_t i = 0; i < w.numel(); ++i) {
      const float a = g.data<float>()[i], b = w.data<float>()[i];
      ASSERT_LE(std::abs(a - b), 1e-4f * (1 + std::abs(b))) << name << "[" << i << "]";
    }
  }
}

}  // namespace storefuse::infer::testing
