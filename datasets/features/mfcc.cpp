#include "storefuse/features/mfcc.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <spdlog/spdlog.h>

#include "fft_simd.h"
#include "mfcc_tables.h"
#include "storefuse/core/error.h"

namespace storefuse::features {
namespace {

using simd::L;

const MfccParams& validated(const MfccParams& p) {
  validate(p);
  return p;
}

[[noreturn]] void too_short(std::size_t n, const std::string& need) {
  throw Error(ErrorKind::Data,
              "audio clip of " + std::to_string(n) + " samples is too short for MFCC: " + need,
              "mfcc", "use a longer clip, or pad it with silence before extracting features");
}

// The clip as torch.stft sees it: `pad` zeros on both ends, then n_fft/2
// samples on both ends by pad_mode when centring.
std::vector<float> pad_clip(const MfccParams& p, const float* x, std::size_t n) {
  const std::size_t zeros = static_cast<std::size_t>(p.pad);
  const std::size_t edge = p.center ? static_cast<std::size_t>(p.n_fft / 2) : 0;
  const std::size_t inner = n + 2 * zeros;  // length after the zero padding
  std::vector<float> out(inner + 2 * edge, 0.0f);
  std::copy(x, x + n, out.begin() + edge + zeros);
  if (edge == 0 || p.pad_mode == PadMode::Constant) return out;

  float* mid = out.data() + edge;  // the zero-padded clip, indices 0..inner-1
  const auto e = static_cast<std::ptrdiff_t>(edge);
  const auto len = static_cast<std::ptrdiff_t>(inner);
  for (std::ptrdiff_t i = -e; i < 0; ++i) {
    std::ptrdiff_t left = 0, right = 0;  // sources for mid[i] and mid[len - 1 - i]
    switch (p.pad_mode) {
      case PadMode::Reflect: left = -i, right = len - 1 + i; break;
      case PadMode::Replicate: left = 0, right = len - 1; break;
      case PadMode::Circular: left = len + i, right = -1 - i; break;
      case PadMode::Constant: break;
    }
    mid[i] = mid[left];
    mid[len - 1 - i] = mid[right];
  }
  return out;
}

// In place over all mel cells. log_mels: ln(mel + 1e-6). Otherwise
// AmplitudeToDB("power", top_db): 10*log10(max(mel, 1e-10)), floored at
// top_db below the loudest cell of the whole clip.
STOREFUSE_SIMD_KERNEL void to_log_scale(const MfccParams& p, float* mel, std::size_t cells) {
  const std::size_t vectors = cells / L;
  auto each = [&](auto f) {
    for (std::size_t i = 0; i < vectors; ++i) simd::at(mel, i) = f(simd::at(mel, i));
    simd::Lanes tail = {};  // the last cells % L values
    std::copy(mel + vectors * L, mel + cells, reinterpret_cast<float*>(&tail));
    tail = f(tail);
    std::copy(reinterpret_cast<float*>(&tail), reinterpret_cast<float*>(&tail) + cells % L, mel + vectors * L);
  };
  if (p.log_mels) {
    each([](simd::Lanes v) { return simd::log(v + 1e-6f); });
    return;
  }
  const float db_per_ln = static_cast<float>(10.0 / std::log(10.0));
  each([&](simd::Lanes v) { return db_per_ln * simd::log(v < 1e-10f ? simd::splat(1e-10f) : v); });
  if (p.top_db) {
    const float floor_db = *std::max_element(mel, mel + cells) - static_cast<float>(*p.top_db);
    for (std::size_t i = 0; i < cells; ++i) mel[i] = std::max(mel[i], floor_db);
  }
}

// out[c][t] = sum_m dct[c][m] * logmel[m][t], accumulated in double:
// unnormalised coefficients of a 100-band decibel spectrum reach 1e4, where
// float sums lose 1e-3.
STOREFUSE_SIMD_KERNEL void dct(int n_mfcc, int n_mels, int frames, const float* dct, const float* logmel,
                               float* out) {
  std::vector<double> acc(frames);
  for (int c = 0; c < n_mfcc; ++c) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int m = 0; m < n_mels; ++m) {
      const double d = dct[static_cast<std::size_t>(c) * n_mels + m];
      const float* row = logmel + static_cast<std::size_t>(m) * frames;
      for (int t = 0; t < frames; ++t) acc[t] += d * row[t];
    }
    float* dst = out + static_cast<std::size_t>(c) * frames;
    for (int t = 0; t < frames; ++t) dst[t] = static_cast<float>(acc[t]);
  }
}

}  // namespace

MfccExtractor::MfccExtractor(const MfccParams& params)
    : params_(validated(params)), fft_(params.n_fft) {
  for (double w : mfcc_window(params_)) window_.push_back(static_cast<float>(w));

  // Sparse rows: a triangle covers a few bins, the dense bank is mostly zeros.
  const auto bank = mel_filterbank(params_);
  for (std::size_t m = 0; m < bank.size(); ++m) {
    const auto& row = bank[m];
    const auto nonzero = [](double w) { return w > 0; };
    const auto first = std::find_if(row.begin(), row.end(), nonzero);
    const auto last = std::find_if(row.rbegin(), row.rend(), nonzero).base();
    MelBand band{static_cast<int>(first - row.begin()), {}};
    for (auto it = first; it < last; ++it) band.weights.push_back(static_cast<float>(*it));
    if (band.weights.empty()) {
      // torchaudio only warns too: the band is a constant feature, not an error.
      spdlog::warn("mfcc: mel band {} of {} covers no FFT bin (n_fft {}, sample rate {} Hz); "
                   "fewer mel bands or a larger n_fft avoid it",
                   m, bank.size(), params_.n_fft, params_.sample_rate_hz);
    }
    bands_.push_back(std::move(band));
  }
  for (double d : dct_matrix(params_)) dct_.push_back(static_cast<float>(d));
}

int MfccExtractor::num_frames(std::size_t n_samples) const {
  const MfccParams& p = params_;
  const std::size_t inner = n_samples + 2 * static_cast<std::size_t>(p.pad);
  const std::size_t edge = p.center ? p.n_fft / 2 : 0;
  if (n_samples == 0) too_short(0, "it is empty");
  if (edge > 0 && p.pad_mode == PadMode::Reflect && edge >= inner) {
    too_short(n_samples, "reflect padding of " + std::to_string(edge) +
                             " needs more samples than that (after `pad`)");
  }
  if (edge > 0 && p.pad_mode == PadMode::Circular && edge > inner) {
    too_short(n_samples, "circular padding of " + std::to_string(edge) +
                             " needs at least that many samples (after `pad`)");
  }
  const std::size_t padded = inner + 2 * edge;
  if (padded < static_cast<std::size_t>(p.n_fft)) {
    too_short(n_samples, "one frame needs n_fft = " + std::to_string(p.n_fft) + " samples");
  }
  return static_cast<int>(1 + (padded - p.n_fft) / p.hop_length);
}

// Mel power of every frame into mel[band * frames + t], kLanes frames per
// FFT call.
STOREFUSE_SIMD_KERNEL void MfccExtractor::mel_power(const std::vector<float>& padded, int frames, float* mel) const {
  const MfccParams& p = params_;
  const int n_fft = p.n_fft, bins = fft_.bins();
  std::vector<float> in(static_cast<std::size_t>(n_fft) * L);
  std::vector<float> re(static_cast<std::size_t>(bins) * L), im(re.size());
  std::vector<float> scratch(fft_.scratch_floats());

  for (int t0 = 0; t0 < frames; t0 += L) {
    const int lanes = std::min(L, frames - t0);
    // Lane l windows frame t0 + l; lanes past the last frame repeat it and
    // are dropped below.
    const float* frame[L];
    for (int l = 0; l < L; ++l) {
      frame[l] = padded.data() + static_cast<std::size_t>(t0 + std::min(l, lanes - 1)) * p.hop_length;
    }
    for (int i = 0; i < n_fft; ++i) {
      simd::Lanes v;
      for (int l = 0; l < L; ++l) v[l] = frame[l][i];
      simd::at(in.data(), i) = v * window_[i];
    }
    fft_.forward(in.data(), re.data(), im.data(), scratch.data());

    // |X|^power in place of re.
    for (int k = 0; k < bins; ++k) {
      const simd::Lanes r = simd::at(re.data(), k), q = simd::at(im.data(), k);
      simd::at(re.data(), k) = r * r + q * q;
    }
    if (p.power == 1.0) {
      for (float& v : re) v = std::sqrt(v);
    } else if (p.power != 2.0) {
      const float half = static_cast<float>(p.power / 2);
      for (float& v : re) v = std::pow(v, half);
    }

    for (std::size_t m = 0; m < bands_.size(); ++m) {
      const MelBand& band = bands_[m];
      simd::Lanes acc = {};
      for (std::size_t k = 0; k < band.weights.size(); ++k) {
        acc += band.weights[k] * simd::at(re.data(), band.first_bin + k);
      }
      std::copy(&acc[0], &acc[0] + lanes, mel + m * frames + t0);
    }
  }
}

void MfccExtractor::compute(const float* samples, std::size_t n_samples, float* out) const {
  const MfccParams& p = params_;
  const int frames = num_frames(n_samples);
  const std::size_t cells = static_cast<std::size_t>(p.n_mels) * frames;
  std::vector<float> mel(cells);
  mel_power(pad_clip(p, samples, n_samples), frames, mel.data());

  to_log_scale(p, mel.data(), cells);
  dct(p.n_mfcc, p.n_mels, frames, dct_.data(), mel.data(), out);
}

std::vector<float> MfccExtractor::compute(const std::vector<float>& samples) const {
  std::vector<float> out(static_cast<std::size_t>(params_.n_mfcc) * num_frames(samples.size()));
  compute(samples.data(), samples.size(), out.data());
  return out;
}

}  // namespace storefuse::features
