#include "storefuse/features/mfcc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>


#include "fft_simd.h"
#include "mfcc_tables.h"
#include "storefuse/core/error.h"
#include "storefuse/core/warn.h"

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
// samples on both ends by pad_mode when centring. Frames that lie inside the
// clip are read in place; only the few that reach into the padding are read
// from padded copies of the clip's two ends, so no full padded copy is made.
class Framer {
 public:
  Framer(const MfccParams& p, const float* x, std::size_t n)
      : x_(x), n_(static_cast<std::ptrdiff_t>(n)), n_fft_(p.n_fft), hop_(p.hop_length),
        zeros_(p.pad), edge_(p.center ? p.n_fft / 2 : 0), mode_(p.pad_mode) {
    offset_ = edge_ + zeros_;
    const std::ptrdiff_t total = n_ + 2 * offset_;
    // A frame starting before offset_ ends before offset_ + n_fft; one ending
    // past the clip starts after offset_ + n - n_fft.
    head_.resize(static_cast<std::size_t>(std::min(total, offset_ + n_fft_)));
    for (std::size_t i = 0; i < head_.size(); ++i) head_[i] = at(static_cast<std::ptrdiff_t>(i));
    tail_start_ = std::max<std::ptrdiff_t>(0, offset_ + n_ - n_fft_);
    tail_.resize(static_cast<std::size_t>(total - tail_start_));
    for (std::size_t i = 0; i < tail_.size(); ++i) tail_[i] = at(tail_start_ + static_cast<std::ptrdiff_t>(i));
  }

  // The n_fft samples of frame t.
  const float* frame(int t) const {
    const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(t) * hop_;
    if (start < offset_) return head_.data() + start;
    if (start + n_fft_ > offset_ + n_) return tail_.data() + (start - tail_start_);
    return x_ + (start - offset_);
  }

 private:
  // Sample i of the padded clip (0 <= i < n + 2 * offset_).
  float at(std::ptrdiff_t i) const {
    const std::ptrdiff_t inner = n_ + 2 * zeros_;  // the clip with its zero padding
    std::ptrdiff_t k = i - edge_;
    if (k < 0 || k >= inner) {
      switch (mode_) {
        case PadMode::Constant: return 0.0f;
        case PadMode::Reflect: k = k < 0 ? -k : 2 * (inner - 1) - k; break;
        case PadMode::Replicate: k = k < 0 ? 0 : inner - 1; break;
        case PadMode::Circular: k = k < 0 ? k + inner : k - inner; break;
      }
    }
    const std::ptrdiff_t j = k - zeros_;
    return j >= 0 && j < n_ ? x_[j] : 0.0f;
  }

  const float* x_;
  std::ptrdiff_t n_, n_fft_, hop_, zeros_, edge_, offset_ = 0, tail_start_ = 0;
  PadMode mode_;
  std::vector<float> head_, tail_;
};

// rows[l] = 8 consecutive samples of frame l; afterwards rows[k] holds sample
// k of every frame (an 8 x 8 transpose in three rounds of two-input shuffles).
inline void transpose8(simd::Lanes* r) {
  static_assert(L == 8, "transpose8 assumes 8 lanes");
  using simd::Lanes;
  Lanes a[8], b[8];
  for (int i = 0; i < 8; i += 2) {
    a[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 2, 10, 3, 11);
    a[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 4, 12, 5, 13, 6, 14, 7, 15);
  }
  for (int i = 0; i < 8; i += 4) {
    for (int h = 0; h < 2; ++h) {
      b[i + 2 * h] = __builtin_shufflevector(a[i + h], a[i + 2 + h], 0, 1, 8, 9, 2, 3, 10, 11);
      b[i + 2 * h + 1] = __builtin_shufflevector(a[i + h], a[i + 2 + h], 4, 5, 12, 13, 6, 7, 14, 15);
    }
  }
  for (int k = 0; k < 4; ++k) {
    r[2 * k] = __builtin_shufflevector(b[k], b[4 + k], 0, 1, 2, 3, 8, 9, 10, 11);
    r[2 * k + 1] = __builtin_shufflevector(b[k], b[4 + k], 4, 5, 6, 7, 12, 13, 14, 15);
  }
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
    // Branch-free vector max and floor: std::max_element's data-dependent
    // branches mispredicted on noisy spectra and cost more than the logs.
    simd::Lanes top = simd::splat(-std::numeric_limits<float>::infinity());
    for (std::size_t i = 0; i < vectors; ++i) top = top > simd::at(mel, i) ? top : simd::at(mel, i);
    float peak = top[0];
    for (int l = 1; l < L; ++l) peak = std::max(peak, top[l]);
    for (std::size_t i = vectors * L; i < cells; ++i) peak = std::max(peak, mel[i]);
    const float floor_db = peak - static_cast<float>(*p.top_db);
    const simd::Lanes floor_v = simd::splat(floor_db);
    for (std::size_t i = 0; i < vectors; ++i) {
      simd::at(mel, i) = simd::at(mel, i) > floor_v ? simd::at(mel, i) : floor_v;
    }
    for (std::size_t i = vectors * L; i < cells; ++i) mel[i] = std::max(mel[i], floor_db);
  }
}

// out[c][t] = sum_m dct[c][m] * logmel[m][t], accumulated in double:
// unnormalised coefficients of a 100-band decibel spectrum reach 1e4, where
// float sums lose 1e-3. A block of 8 frames times 4 coefficients keeps 8
// independent 4-double sums in registers, so the adds do not wait on each
// other; partial blocks at the edges take the scalar loop.
typedef double D4 __attribute__((vector_size(4 * sizeof(double))));
typedef float F4 __attribute__((vector_size(4 * sizeof(float)), aligned(4), may_alias));

STOREFUSE_SIMD_KERNEL void dct(int n_mfcc, int n_mels, int frames, const float* dct, const float* logmel,
                               float* out) {
  constexpr int B = 8, C = 4;
  for (int t0 = 0; t0 < frames; t0 += B) {
    const int nb = std::min(B, frames - t0);
    for (int c0 = 0; c0 < n_mfcc; c0 += C) {
      const int nc = std::min(C, n_mfcc - c0);
      if (nb == B && nc == C) {
        D4 acc[C][2] = {};
        for (int m = 0; m < n_mels; ++m) {
          const float* row = logmel + static_cast<std::size_t>(m) * frames + t0;
          const D4 x0 = __builtin_convertvector(*reinterpret_cast<const F4*>(row), D4);
          const D4 x1 = __builtin_convertvector(*reinterpret_cast<const F4*>(row + 4), D4);
          for (int c = 0; c < C; ++c) {
            const D4 d = D4{} + static_cast<double>(dct[static_cast<std::size_t>(c0 + c) * n_mels + m]);
            acc[c][0] += d * x0;
            acc[c][1] += d * x1;
          }
        }
        for (int c = 0; c < C; ++c) {
          float* dst = out + static_cast<std::size_t>(c0 + c) * frames + t0;
          *reinterpret_cast<F4*>(dst) = __builtin_convertvector(acc[c][0], F4);
          *reinterpret_cast<F4*>(dst + 4) = __builtin_convertvector(acc[c][1], F4);
        }
        continue;
      }
      for (int c = 0; c < nc; ++c) {
        const float* coef = dct + static_cast<std::size_t>(c0 + c) * n_mels;
        double acc[B] = {};
        for (int m = 0; m < n_mels; ++m) {
          const float* row = logmel + static_cast<std::size_t>(m) * frames + t0;
          for (int b = 0; b < nb; ++b) acc[b] += static_cast<double>(coef[m]) * row[b];
        }
        float* dst = out + static_cast<std::size_t>(c0 + c) * frames + t0;
        for (int b = 0; b < nb; ++b) dst[b] = static_cast<float>(acc[b]);
      }
    }
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
      warn("mfcc: mel band " + std::to_string(m) + " of " + std::to_string(bank.size()) +
           " covers no FFT bin (n_fft " + std::to_string(params_.n_fft) + ", sample rate " +
           std::to_string(params_.sample_rate_hz) + " Hz); fewer mel bands or a larger n_fft avoid it");
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
STOREFUSE_SIMD_KERNEL void MfccExtractor::mel_power(const float* samples, std::size_t n_samples, int frames,
                                                    float* mel) const {
  const MfccParams& p = params_;
  const int n_fft = p.n_fft, bins = fft_.bins();
  const Framer framer(p, samples, n_samples);
  const bool packed = n_fft % 2 == 0;
  std::vector<float> in(packed ? 0 : static_cast<std::size_t>(n_fft) * L);
  std::vector<float> re(static_cast<std::size_t>(bins) * L), im(re.size());
  std::vector<float> scratch(fft_.scratch_floats());
  float* even = fft_.packed_even(scratch.data());
  float* odd = fft_.packed_odd(scratch.data());
  // Windowed sample i of every lane, as forward() or forward_packed() reads it.
  auto put = [&](int i, simd::Lanes v) {
    if (!packed) {
      simd::at(in.data(), i) = v;
    } else {
      simd::at(i % 2 == 0 ? even : odd, i / 2) = v;
    }
  };

  for (int t0 = 0; t0 < frames; t0 += L) {
    const int lanes = std::min(L, frames - t0);
    // Lane l windows frame t0 + l; lanes past the last frame repeat it and
    // are dropped below.
    const float* frame[L];
    for (int l = 0; l < L; ++l) frame[l] = framer.frame(t0 + std::min(l, lanes - 1));
    int i = 0;
    for (; i + L <= n_fft; i += L) {  // 8 samples of 8 frames per transpose
      simd::Lanes rows[L];
      for (int l = 0; l < L; ++l) rows[l] = simd::at(frame[l] + i, 0);
      transpose8(rows);
      for (int k = 0; k < L; ++k) put(i + k, rows[k] * window_[i + k]);
    }
    for (; i < n_fft; ++i) {
      simd::Lanes v;
      for (int l = 0; l < L; ++l) v[l] = frame[l][i];
      put(i, v * window_[i]);
    }
    if (packed) {
      fft_.forward_packed(re.data(), im.data(), scratch.data());
    } else {
      fft_.forward(in.data(), re.data(), im.data(), scratch.data());
    }

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
      // Two sums, so that consecutive FMAs do not wait on each other.
      simd::Lanes acc = {}, acc2 = {};
      const std::size_t taps = band.weights.size();
      std::size_t k = 0;
      for (; k + 1 < taps; k += 2) {
        acc += band.weights[k] * simd::at(re.data(), band.first_bin + k);
        acc2 += band.weights[k + 1] * simd::at(re.data(), band.first_bin + k + 1);
      }
      if (k < taps) acc += band.weights[k] * simd::at(re.data(), band.first_bin + k);
      acc += acc2;
      float* dst = mel + m * frames + t0;
      if (lanes == L) {
        simd::at(dst, 0) = acc;
      } else {
        std::copy(&acc[0], &acc[0] + lanes, dst);
      }
    }
  }
}

void MfccExtractor::compute(const float* samples, std::size_t n_samples, float* out) const {
  const MfccParams& p = params_;
  const int frames = num_frames(n_samples);
  const std::size_t cells = static_cast<std::size_t>(p.n_mels) * frames;
  std::vector<float> mel(cells);
  mel_power(samples, n_samples, frames, mel.data());

  to_log_scale(p, mel.data(), cells);
  dct(p.n_mfcc, p.n_mels, frames, dct_.data(), mel.data(), out);
}
std::vector<float> MfccExtractor::compute(const std::vector<float>& samples) const {
  std::vector<float> out(static_cast<std::size_t>(params_.n_mfcc) * num_frames(samples.size()));
  compute(samples.data(), samples.size(), out.data());
  return out;
}

}  // namespace storefuse::features
