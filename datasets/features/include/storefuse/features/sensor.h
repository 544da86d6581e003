// Sensor features: a multi-channel series with its own (irregular)
// timestamps becomes a fixed window [T, C] (the `sequences` input) and one
// statistic per channel (the seed model's 10-value `sensor` vector). Both are
// standardised with per-channel mean/std fitted on the training split.
//
//   SensorParams p = SensorParams::retail_defaults();   // 10 channels, 32 steps over 60 s
//   std::vector<float> w = resample_window(series, p);  // [T * C], raw units
//   std::vector<float> v = sensor_vector(w.data(), p);  // [C], raw units
//   SensorNormaliser n = SensorNormaliser::fit(train_windows, p);
//   n.normalise_window(w.data()); n.normalise_vector(v.data());
//
// docs/features.md (Sensor) documents each channel's statistic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storefuse/core/json.h"

namespace storefuse::features {

// The statistic a channel contributes to the sensor vector, computed over
// its T resampled values x_0..x_{T-1}.
enum class SensorStat {
  Mean,   // mean
  Max,    // max
  Min,    // min
  Std,    // population standard deviation
  Delta,  // x_{T-1} - x_0: net change over the window
  Range,  // max - min
};
const char* to_string(SensorStat s);
SensorStat sensor_stat_from_string(const std::string& name);  // throws Error (Config)

struct SensorChannel {
  std::string name;  // with its unit: "shelf_weight_kg"
  SensorStat stat = SensorStat::Mean;
  bool operator==(const SensorChannel& o) const { return name == o.name && stat == o.stat; }
};

struct SensorParams {
  std::vector<SensorChannel> channels;  // C
  double window_s = 60.0;               // seconds from the series' first timestamp
  int steps = 32;                       // T: samples at the centres of T equal slices

  int num_channels() const { return static_cast<int>(channels.size()); }
  bool operator==(const SensorParams& o) const;

  // The ten channels of a RetailSim store zone, in column order; see
  // docs/retailsim.md for what each measures.
  static SensorParams retail_defaults();
};

void validate(const SensorParams& p);  // throws Error (Config)
void to_json(json& j, const SensorParams& p);
void from_json(const json& j, SensorParams& p);

// Readings: one row per timestamp, C values per row; NaN marks a channel that
// did not report at that time. Timestamps must not decrease.
struct SensorSeries {
  std::vector<double> time_s;
  std::vector<float> values;  // [rows * C], row-major
  int channels = 0;

  int64_t rows() const { return static_cast<int64_t>(time_s.size()); }
  void add_row(double t, const std::vector<float>& row);  // row.size() must equal channels
};

// [T * C] row-major (step-major). Step j sits at t0 + (j + 0.5) * window_s / T,
// t0 the first timestamp. Each channel is interpolated linearly between its
// two nearest readings, held constant before its first and after its last,
// and 0 when it has none. Throws Error (Data) for an empty series, a channel
// count that differs from p, or decreasing timestamps.
std::vector<float> resample_window(const SensorSeries& series, const SensorParams& p);

// [C]: channel c's statistic over its T values of `window` ([T * C]).
std::vector<float> sensor_vector(const float* window, const SensorParams& p);

// Per-channel standardisation (x - mean) / std, fitted on training windows;
// a std below 1e-6 (a constant channel) is stored as 1 so it maps to 0.
class SensorNormaliser {
 public:
  // windows: N windows of [T * C] each, concatenated, in raw units.
  static SensorNormaliser fit(const std::vector<float>& windows, const SensorParams& p);

  void normalise_window(float* window, int steps) const;  // [steps * C]
  void normalise_vector(float* vector) const;             // [C]

  const std::vector<double>& window_mean() const { return window_mean_; }
  const std::vector<double>& window_std() const { return window_std_; }
  const std::vector<double>& vector_mean() const { return vector_mean_; }
  const std::vector<double>& vector_std() const { return vector_std_; }

  // {"windows", "window_mean", "window_std", "vector_mean", "vector_std"}
  json to_json() const;
  static SensorNormaliser from_json(const json& j, int channels);

 private:
  std::vector<double> window_mean_, window_std_, vector_mean_, vector_std_;
  int64_t windows_ = 0;
};

}  // namespace storefuse::features
