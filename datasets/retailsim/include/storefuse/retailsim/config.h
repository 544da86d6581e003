// RetailSim's settings: the `retailsim:` section of a config
// (configs/defaults.yaml documents every key; docs/retailsim.md says what
// each one does to the simulated world).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "storefuse/core/config.h"

namespace storefuse::retailsim {

enum class Split { Train = 0, Val = 1, Test = 2 };
constexpr std::array<Split, 3> kSplits = {Split::Train, Split::Val, Split::Test};
const char* to_string(Split s);  // "train", "val", "test"

struct NoiseLevels {  // 1 = the documented default amount, 0 = none
  double video = 1.0;
  double audio = 1.0;
  double text = 1.0;
  double sensor = 1.0;
};

struct RetailSimConfig {
  uint64_t seed = 7;
  std::string flavour = "vectors";  // vectors | sequences
  std::array<int64_t, 3> split_sizes = {6000, 1000, 2000};  // train, val, test
  int stores = 12;
  int test_stores = 3;              // the last store ids; never in train or val
  std::vector<double> class_weights;  // 10 relative frequencies; empty = balanced
  double label_noise = 0.03;        // symmetric: a label is replaced by another class
  double missing_rate = 0.10;       // samples missing one modality (chosen uniformly)
  double store_drift = 1.0;         // scales store-to-store differences
  NoiseLevels noise;
  double dwell_noise = 0.05;        // sd of the log-normal factor on dwell
  double engagement_noise = 0.03;   // sd of the additive noise on engagement
  int chunk_rows = 512;             // samples generated and written together

  int64_t total_samples() const { return split_sizes[0] + split_sizes[1] + split_sizes[2]; }
  // First global sample index of a split: train, then val, then test.
  int64_t split_begin(Split s) const;
  // The stores a split draws from: test from the last test_stores ids,
  // train and val from the others.
  std::vector<int> split_stores(Split s) const;
};

// Reads cfg["retailsim"], checking types and ranges (errors name file:line).
RetailSimConfig from_config(const config::Node& cfg);

}  // namespace storefuse::retailsim
