#include "storefuse/features/audio_resample.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "storefuse/core/error.h"

namespace storefuse::features {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kRolloff = 0.91;      // cutoff as a fraction of the lower Nyquist
constexpr double kZeroCrossings = 32;  // per side: sets the transition width
constexpr double kKaiserBeta = 9.0;    // sets the stop-band level
constexpr long long kMaxPhases = 4096;

// Modified Bessel function of the first kind, order 0 (power series).
double bessel_i0(double x) {
  double sum = 1, term = 1;
  for (int k = 1; term > 1e-12 * sum; ++k) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
  }
  return sum;
}

}  // namespace

std::vector<float> resample_audio(const std::vector<float>& x, int from_hz, int to_hz) {
  if (from_hz <= 0 || to_hz <= 0) {
    throw Error(ErrorKind::Config,
                "sample rates must be positive, got " + std::to_string(from_hz) + " -> " +
                    std::to_string(to_hz) + " Hz",
                "resample");
  }
  if (from_hz == to_hz) return x;
  const long long g = std::gcd(from_hz, to_hz);
  const long long up = to_hz / g, down = from_hz / g;
  if (up > kMaxPhases) {
    throw Error(ErrorKind::Unsupported,
                "resampling " + std::to_string(from_hz) + " -> " + std::to_string(to_hz) +
                    " Hz needs " + std::to_string(up) + " filter phases (at most " +
                    std::to_string(kMaxPhases) + ")",
                "resample", "convert the file to a common rate (8, 16, 22.05, 44.1, 48 kHz) first");
  }

  // Kernel in input samples: h(u) = 2 fc sinc(2 fc u) kaiser(u / radius).
  const double fc = 0.5 * kRolloff * std::min(1.0, static_cast<double>(up) / down);
  const double radius = kZeroCrossings / (2 * fc);
  const int half = static_cast<int>(std::ceil(radius));
  const int taps = 2 * half;
  const double i0_beta = bessel_i0(kKaiserBeta);
  // Phase ph holds the taps for output times with fraction ph/up past an
  // input sample i: tap k weights input i - half + 1 + k.
  std::vector<float> table(static_cast<std::size_t>(up) * taps);
  for (long long ph = 0; ph < up; ++ph) {
    const double frac = static_cast<double>(ph) / up;
    std::vector<double> h(taps);
    double sum = 0;
    for (int k = 0; k < taps; ++k) {
      const double u = (k - half + 1) - frac;
      const double r = u / radius;
      if (std::fabs(r) >= 1) continue;
      const double arg = 2 * fc * u;
      const double sinc = arg == 0 ? 1.0 : std::sin(kPi * arg) / (kPi * arg);
      h[k] = 2 * fc * sinc * bessel_i0(kKaiserBeta * std::sqrt(1 - r * r)) / i0_beta;
      sum += h[k];
    }
    // Unit gain at DC for every phase, so silence offsets do not ripple.
    for (int k = 0; k < taps; ++k) table[ph * taps + k] = static_cast<float>(h[k] / sum);
  }

  const long long n_in = static_cast<long long>(x.size());
  const long long n_out = (n_in * up + down - 1) / down;
  std::vector<float> y(n_out);
  for (long long n = 0; n < n_out; ++n) {
    const long long pos = n * down;
    const long long first = pos / up - half + 1;  // input index of tap 0
    const float* h = table.data() + (pos % up) * taps;
    const long long k0 = std::max(0LL, -first);
    const long long k1 = std::min<long long>(taps, n_in - first);
    float acc = 0;
    for (long long k = k0; k < k1; ++k) acc += h[k] * x[first + k];
    y[n] = acc;
  }
  return y;
}

}  // namespace storefuse::features
