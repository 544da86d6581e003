// MFCC extractor that reproduces torchaudio.transforms.MFCC (torchaudio 0.13):
//   frames -> window -> real FFT -> |X|^power -> mel filterbank
//   -> decibels (10*log10, floored at top_db below the clip's maximum)
//      or ln(mel + 1e-6) -> DCT-II.
// Build one extractor per parameter set and reuse it; compute() is const and
// keeps its working memory on the call, so threads can share an extractor.
//
//   MfccExtractor mfcc(params);
//   std::vector<float> c = mfcc.compute(samples);   // n_mfcc x frames
//   float c0_at_t = c[0 * mfcc.num_frames(samples.size()) + t];
#pragma once

#include <cstddef>
#include <vector>

#include "storefuse/features/fft.h"
#include "storefuse/features/mfcc_params.h"

namespace storefuse::features {

class MfccExtractor {
 public:
  explicit MfccExtractor(const MfccParams& params);  // validates; throws Error (Config)

  const MfccParams& params() const { return params_; }

  // Frames for a clip of n_samples, as torch.stft counts them.
  // Throws storefuse::Error (Data) when the clip is too short for one frame
  // (or, for reflect/circular padding, shorter than the padding).
  int num_frames(std::size_t n_samples) const;

  // out: params().n_mfcc * num_frames(n_samples) floats, coefficient-major
  // (out[c * frames + t]), the layout of torchaudio's (n_mfcc, time).
  // In decibel mode the floor is top_db below the maximum over the whole
  // clip, so a clip split in pieces gives different values than the whole.
  void compute(const float* samples, std::size_t n_samples, float* out) const;
  std::vector<float> compute(const std::vector<float>& samples) const;

 private:
  struct MelBand {
    int first_bin;
    std::vector<float> weights;  // bins first_bin .. first_bin + weights.size() - 1
  };

  void mel_power(const float* samples, std::size_t n_samples, int frames, float* mel) const;

  MfccParams params_;
  RealFft fft_;
  std::vector<float> window_;  // n_fft taps, zero outside the centred win_length
  std::vector<MelBand> bands_;
  std::vector<float> dct_;  // n_mfcc x n_mels
};

}  // namespace storefuse::features
