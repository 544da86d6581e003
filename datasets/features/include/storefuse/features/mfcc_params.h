// Every parameter of the MFCC pipeline, named and defaulted as in
// torchaudio.transforms.MFCC (with its MelSpectrogram and Spectrogram), so a
// parameter set can be checked against torchaudio one to one. The defaults
// are storefuse's speech-style 25 ms / 10 ms frames at 16 kHz, not
// torchaudio's. docs/features.md (Audio) describes each field.
#pragma once

#include <optional>

#include "storefuse/core/json.h"

namespace storefuse::features {

enum class Window { Hann, Hamming, Rectangular };
enum class PadMode { Reflect, Constant, Replicate, Circular };
enum class SpecNorm { None, Window, FrameLength };  // torchaudio `normalized`
enum class MelScale { Htk, Slaney };
enum class MelNorm { None, Slaney };
enum class DctNorm { Ortho, None };

struct MfccParams {
  int sample_rate_hz = 16000;
  int n_fft = 400;
  int win_length = 400;  // <= n_fft; the window is centred in the n_fft frame
  int hop_length = 160;
  int pad = 0;           // zeros added to both ends before framing
  Window window = Window::Hann;
  bool window_periodic = true;  // torch.hann_window(periodic=True)
  bool center = true;           // pad n_fft/2 on both ends with pad_mode
  PadMode pad_mode = PadMode::Reflect;
  double power = 2.0;           // |X|^power
  SpecNorm normalized = SpecNorm::None;
  int n_mels = 40;
  double f_min_hz = 0.0;
  std::optional<double> f_max_hz;  // empty: sample_rate_hz / 2 (integer division, as torchaudio)
  MelScale mel_scale = MelScale::Htk;
  MelNorm mel_norm = MelNorm::None;
  int n_mfcc = 13;
  DctNorm dct_norm = DctNorm::Ortho;
  bool log_mels = false;          // true: ln(mel + 1e-6); false: decibels
  std::optional<double> top_db = 80.0;  // decibels only; empty: no floor

  double f_max_or_nyquist() const {
    return f_max_hz ? *f_max_hz : static_cast<double>(sample_rate_hz / 2);
  }
  bool operator==(const MfccParams& o) const;
  bool operator!=(const MfccParams& o) const { return !(*this == o); }
};

// Throws storefuse::Error (Config) naming the first bad field and its bounds.
void validate(const MfccParams& p);

// JSON object with every field; f_max_hz and top_db are null when empty.
// from_json takes defaults for missing fields, rejects unknown ones and
// validates the result, so a feature spec read back is always usable.
void to_json(json& j, const MfccParams& p);
void from_json(const json& j, MfccParams& p);

}  // namespace storefuse::features
