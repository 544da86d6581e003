// audio_vector against numpy statistics (computed by the fixture generator
// from the torchaudio MFCC), plus the degenerate cases.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "fixtures.h"
#include "storefuse/core/error.h"
#include "storefuse/features/audio_vector.h"

using storefuse::features::audio_vector;
using storefuse::features::AudioStat;
using storefuse::features::kAudioStats;

TEST(AudioVector, MatchesNumpyOnEveryFixture) {
  for (const auto& c : fixtures::mfcc_cases()) {
    const auto mfcc64 = fixtures::read_raw<double>(c.at("expected"));
    const std::vector<float> mfcc(mfcc64.begin(), mfcc64.end());
    const int n_mfcc = c.at("n_mfcc"), frames = c.at("frames");
    const std::vector<double> want = c.at("audio_vector");
    const std::vector<float> got = audio_vector(mfcc.data(), n_mfcc, frames);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      const double tol = 1e-5 * (1 + std::fabs(want[i]));  // float output
      ASSERT_NEAR(got[i], want[i], tol)
          << c.at("name") << ": " << storefuse::features::audio_stat_names()[i / n_mfcc]
          << " of coefficient " << i % n_mfcc;
    }
  }
}

TEST(AudioVector, SeedLayoutIs13By10) {
  std::vector<float> mfcc(13 * 5);
  for (std::size_t i = 0; i < mfcc.size(); ++i) mfcc[i] = static_cast<float>(i % 7);
  const auto v = audio_vector(mfcc.data(), 13, 5);
  ASSERT_EQ(v.size(), 130u);
  // Coefficient 2 is 3, 4, 5, 6, 0: first difference |1|,|1|,|1|,|6| -> mean 2.25.
  EXPECT_FLOAT_EQ(v[static_cast<int>(AudioStat::Mean) * 13 + 2], 3.6f);
  EXPECT_FLOAT_EQ(v[static_cast<int>(AudioStat::Min) * 13 + 2], 0.0f);
  EXPECT_FLOAT_EQ(v[static_cast<int>(AudioStat::P50) * 13 + 2], 4.0f);
  EXPECT_FLOAT_EQ(v[static_cast<int>(AudioStat::MeanAbsDelta) * 13 + 2], 2.25f);
}

TEST(AudioVector, ConstantAndSingleFrameInputsAreFinite) {
  const std::vector<float> one_frame = {1.0f, -2.0f};
  const auto v = audio_vector(one_frame.data(), 2, 1);
  for (int s = 0; s < kAudioStats; ++s) EXPECT_TRUE(std::isfinite(v[s * 2])) << s;
  EXPECT_EQ(v[static_cast<int>(AudioStat::Std) * 2 + 1], 0.0f);
  EXPECT_EQ(v[static_cast<int>(AudioStat::Skewness) * 2 + 1], 0.0f);
  EXPECT_EQ(v[static_cast<int>(AudioStat::Kurtosis) * 2 + 1], 0.0f);
  EXPECT_EQ(v[static_cast<int>(AudioStat::P90) * 2 + 1], -2.0f);
  EXPECT_THROW(audio_vector(one_frame.data(), 2, 0), storefuse::Error);
}
