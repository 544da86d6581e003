// Small storefuse dataset files for the A/B tests: float vectors (visual 64,
// audio 130, text `text_dim`, sensor 10), every input ~ N(shift, scale),
// audio absent in a share of rows; behaviour = argmax of visual[0..2],
// dwell_s = 10 + mean(visual). One directory per process (ctest -j).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>

#include "storefuse/datasets/dataset_writer.h"

namespace storefuse::abtest::testing {

inline std::filesystem::path dataset_dir() {
  const auto dir = std::filesystem::temp_directory_path() / ("sf_ab_data_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

struct DatasetSpec {
  double shift = 0, scale = 1;
  uint64_t seed = 1;
  double audio_missing = 0.1;
  int rows = 1200;
  int64_t text_dim = 32;
  bool labelled = true;
};

inline datasets::FeatureSpec dataset_feature_spec(int64_t text_dim = 32) {
  auto spec = datasets::seed_vector_spec({"browsing", "queueing", "purchasing"});
  spec[datasets::Modality::Visual].shape = {64};
  spec[datasets::Modality::Text].shape = {text_dim};
  return spec;
}

inline std::filesystem::path write_dataset(const std::string& name, const DatasetSpec& d) {
  namespace ds = datasets;
  const auto spec = dataset_feature_spec(d.text_dim);
  const auto path = dataset_dir() / (name + ".h5");
  ds::WriterOptions opt;
  opt.has_targets = d.labelled;
  ds::DatasetWriter w(path, spec, {{"generator", "test"}}, opt);
  auto b = ds::Batch::allocate(spec, d.rows, d.labelled);
  std::mt19937_64 rng(d.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<double> u(0, 1);
  for (int m = 0; m < ds::kNumModalities; ++m) {
    auto* x = b.inputs[m].as<float>();
    const int64_t n = int64_t(d.rows) * spec.modalities[m].numel();
    for (int64_t i = 0; i < n; ++i) x[i] = float(d.shift + d.scale * normal(rng));
  }
  const float* visual = b.inputs[0].as<float>();
  for (int i = 0; i < d.rows; ++i) {
    for (int m = 0; m < 4; ++m) b.mask[i * 4 + m] = 1;
    if (u(rng) < d.audio_missing) b.mask[i * 4 + 1] = 0;
    b.sample_id[i] = 1000 + i;
    b.customer_id[i] = i / 3;
    b.store_id[i] = i % 4;
    b.camera_id[i] = i % 2;
    if (d.labelled) {
      const float* v = visual + int64_t(i) * 64;
      b.behavior[i] = std::max_element(v, v + 3) - v;
      double mean = 0;
      for (int j = 0; j < 64; ++j) mean += v[j];
      b.dwell_s[i] = float(10 + mean / 64);
      b.engagement[i] = 0.5f;
    }
  }
  w.append(b);
  w.close();
  return path;
}

}  // namespace storefuse::abtest::testing
