// Resampler quality on pure tones: a tone in the pass band keeps its
// frequency and level (the output fits A sin(2 pi f t + phi) at the new rate
// with a residual below -100 dB), a tone above the new Nyquist frequency
// comes out below -100 dB.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "storefuse/core/error.h"
#include "storefuse/features/audio_resample.h"

using storefuse::features::resample_audio;

namespace {

std::vector<float> tone(double f_hz, int rate, double seconds, double amplitude) {
  std::vector<float> x(static_cast<std::size_t>(rate * seconds));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(amplitude * std::sin(2 * M_PI * f_hz * i / rate));
  return x;
}

struct Fit {
  double amplitude;     // of the best sinusoid at f_hz
  double residual_db;   // what the sinusoid does not explain, relative to it
};

// Least-squares fit of a cos + b sin at f_hz over the middle half of y,
// away from the zero-padded ends.
Fit fit_tone(const std::vector<float>& y, double f_hz, int rate) {
  const std::size_t lo = y.size() / 4, hi = 3 * y.size() / 4;
  double cc = 0, ss = 0, cs = 0, yc = 0, ys = 0;
  for (std::size_t i = lo; i < hi; ++i) {
    const double c = std::cos(2 * M_PI * f_hz * i / rate), s = std::sin(2 * M_PI * f_hz * i / rate);
    cc += c * c, ss += s * s, cs += c * s, yc += y[i] * c, ys += y[i] * s;
  }
  const double det = cc * ss - cs * cs;
  const double a = (yc * ss - ys * cs) / det, b = (ys * cc - yc * cs) / det;
  double res = 0, sig = 0;
  for (std::size_t i = lo; i < hi; ++i) {
    const double m = a * std::cos(2 * M_PI * f_hz * i / rate) + b * std::sin(2 * M_PI * f_hz * i / rate);
    res += (y[i] - m) * (y[i] - m);
    sig += m * m;
  }
  return {std::hypot(a, b), 10 * std::log10(res / sig)};
}

double rms_db_middle(const std::vector<float>& y) {
  double e = 0;
  const std::size_t lo = y.size() / 4, hi = 3 * y.size() / 4;
  for (std::size_t i = lo; i < hi; ++i) e += static_cast<double>(y[i]) * y[i];
  return 10 * std::log10(e / (hi - lo));
}

}  // namespace

TEST(Resample, PassBandTonesKeepFrequencyAndLevel) {
  struct Case { int from, to; double f_hz; };
  // Up to 0.8 x the lower Nyquist frequency, down and up, integer and
  // awkward ratios (44100 -> 16000 is 160/441).
  for (const Case& c : {Case{44100, 16000, 1000}, Case{44100, 16000, 6400}, Case{8000, 16000, 440},
                        Case{8000, 16000, 3200}, Case{22050, 16000, 5000}, Case{48000, 44100, 17000},
                        Case{16000, 22050, 6000}}) {
    const auto y = resample_audio(tone(c.f_hz, c.from, 0.5, 0.5), c.from, c.to);
    const Fit fit = fit_tone(y, c.f_hz, c.to);
    const double level_db = 20 * std::log10(fit.amplitude / 0.5);
    EXPECT_LT(std::fabs(level_db), 0.001) << c.from << " -> " << c.to << " Hz, tone " << c.f_hz;
    EXPECT_LT(fit.residual_db, -100) << c.from << " -> " << c.to << " Hz, tone " << c.f_hz;
  }
}

TEST(Resample, ToneAboveTheNewNyquistIsRemoved) {
  // 10 kHz and 12 kHz at 44.1 kHz would alias to 6 and 4 kHz at 16 kHz.
  for (double f : {10000.0, 12000.0, 20000.0}) {
    const auto x = tone(f, 44100, 0.5, 0.5);
    const auto y = resample_audio(x, 44100, 16000);
    EXPECT_LT(rms_db_middle(y) - rms_db_middle(x), -100) << "tone " << f << " Hz";
  }
}

TEST(Resample, LengthDcAndIdentity) {
  const std::vector<float> dc(44100, 0.25f);
  const auto y = resample_audio(dc, 44100, 16000);
  EXPECT_EQ(y.size(), 16000u);
  for (std::size_t i = 1000; i < 15000; ++i) ASSERT_NEAR(y[i], 0.25f, 1e-6f) << i;
  EXPECT_EQ(resample_audio(std::vector<float>(10, 1.0f), 3, 7).size(), 24u);  // ceil(10 * 7 / 3)
  EXPECT_EQ(resample_audio(dc, 44100, 44100), dc);
}

TEST(Resample, RejectsBadRates) {
  EXPECT_THROW(resample_audio({1.0f}, 0, 16000), storefuse::Error);
  try {
    resample_audio({1.0f}, 44100, 16001);
    FAIL();
  } catch (const storefuse::Error& e) {
    EXPECT_EQ(e.kind(), storefuse::ErrorKind::Unsupported) << e.what();
  }
}
