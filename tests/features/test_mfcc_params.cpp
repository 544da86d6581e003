// MfccParams: JSON round trip (the feature spec form) and validation errors
// that name the field.
#include <gtest/gtest.h>

#include <string>

#include "storefuse/core/error.h"
#include "storefuse/features/mfcc_params.h"

using storefuse::json;
using storefuse::features::MfccParams;

namespace {

// The Config error raised for `patch` applied to the default parameters.
std::string config_error(const json& patch) {
  json j = MfccParams{};
  j.merge_patch(patch);
  try {
    j.get<MfccParams>();
  } catch (const storefuse::Error& e) {
    EXPECT_EQ(e.kind(), storefuse::ErrorKind::Config) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for " << patch.dump();
  return {};
}

}  // namespace

TEST(MfccParams, JsonRoundTripKeepsEveryField) {
  MfccParams p;
  p.sample_rate_hz = 22050;
  p.n_fft = 551;
  p.win_length = 500;
  p.hop_length = 220;
  p.pad = 3;
  p.window = storefuse::features::Window::Hamming;
  p.window_periodic = false;
  p.center = false;
  p.pad_mode = storefuse::features::PadMode::Circular;
  p.power = 1.0;
  p.normalized = storefuse::features::SpecNorm::FrameLength;
  p.n_mels = 64;
  p.f_min_hz = 25.5;
  p.f_max_hz = 8000.0;
  p.mel_scale = storefuse::features::MelScale::Slaney;
  p.mel_norm = storefuse::features::MelNorm::Slaney;
  p.n_mfcc = 20;
  p.dct_norm = storefuse::features::DctNorm::None;
  p.log_mels = true;
  p.top_db = std::nullopt;

  const json j = p;
  EXPECT_EQ(j.at("window"), "hamming");
  EXPECT_EQ(j.at("pad_mode"), "circular");
  EXPECT_TRUE(j.at("top_db").is_null());
  EXPECT_EQ(j.size(), 20u) << "every field is written: " << j.dump();
  EXPECT_EQ(json::parse(j.dump()).get<MfccParams>(), p);
}

TEST(MfccParams, MissingFieldsTakeDefaultsAndNullFmaxIsNyquist) {
  const MfccParams p = json{{"sample_rate_hz", 8000}, {"n_fft", 256}, {"win_length", 256}}.get<MfccParams>();
  EXPECT_EQ(p.n_mels, MfccParams{}.n_mels);
  EXPECT_EQ(p.f_max_or_nyquist(), 4000.0);
  EXPECT_EQ(MfccParams{}.f_max_or_nyquist(), 8000.0);
}

TEST(MfccParams, ErrorsNameTheFieldAndTheBound) {
  EXPECT_NE(config_error({{"n_mels", 202}}).find("202 mel bands from 201 FFT bins"), std::string::npos);
  EXPECT_NE(config_error({{"f_max_hz", 9000}}).find("above the Nyquist frequency 8000"), std::string::npos);
  EXPECT_NE(config_error({{"n_mfcc", 41}}).find("mfcc.n_mfcc"), std::string::npos);
  EXPECT_NE(config_error({{"win_length", 512}}).find("mfcc.win_length"), std::string::npos);
  EXPECT_NE(config_error({{"f_min_hz", 8000}}).find("not below f_max"), std::string::npos);
  EXPECT_NE(config_error({{"hop_length", 0}}).find("mfcc.hop_length"), std::string::npos);
  EXPECT_NE(config_error({{"power", 0}}).find("mfcc.power"), std::string::npos);
  EXPECT_NE(config_error({{"top_db", -1}}).find("mfcc.top_db"), std::string::npos);
  EXPECT_NE(config_error({{"window", "kaiser"}}).find("use one of: hann, hamming, rectangular"),
            std::string::npos);
  EXPECT_NE(config_error({{"n_fft", 400.5}}).find("expected a number"), std::string::npos);
  EXPECT_NE(config_error({{"n_ftt", 512}}).find("mfcc.n_ftt: unknown parameter"), std::string::npos);
}
