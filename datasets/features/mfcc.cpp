#include "storefuse/features/mfcc.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <spdlog/spdlog.h>

#include "mfcc_tables.h"
#include "storefuse/core/error.h"

namespace storefuse::features {
namespace {

constexpr int L = RealFft::kLanes;

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
void MfccExtractor::mel_power(const std::vector<float>& padded, int frames, float* mel) const {
  const MfccParams& p = params_;
  const int n_fft = p.n_fft, bins = fft_.bins();
  std::vector<float> in(static_cast<std::size_t>(n_fft) * L);
  std::vector<float> re(static_cast<std::size_t>(bins) * L), im(re.size());
  std::vector<float> scratch(fft_.scratch_floats());

  for (int t0 = 0; t0 < frames; t0 += L) {
    const int lanes = std::min(L, frames - t0);
    for (int l = 0; l < L; ++l) {
      if (l >= lanes) {
        for (int i = 0; i < n_fft; ++i) in[i * L + l] = 0.0f;
        continue;
      }
      const float* frame = padded.data() + static_cast<std::size_t>(t0 + l) * p.hop_length;
      for (int i = 0; i < n_fft; ++i) in[i * L + l] = frame[i] * window_[i];
    }
    fft_.forward(in.data(), re.data(), im.data(), scratch.data());

    float* pw = re.data();  // |X|^power, in place
    for (std::size_t i = 0; i < re.size(); ++i) pw[i] = re[i] * re[i] + im[i] * im[i];
    if (p.power == 1.0) {
      for (std::size_t i = 0; i < re.size(); ++i) pw[i] = std::sqrt(pw[i]);
    } else if (p.power != 2.0) {
      const float half = static_cast<float>(p.power / 2);
      for (std::size_t i = 0; i < re.size(); ++i) pw[i] = std::pow(pw[i], half);
    }

    for (std::size_t m = 0; m < bands_.size(); ++m) {
      const MelBand& band = bands_[m];
      float acc[L] = {};
      const float* row = pw + static_cast<std::size_t>(band.first_bin) * L;
      for (std::size_t k = 0; k < band.weights.size(); ++k) {
        for (int l = 0; l < L; ++l) acc[l] += band.weights[k] * row[k * L + l];
      }
      std::copy(acc, acc + lanes, mel + m * frames + t0);
    }
  }
}

void MfccExtractor::compute(const float* samples, std::size_t n_samples, float* out) const {
  const MfccParams& p = params_;
  const int frames = num_frames(n_samples);
  const std::size_t cells = static_cast<std::size_t>(p.n_mels) * frames;
  std::vector<float> mel(cells);
  mel_power(pad_clip(p, samples, n_samples), frames, mel.data());

  if (p.log_mels) {
    for (float& v : mel) v = std::log(v + 1e-6f);
  } else {
    // AmplitudeToDB("power", top_db): 10*log10(max(x, 1e-10)), floored at
    // top_db below the loudest cell of the whole clip.
    float peak = -HUGE_VALF;
    for (float& v : mel) {
      v = 10.0f * std::log10(std::max(v, 1e-10f));
      peak = std::max(peak, v);
    }
    if (p.top_db) {
      const float floor_db = peak - static_cast<float>(*p.top_db);
      for (float& v : mel) v = std::max(v, floor_db);
    }
  }

  // DCT over bands, accumulated in double: unnormalised coefficients of a
  // 100-band decibel spectrum reach 1e4, where float sums lose 1e-3.
  std::vector<double> acc(frames);
  for (int c = 0; c < p.n_mfcc; ++c) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int m = 0; m < p.n_mels; ++m) {
      const double d = dct_[static_cast<std::size_t>(c) * p.n_mels + m];
      const float* row = mel.data() + static_cast<std::size_t>(m) * frames;
      for (int t = 0; t < frames; ++t) acc[t] += d * row[t];
    }
    float* dst = out + static_cast<std::size_t>(c) * frames;
    for (int t = 0; t < frames; ++t) dst[t] = static_cast<float>(acc[t]);
  }
}

std::vector<float> MfccExtractor::compute(const std::vector<float>& samples) const {
  std::vector<float> out(static_cast<std::size_t>(params_.n_mfcc) * num_frames(samples.size()));
  compute(samples.data(), samples.size(), out.data());
  return out;
}

}  // namespace storefuse::features
