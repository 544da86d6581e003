#include "mfcc_tables.h"

#include <algorithm>
#include <cmath>

namespace storefuse::features {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Slaney's Auditory Toolbox scale: linear below 1 kHz, logarithmic above.
constexpr double kSlaneyHzPerMel = 200.0 / 3;
constexpr double kSlaneyBreakHz = 1000.0;
const double kSlaneyBreakMel = kSlaneyBreakHz / kSlaneyHzPerMel;
const double kSlaneyLogStep = std::log(6.4) / 27.0;

double hz_to_mel(double hz, MelScale scale) {
  if (scale == MelScale::Htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  if (hz < kSlaneyBreakHz) return hz / kSlaneyHzPerMel;
  return kSlaneyBreakMel + std::log(hz / kSlaneyBreakHz) / kSlaneyLogStep;
}

double mel_to_hz(double mel, MelScale scale) {
  if (scale == MelScale::Htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel < kSlaneyBreakMel) return mel * kSlaneyHzPerMel;
  return kSlaneyBreakHz * std::exp(kSlaneyLogStep * (mel - kSlaneyBreakMel));
}

// torch.linspace(start, end, n)[i]
double linspace(double start, double end, int n, int i) {
  return n == 1 ? start : start + (end - start) * i / (n - 1);
}

}  // namespace

std::vector<double> mfcc_window(const MfccParams& p) {
  const int w = p.win_length;
  // torch windows: periodic ones are the first w taps of a w+1 symmetric
  // window; a one-tap window is [1] either way.
  const int denom = p.window_periodic ? w : w - 1;
  std::vector<double> taps(w, 1.0);
  if (p.window != Window::Rectangular && denom > 0) {
    const double a = p.window == Window::Hann ? 0.5 : 0.54;
    for (int i = 0; i < w; ++i) taps[i] = a - (1 - a) * std::cos(2 * kPi * i / denom);
  }
  double scale = 1.0;
  if (p.normalized == SpecNorm::FrameLength) scale = 1.0 / std::sqrt(static_cast<double>(p.n_fft));
  if (p.normalized == SpecNorm::Window) {
    double energy = 0;
    for (double t : taps) energy += t * t;
    scale = 1.0 / std::sqrt(energy);
  }
  std::vector<double> padded(p.n_fft, 0.0);
  const int left = (p.n_fft - w) / 2;
  for (int i = 0; i < w; ++i) padded[left + i] = taps[i] * scale;
  return padded;
}

std::vector<std::vector<double>> mel_filterbank(const MfccParams& p) {
  const int bins = p.n_fft / 2 + 1;
  const double m_min = hz_to_mel(p.f_min_hz, p.mel_scale);
  const double m_max = hz_to_mel(p.f_max_or_nyquist(), p.mel_scale);
  std::vector<double> f_pts(p.n_mels + 2);
  for (int i = 0; i < p.n_mels + 2; ++i) {
    f_pts[i] = mel_to_hz(linspace(m_min, m_max, p.n_mels + 2, i), p.mel_scale);
  }
  // torchaudio spaces the bins over [0, sample_rate // 2] (integer division).
  const double top_hz = p.sample_rate_hz / 2;
  std::vector<std::vector<double>> bank(p.n_mels, std::vector<double>(bins, 0.0));
  for (int m = 0; m < p.n_mels; ++m) {
    const double lo = f_pts[m], mid = f_pts[m + 1], hi = f_pts[m + 2];
    for (int k = 0; k < bins; ++k) {
      const double f = linspace(0, top_hz, bins, k);
      const double up = (f - lo) / (mid - lo), down = (hi - f) / (hi - mid);
      bank[m][k] = std::max(0.0, std::min(up, down));
    }
    if (p.mel_norm == MelNorm::Slaney) {
      // Area normalisation: roughly constant energy per band.
      for (double& wgt : bank[m]) wgt *= 2.0 / (hi - lo);
    }
  }
  return bank;
}

std::vector<double> dct_matrix(const MfccParams& p) {
  const int n = p.n_mels;
  std::vector<double> dct(static_cast<std::size_t>(p.n_mfcc) * n);
  for (int k = 0; k < p.n_mfcc; ++k) {
    for (int i = 0; i < n; ++i) {
      double v = std::cos(kPi / n * (i + 0.5) * k);
      if (p.dct_norm == DctNorm::None) {
        v *= 2.0;
      } else {
        v *= std::sqrt(2.0 / n) * (k == 0 ? 1.0 / std::sqrt(2.0) : 1.0);
      }
      dct[static_cast<std::size_t>(k) * n + i] = v;
    }
  }
  return dct;
}

}  // namespace storefuse::features
