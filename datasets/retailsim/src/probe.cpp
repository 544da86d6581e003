#include "storefuse/retailsim/probe.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "storefuse/core/error.h"
#include "storefuse/retailsim/rng.h"
#include "storefuse/retailsim/world.h"

namespace storefuse::retailsim {

ProbeData ProbeData::from_batch(const datasets::Batch& b, const std::vector<datasets::Modality>& mods) {
  ProbeData d;
  d.rows = b.rows;
  for (auto m : mods) {
    const auto& a = b.input(m);
    if (a.dtype != datasets::DType::Float32 || a.shape.size() != 2) {
      throw Error(ErrorKind::Data, std::string("the probe needs vector features; ") + datasets::to_string(m) +
                                       " is not a float32 vector", "linear probe", "generate with flavour: vectors");
    }
    d.dim += static_cast<int>(a.shape[1]);
  }
  d.x.resize(static_cast<size_t>(d.rows) * d.dim);
  for (int64_t r = 0; r < d.rows; ++r) {
    float* dst = d.x.data() + r * d.dim;
    for (auto m : mods) {
      const auto& a = b.input(m);
      const int64_t w = a.shape[1];
      std::copy_n(a.as<float>() + r * w, w, dst);
      dst += w;
    }
  }
  d.y.assign(b.behavior.begin(), b.behavior.end());
  return d;
}

double linear_probe_accuracy(const ProbeData& train, const ProbeData& test, const ProbeOptions& o) {
  const int D = train.dim, K = kNumBehaviors;
  if (test.dim != D || train.rows == 0) {
    throw Error(ErrorKind::Runtime, "probe splits differ in width or the training split is empty", "linear probe", "");
  }
  std::vector<double> mean(D, 0.0), sd(D, 0.0);
  for (int64_t r = 0; r < train.rows; ++r)
    for (int j = 0; j < D; ++j) mean[j] += train.x[r * D + j];
  for (auto& m : mean) m /= train.rows;
  for (int64_t r = 0; r < train.rows; ++r)
    for (int j = 0; j < D; ++j) sd[j] += std::pow(train.x[r * D + j] - mean[j], 2);
  for (auto& s : sd) s = std::sqrt(s / train.rows) > 1e-8 ? std::sqrt(s / train.rows) : 1.0;
  auto standardise = [&](const ProbeData& d, int64_t r, std::vector<float>& out) {
    for (int j = 0; j < D; ++j) out[j] = static_cast<float>((d.x[r * D + j] - mean[j]) / sd[j]);
  };

  std::vector<float> w(static_cast<size_t>(D) * K, 0.0f), bias(K, 0.0f), x(D), logits(K);
  auto forward = [&]() {
    for (int k = 0; k < K; ++k) logits[k] = bias[k];
    for (int j = 0; j < D; ++j) {
      if (x[j] == 0.0f) continue;
      const float* wj = w.data() + static_cast<size_t>(j) * K;
      for (int k = 0; k < K; ++k) logits[k] += x[j] * wj[k];
    }
  };
  std::vector<int64_t> order(train.rows);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(o.seed, 0, Stream::Hidden);
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    for (int64_t i = static_cast<int64_t>(order.size()) - 1; i > 0; --i) std::swap(order[i], order[rng.integer(i + 1)]);
    const float lr = static_cast<float>(o.learning_rate / (1.0 + epoch));
    const float decay = 1.0f - lr * static_cast<float>(o.l2);
    for (int64_t r : order) {
      standardise(train, r, x);
      forward();
      float mx = *std::max_element(logits.begin(), logits.end()), z = 0;
      for (auto& l : logits) z += (l = std::exp(l - mx));
      for (int k = 0; k < K; ++k) logits[k] = logits[k] / z - (k == train.y[r] ? 1.0f : 0.0f);  // dL/dlogit
      for (int j = 0; j < D; ++j) {
        float* wj = w.data() + static_cast<size_t>(j) * K;
        for (int k = 0; k < K; ++k) wj[k] = wj[k] * decay - lr * x[j] * logits[k];
      }
      for (int k = 0; k < K; ++k) bias[k] -= lr * logits[k];
    }
  }
  int64_t correct = 0;
  for (int64_t r = 0; r < test.rows; ++r) {
    standardise(test, r, x);
    forward();
    correct += std::max_element(logits.begin(), logits.end()) - logits.begin() == test.y[r];
  }
  return test.rows ? static_cast<double>(correct) / test.rows : 0.0;
}

std::vector<ProbeResult> probe_each_modality_and_all(const datasets::Batch& train, const datasets::Batch& test,
                                                     const ProbeOptions& options) {
  std::vector<std::vector<datasets::Modality>> sets;
  std::vector<ProbeResult> results;
  for (auto m : datasets::kModalities) {
    sets.push_back({m});
    results.push_back({datasets::to_string(m), 0});
  }
  sets.push_back({datasets::kModalities.begin(), datasets::kModalities.end()});
  results.push_back({"all", 0});
  tbb::parallel_for(size_t{0}, sets.size(), [&](size_t i) {  // independent fits
    results[i].accuracy = linear_probe_accuracy(ProbeData::from_batch(train, sets[i]),
                                                ProbeData::from_batch(test, sets[i]), options);
  });
  return results;
}

}  // namespace storefuse::retailsim
