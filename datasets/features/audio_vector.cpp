#include "storefuse/features/audio_vector.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "storefuse/core/error.h"

namespace storefuse::features {
namespace {

// numpy.percentile(x, q) with the default linear method on sorted x.
double percentile(const std::vector<double>& sorted, double q) {
  const double pos = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace

const std::array<const char*, kAudioStats>& audio_stat_names() {
  static const std::array<const char*, kAudioStats> names = {
      "mean", "std", "min", "max", "p10", "p50", "p90", "skewness", "kurtosis", "mean_abs_delta"};
  return names;
}

std::vector<float> audio_vector(const float* mfcc, int n_mfcc, int frames) {
  if (frames < 1 || n_mfcc < 1) {
    throw Error(ErrorKind::Data,
                "audio vector needs at least one MFCC frame and coefficient, got " +
                    std::to_string(n_mfcc) + " x " + std::to_string(frames),
                "audio_vector");
  }
  std::vector<float> out(static_cast<std::size_t>(kAudioStats) * n_mfcc);
  auto put = [&](AudioStat s, int c, double v) {
    out[static_cast<std::size_t>(s) * n_mfcc + c] = static_cast<float>(v);
  };
  std::vector<double> x(frames);
  for (int c = 0; c < n_mfcc; ++c) {
    const float* row = mfcc + static_cast<std::size_t>(c) * frames;
    double sum = 0, abs_delta = 0;
    for (int t = 0; t < frames; ++t) {
      x[t] = row[t];
      sum += x[t];
      if (t > 0) abs_delta += std::fabs(x[t] - x[t - 1]);
    }
    const double mean = sum / frames;
    double m2 = 0, m3 = 0, m4 = 0;
    for (double v : x) {
      const double d = v - mean, d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
    }
    m2 /= frames, m3 /= frames, m4 /= frames;
    std::sort(x.begin(), x.end());

    put(AudioStat::Mean, c, mean);
    put(AudioStat::Std, c, std::sqrt(m2));
    put(AudioStat::Min, c, x.front());
    put(AudioStat::Max, c, x.back());
    put(AudioStat::P10, c, percentile(x, 10));
    put(AudioStat::P50, c, percentile(x, 50));
    put(AudioStat::P90, c, percentile(x, 90));
    put(AudioStat::Skewness, c, m2 > 0 ? m3 / std::pow(m2, 1.5) : 0.0);
    put(AudioStat::Kurtosis, c, m2 > 0 ? m4 / (m2 * m2) - 3.0 : 0.0);
    put(AudioStat::MeanAbsDelta, c, frames > 1 ? abs_delta / (frames - 1) : 0.0);
  }
  return out;
}

}  // namespace storefuse::features
