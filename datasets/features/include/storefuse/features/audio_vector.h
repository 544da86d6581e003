// The seed model's fixed-size audio input: statistics over time of each MFCC
// coefficient (13 coefficients x 10 statistics = 130 values by default).
// Formulas are in docs/features.md (Audio); in short, for the T values x_t of
// one coefficient, with mean u and central moments m2, m3, m4:
//   mean, std = sqrt(m2), min, max, p10, p50, p90 (linear interpolation
//   between order statistics, numpy's default), skewness = m3 / m2^1.5,
//   excess kurtosis = m4 / m2^2 - 3, and mean |x_t - x_{t-1}|.
// Moments are population moments (divide by T); skewness and kurtosis are 0
// for a constant coefficient, and the mean absolute delta is 0 when T = 1.
#pragma once

#include <array>
#include <vector>

namespace storefuse::features {

enum class AudioStat { Mean, Std, Min, Max, P10, P50, P90, Skewness, Kurtosis, MeanAbsDelta };
constexpr int kAudioStats = 10;

// Names as used in feature specs and docs, in AudioStat order.
const std::array<const char*, kAudioStats>& audio_stat_names();

// mfcc: n_mfcc x frames, coefficient-major, as MfccExtractor::compute writes it.
// Returns kAudioStats * n_mfcc values, statistic-major: value [s * n_mfcc + c]
// is statistic s of coefficient c, so the first n_mfcc values are the mean
// MFCC vector. Throws storefuse::Error (Data) for frames < 1.
std::vector<float> audio_vector(const float* mfcc, int n_mfcc, int frames);

}  // namespace storefuse::features
