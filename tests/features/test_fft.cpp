// RealFft against a naive double-precision DFT over every radix path:
// powers of 2 and 4, 3 and 5, mixed sizes, odd sizes and large primes.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "storefuse/core/error.h"
#include "storefuse/features/fft.h"

using storefuse::features::RealFft;
constexpr int L = RealFft::kLanes;

namespace {

std::vector<std::complex<double>> naive_dft(const std::vector<double>& x) {
  const int n = static_cast<int>(x.size());
  std::vector<std::complex<double>> root(n);  // exp(-2 pi i j / n)
  for (int j = 0; j < n; ++j) root[j] = std::polar(1.0, -2 * M_PI * j / n);
  std::vector<std::complex<double>> out(n / 2 + 1);
  for (int k = 0; k <= n / 2; ++k) {
    // k*t reduced mod n: exact angles even for large n.
    for (int t = 0; t < n; ++t) out[k] += x[t] * root[(static_cast<long long>(k) * t) % n];
  }
  return out;
}

// Every lane gets its own random signal; each is checked against the DFT
// with a tolerance scaled to float rounding over log n stages.
void check_size(int n) {
  std::mt19937 rng(1000 + n);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  std::vector<float> in(static_cast<std::size_t>(n) * L);
  for (float& v : in) v = uni(rng);

  const RealFft fft(n);
  ASSERT_EQ(fft.bins(), n / 2 + 1);
  std::vector<float> re(fft.bins() * L), im(fft.bins() * L), scratch(fft.scratch_floats());
  fft.forward(in.data(), re.data(), im.data(), scratch.data());

  for (int l = 0; l < L; ++l) {
    std::vector<double> x(n);
    double energy = 0;
    for (int t = 0; t < n; ++t) energy += (x[t] = in[t * L + l]) * x[t];
    const auto want = naive_dft(x);
    const double tol = 2e-7 * std::sqrt(energy * n) * (1 + std::log2(n));
    for (int k = 0; k <= n / 2; ++k) {
      const std::complex<double> got(re[k * L + l], im[k * L + l]);
      ASSERT_LE(std::abs(got - want[k]), tol)
          << "n " << n << " lane " << l << " bin " << k << ": got " << got << ", want " << want[k];
    }
  }
}

}  // namespace

TEST(RealFft, MatchesNaiveDftForEverySizeUpTo64) {
  for (int n = 1; n <= 64; ++n) check_size(n);
}

TEST(RealFft, MatchesNaiveDftForAudioFrameSizes) {
  // 400 = 2^4 5^2, 551 = 19 x 29 (odd), 441 = 3^2 7^2, 401 and 1021 prime.
  for (int n : {256, 400, 401, 441, 480, 512, 551, 1000, 1021, 1024, 1200, 2048}) check_size(n);
}

TEST(RealFft, LanesAreIndependent) {
  // A unit impulse in lane 3 only: lane 3 is flat, all other lanes are zero.
  const int n = 400;
  const RealFft fft(n);
  std::vector<float> in(n * L, 0.0f), re(fft.bins() * L), im(fft.bins() * L),
      scratch(fft.scratch_floats());
  in[0 * L + 3] = 1.0f;
  fft.forward(in.data(), re.data(), im.data(), scratch.data());
  for (int k = 0; k < fft.bins(); ++k) {
    for (int l = 0; l < L; ++l) {
      EXPECT_NEAR(re[k * L + l], l == 3 ? 1.0f : 0.0f, 1e-6f) << "bin " << k << " lane " << l;
      EXPECT_NEAR(im[k * L + l], 0.0f, 1e-6f) << "bin " << k << " lane " << l;
    }
  }
}

TEST(RealFft, RejectsEmptyLength) {
  EXPECT_THROW(RealFft(0), storefuse::Error);
}
