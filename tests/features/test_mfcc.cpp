// MfccExtractor against torchaudio.transforms.MFCC (float64) on the golden
// fixtures: 8 parameter sets over 8, 16, 22.05 and 44.1 kHz.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "fixtures.h"
#include "storefuse/core/error.h"
#include "storefuse/features/mfcc.h"

using storefuse::json;
using storefuse::features::MfccExtractor;
using storefuse::features::MfccParams;

namespace {

// Worst element of got vs want (n_mfcc x frames), for failure messages.
struct Worst {
  double diff = 0;
  int coeff = 0, frame = 0;
  double want = 0, got = 0;
};

Worst worst(const std::vector<float>& got, const std::vector<double>& want, int frames) {
  Worst w;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double d = std::fabs(got[i] - want[i]);
    if (!(d <= w.diff)) {  // also catches NaN
      w = {d, static_cast<int>(i / frames), static_cast<int>(i % frames), want[i], got[i]};
    }
  }
  return w;
}

}  // namespace

TEST(Mfcc, MatchesTorchaudioOnEveryFixture) {
  const json cases = fixtures::mfcc_cases();
  ASSERT_GE(cases.size(), 5u);
  for (const json& c : cases) {
    const MfccParams params = c.at("params").get<MfccParams>();
    const MfccExtractor mfcc(params);
    const auto signal = fixtures::read_raw<float>(c.at("signal"));
    const auto want = fixtures::read_raw<double>(c.at("expected"));
    const int frames = c.at("frames");

    ASSERT_EQ(mfcc.num_frames(signal.size()), frames) << c.at("name");
    const std::vector<float> got = mfcc.compute(signal);
    ASSERT_EQ(got.size(), want.size()) << c.at("name");
    const Worst w = worst(got, want, frames);
    EXPECT_LE(w.diff, 1e-3) << c.at("name") << ": worst |diff| " << w.diff << " at coefficient "
                            << w.coeff << ", frame " << w.frame << " (torchaudio " << w.want
                            << ", storefuse " << w.got << ")\nparams " << c.at("params").dump();
  }
}

TEST(Mfcc, SharedExtractorGivesTheSameResultOnEveryThread) {
  const MfccExtractor mfcc(MfccParams{});
  const auto signal = fixtures::read_raw<float>("signal_16000.f32");
  const std::vector<float> reference = mfcc.compute(signal);
  std::vector<std::vector<float>> results(4);
  std::vector<std::thread> threads;
  for (auto& r : results) threads.emplace_back([&] { r = mfcc.compute(signal); });
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, reference);
}

TEST(Mfcc, FrameCountsFollowTorchStft) {
  MfccParams p;  // n_fft 400, hop 160, centred
  EXPECT_EQ(MfccExtractor(p).num_frames(16000), 101);  // 1 + 16000 / 160
  p.center = false;
  EXPECT_EQ(MfccExtractor(p).num_frames(16000), 98);  // 1 + (16000 - 400) / 160
  EXPECT_EQ(MfccExtractor(p).num_frames(400), 1);
}

TEST(Mfcc, TooShortClipsAreDataErrors) {
  MfccParams p;
  p.center = false;
  try {
    MfccExtractor(p).num_frames(399);
    FAIL() << "expected an error";
  } catch (const storefuse::Error& e) {
    EXPECT_EQ(e.kind(), storefuse::ErrorKind::Data);
    EXPECT_NE(std::string(e.what()).find("399 samples"), std::string::npos) << e.what();
  }
  p.center = true;  // reflect padding of 200 needs at least 201 samples
  EXPECT_THROW(MfccExtractor(p).num_frames(200), storefuse::Error);
  EXPECT_EQ(MfccExtractor(p).num_frames(201), 2);
  EXPECT_THROW(MfccExtractor(p).num_frames(0), storefuse::Error);
}

TEST(Mfcc, SilenceIsTheDecibelFloorEverywhere) {
  // All-zero power clamps to 1e-10 = -100 dB in every band, so only c0 is
  // non-zero: -100 dB x sqrt(n_mels) under the orthonormal DCT.
  const MfccExtractor mfcc(MfccParams{});
  const std::vector<float> out = mfcc.compute(std::vector<float>(16000, 0.0f));
  const int frames = mfcc.num_frames(16000);
  for (int t = 0; t < frames; ++t) {
    EXPECT_NEAR(out[t], -100.0 * std::sqrt(40.0), 1e-3);
    for (int c = 1; c < 13; ++c) EXPECT_NEAR(out[c * frames + t], 0.0, 1e-3);
  }
}
