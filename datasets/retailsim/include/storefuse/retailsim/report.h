// What datagen says about the data it made: class frequencies, the missing
// rate, the dwell distribution, and the ceiling any model can reach, as
// measured by an oracle that sees the hidden variables (the true behaviour,
// and the noise-free dwell and engagement functions of docs/retailsim.md).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "storefuse/core/json.h"
#include "storefuse/retailsim/world.h"

namespace storefuse::retailsim {

// Pearson correlation (metrics::pearson_from_sums) and mean absolute error of
// predictions against targets.
struct RegressionStats {
  int64_t n = 0;
  double sum_abs = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  void add(double prediction, double target);
  void merge(const RegressionStats& o);
  double mae() const;
  double correlation() const;
};

struct SplitReport {
  int64_t rows = 0;
  std::array<int64_t, kNumBehaviors> label_counts{};   // after label noise
  std::array<int64_t, 5> missing_counts{};             // visual, audio, text, sensor, none
  int64_t oracle_correct = 0;                          // true behaviour == label
  RegressionStats oracle_dwell, oracle_engagement;
  std::vector<float> dwell_s;                          // every sample, for quantiles

  void add(const Visit& v);
  void merge(const SplitReport& o);
  double oracle_accuracy() const { return rows ? static_cast<double>(oracle_correct) / rows : 0.0; }
  double missing_rate() const { return rows ? 1.0 - static_cast<double>(missing_counts[4]) / rows : 0.0; }
  double dwell_quantile(double q) const;  // nearest rank
  json to_json() const;
};

struct GenerateReport {
  std::array<SplitReport, 3> splits;
  double seconds = 0;
  double label_noise = 0;
  json to_json() const;
};

}  // namespace storefuse::retailsim
