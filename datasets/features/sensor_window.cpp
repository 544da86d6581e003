#include <algorithm>
#include <cmath>

#include "storefuse/core/error.h"
#include "storefuse/features/sensor.h"

namespace storefuse::features {

void SensorSeries::add_row(double t, const std::vector<float>& row) {
  if (static_cast<int>(row.size()) != channels) {
    throw Error(ErrorKind::Data, "sensor row has " + std::to_string(row.size()) + " values, expected " +
                                     std::to_string(channels), "sensor series", "");
  }
  time_s.push_back(t);
  values.insert(values.end(), row.begin(), row.end());
}

std::vector<float> resample_window(const SensorSeries& s, const SensorParams& p) {
  const int C = p.num_channels(), T = p.steps;
  if (s.rows() == 0) throw Error(ErrorKind::Data, "sensor series is empty", "sensor window", "");
  if (s.channels != C) {
    throw Error(ErrorKind::Data, "sensor series has " + std::to_string(s.channels) + " channels, the spec " +
                                     std::to_string(C), "sensor window", "match the channel list of the feature spec");
  }
  for (int64_t r = 1; r < s.rows(); ++r) {
    if (s.time_s[r] < s.time_s[r - 1]) {
      throw Error(ErrorKind::Data, "sensor timestamps decrease at row " + std::to_string(r), "sensor window",
                  "sort the readings by time");
    }
  }
  const double t0 = s.time_s[0];
  std::vector<float> out(static_cast<size_t>(T) * C, 0.0f);
  std::vector<double> t;
  std::vector<float> x;
  for (int c = 0; c < C; ++c) {
    t.clear();
    x.clear();
    for (int64_t r = 0; r < s.rows(); ++r) {
      float v = s.values[r * C + c];
      if (!std::isnan(v)) {
        t.push_back(s.time_s[r]);
        x.push_back(v);
      }
    }
    if (t.empty()) continue;  // a silent channel reads 0 (raw); the mask is per modality, not per channel
    size_t k = 0;  // first reading with time > target
    for (int j = 0; j < T; ++j) {
      double target = t0 + (j + 0.5) * p.window_s / T;
      while (k < t.size() && t[k] <= target) ++k;
      float v;
      if (k == 0) {
        v = x.front();
      } else if (k == t.size()) {
        v = x.back();
      } else {
        double a = (target - t[k - 1]) / (t[k] - t[k - 1]);
        v = static_cast<float>(x[k - 1] + a * (x[k] - x[k - 1]));
      }
      out[static_cast<size_t>(j) * C + c] = v;
    }
  }
  return out;
}

std::vector<float> sensor_vector(const float* w, const SensorParams& p) {
  const int C = p.num_channels(), T = p.steps;
  std::vector<float> v(C);
  for (int c = 0; c < C; ++c) {
    double sum = 0;
    float mx = w[c], mn = w[c];
    for (int j = 0; j < T; ++j) {
      float x = w[j * C + c];
      sum += x;
      mx = std::max(mx, x);
      mn = std::min(mn, x);
    }
    double mean = sum / T;
    switch (p.channels[c].stat) {
      case SensorStat::Mean: v[c] = static_cast<float>(mean); break;
      case SensorStat::Max: v[c] = mx; break;
      case SensorStat::Min: v[c] = mn; break;
      case SensorStat::Range: v[c] = mx - mn; break;
      case SensorStat::Delta: v[c] = w[(T - 1) * C + c] - w[c]; break;
      case SensorStat::Std: {
        double ss = 0;
        for (int j = 0; j < T; ++j) ss += (w[j * C + c] - mean) * (w[j * C + c] - mean);
        v[c] = static_cast<float>(std::sqrt(ss / T));
        break;
      }
    }
  }
  return v;
}

namespace {

constexpr double kMinStd = 1e-6;

void mean_std(const std::vector<double>& sum, const std::vector<double>& sum_sq, double n,
              std::vector<double>& mean, std::vector<double>& std) {
  mean.resize(sum.size());
  std.resize(sum.size());
  for (size_t c = 0; c < sum.size(); ++c) {
    mean[c] = n > 0 ? sum[c] / n : 0.0;
    double var = n > 0 ? sum_sq[c] / n - mean[c] * mean[c] : 0.0;
    std[c] = var > kMinStd * kMinStd ? std::sqrt(var) : 1.0;
  }
}

}  // namespace

SensorNormaliser SensorNormaliser::fit(const std::vector<float>& windows, const SensorParams& p) {
  const int C = p.num_channels(), T = p.steps;
  const size_t per = static_cast<size_t>(T) * C;
  if (windows.size() % per != 0) {
    throw Error(ErrorKind::Data, "training windows are not a whole number of [T, C] windows", "sensor normaliser", "");
  }
  const int64_t n = static_cast<int64_t>(windows.size() / per);
  // Shifted sums (by the first window's values) keep the variance accurate for
  // channels with a large offset such as light in lux.
  std::vector<double> shift_w(C, 0), shift_v(C, 0);
  std::vector<double> sw(C, 0), sw2(C, 0), sv(C, 0), sv2(C, 0);
  if (n > 0) {
    auto v0 = sensor_vector(windows.data(), p);
    for (int c = 0; c < C; ++c) { shift_w[c] = windows[c]; shift_v[c] = v0[c]; }
  }
  for (int64_t i = 0; i < n; ++i) {
    const float* w = windows.data() + i * per;
    for (int j = 0; j < T; ++j) {
      for (int c = 0; c < C; ++c) {
        double d = w[j * C + c] - shift_w[c];
        sw[c] += d;
        sw2[c] += d * d;
      }
    }
    auto v = sensor_vector(w, p);
    for (int c = 0; c < C; ++c) {
      double d = v[c] - shift_v[c];
      sv[c] += d;
      sv2[c] += d * d;
    }
  }
  SensorNormaliser out;
  out.windows_ = n;
  mean_std(sw, sw2, static_cast<double>(n) * T, out.window_mean_, out.window_std_);
  mean_std(sv, sv2, static_cast<double>(n), out.vector_mean_, out.vector_std_);
  for (int c = 0; c < C; ++c) {
    out.window_mean_[c] += shift_w[c];
    out.vector_mean_[c] += shift_v[c];
  }
  return out;
}

void SensorNormaliser::normalise_window(float* w, int steps) const {
  const size_t C = window_mean_.size();
  for (int j = 0; j < steps; ++j) {
    for (size_t c = 0; c < C; ++c) {
      w[j * C + c] = static_cast<float>((w[j * C + c] - window_mean_[c]) / window_std_[c]);
    }
  }
}

void SensorNormaliser::normalise_vector(float* v) const {
  for (size_t c = 0; c < vector_mean_.size(); ++c) {
    v[c] = static_cast<float>((v[c] - vector_mean_[c]) / vector_std_[c]);
  }
}

json SensorNormaliser::to_json() const {
  return json{{"windows", windows_},         {"window_mean", window_mean_}, {"window_std", window_std_},
              {"vector_mean", vector_mean_}, {"vector_std", vector_std_}};
}

SensorNormaliser SensorNormaliser::from_json(const json& j, int channels) {
  SensorNormaliser n;
  try {
    n.windows_ = j.at("windows").get<int64_t>();
    n.window_mean_ = j.at("window_mean").get<std::vector<double>>();
    n.window_std_ = j.at("window_std").get<std::vector<double>>();
    n.vector_mean_ = j.at("vector_mean").get<std::vector<double>>();
    n.vector_std_ = j.at("vector_std").get<std::vector<double>>();
  } catch (const json::exception& e) {
    throw Error(ErrorKind::Data, std::string("sensor normalisation: ") + e.what(), "feature spec (sensor params)", "");
  }
  for (const auto* v : {&n.window_mean_, &n.window_std_, &n.vector_mean_, &n.vector_std_}) {
    if (static_cast<int>(v->size()) != channels) {
      throw Error(ErrorKind::Data, "sensor normalisation has " + std::to_string(v->size()) +
                                       " values, expected one per channel (" + std::to_string(channels) + ")",
                  "feature spec (sensor params)", "");
    }
  }
  for (double s : n.window_std_) if (!(s > 0)) throw Error(ErrorKind::Data, "sensor normalisation std must be > 0", "feature spec (sensor params)", "");
  for (double s : n.vector_std_) if (!(s > 0)) throw Error(ErrorKind::Data, "sensor normalisation std must be > 0", "feature spec (sensor params)", "");
  return n;
}

}  // namespace storefuse::features
