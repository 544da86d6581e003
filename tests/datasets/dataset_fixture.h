// Shared helpers for the dataset tests: small specs, deterministic rows, and
// a per-test temporary directory.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "storefuse/datasets/batch.h"
#include "storefuse/datasets/dataset_writer.h"

namespace storefuse::datasets::testing {

inline std::vector<std::string> ten_classes() {
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) names.push_back("class" + std::to_string(i));
  return names;
}

// Small float vectors, so loader tests move many rows quickly.
inline FeatureSpec tiny_vector_spec() {
  FeatureSpec spec;
  spec[Modality::Visual].shape = {8};
  spec[Modality::Audio].shape = {4};
  spec[Modality::Text].shape = {4};
  spec[Modality::Sensor].shape = {2};
  spec.class_names = ten_classes();
  return spec;
}

// Every dtype and several ranks.
inline FeatureSpec sequence_spec() {
  FeatureSpec spec;
  spec.flavour = Flavour::Sequences;
  spec[Modality::Visual] = {DType::UInt8, {3, 4, 5}, {{"frame_size", {4, 5}}, {"frames", 3}}};
  spec[Modality::Audio] = {DType::Float32, {6, 13}, {{"n_mfcc", 13}, {"sample_rate_hz", 16000}}};
  spec[Modality::Text] = {DType::Int32, {7}, {{"vocab_hash", "sha256:abc"}}};
  spec[Modality::Sensor] = {DType::Float32, {5, 2}, {{"channels", {"temp", "motion"}}}};
  spec.class_names = ten_classes();
  return spec;
}

// Rows [first, first + n) of a synthetic dataset. Every value depends on the
// row number, so a mix-up of rows or columns shows: visual[0] and sample_id
// both carry the row; store_id is row % 5.
inline Batch make_rows(const FeatureSpec& spec, int64_t first, int64_t n, bool has_targets = true) {
  Batch b = Batch::allocate(spec, n, has_targets);
  for (int64_t r = 0; r < n; ++r) {
    const int64_t row = first + r;
    for (Modality m : kModalities) {
      Array& a = b.input(m);
      const int64_t width = spec[m].numel();
      for (int64_t i = 0; i < width; ++i) {
        const int64_t k = r * width + i;
        switch (a.dtype) {
          case DType::Float32: a.as<float>()[k] = i == 0 ? float(row) : float(row) * 0.5f + float(i) / 7.0f; break;
          case DType::UInt8: a.as<uint8_t>()[k] = static_cast<uint8_t>((row * 31 + i) & 0xff); break;
          case DType::Int32: a.as<int32_t>()[k] = static_cast<int32_t>(row * 1000 + i - 500); break;
        }
      }
      b.mask[r * kNumModalities + static_cast<int>(m)] = (row + static_cast<int>(m)) % 3 != 0;
    }
    if (has_targets) {
      b.behavior[r] = row % 10;
      b.dwell_s[r] = float(row % 17) * 1.5f;
      b.engagement[r] = float(row % 11) / 10.0f;
    }
    b.sample_id[r] = row;
    b.customer_id[r] = 1000000000000 + row / 3;
    b.store_id[r] = static_cast<int32_t>(row % 5);
    b.camera_id[r] = static_cast<int32_t>(row % 7);
    b.timestamp[r] = 1.7e9 + double(row) * 0.25;
  }
  return b;
}

inline void write_rows(const std::filesystem::path& path, const FeatureSpec& spec, int64_t n,
                       WriterOptions options = {}) {
  DatasetWriter w(path, spec, {{"source", "test"}, {"seed", 1}}, options);
  const int64_t step = 1000;
  for (int64_t first = 0; first < n; first += step) {
    w.append(make_rows(spec, first, std::min(step, n - first), options.has_targets));
  }
  w.close();
}

// Bit-for-bit equality of every column (NaN == NaN when the bits match).
inline bool same_bits(const Batch& a, const Batch& b) {
  auto eq = [](const auto& x, const auto& y) {
    return x.size() == y.size() &&
           (x.empty() || std::memcmp(x.data(), y.data(), x.size() * sizeof(x[0])) == 0);
  };
  for (int i = 0; i < kNumModalities; ++i) {
    if (a.inputs[i].dtype != b.inputs[i].dtype || a.inputs[i].shape != b.inputs[i].shape ||
        !eq(a.inputs[i].bytes, b.inputs[i].bytes)) {
      return false;
    }
  }
  return a.rows == b.rows && a.has_targets == b.has_targets && eq(a.mask, b.mask) &&
         eq(a.behavior, b.behavior) && eq(a.dwell_s, b.dwell_s) && eq(a.engagement, b.engagement) &&
         eq(a.sample_id, b.sample_id) && eq(a.customer_id, b.customer_id) &&
         eq(a.store_id, b.store_id) && eq(a.camera_id, b.camera_id) && eq(a.timestamp, b.timestamp);
}

// A fresh directory per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("storefuse-test-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path file(const std::string& name) const { return dir_ / name; }

  std::filesystem::path dir_;
};

}  // namespace storefuse::datasets::testing
