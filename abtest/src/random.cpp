#include "storefuse/abtest/random.h"

#include <cmath>

namespace storefuse::abtest {


Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    s = splitmix64_mix(x);
  }
}

uint64_t Rng::next() { return random::xoshiro256ss_next(s_); }

uint64_t Rng::index(uint64_t n) {
  // Multiply-shift with rejection of the few values that would bias the result.
  unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double Rng::uniform() { return double(next() >> 11) * 0x1.0p-53; }

double Rng::normal() {
  if (has_cached_normal_) {
    has_cached_normal_ = false;
    return cached_normal_;
  }
  double u1 = 0;
  while (u1 == 0) u1 = uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  cached_normal_ = r * std::sin(2.0 * M_PI * u2);
  has_cached_normal_ = true;
  return r * std::cos(2.0 * M_PI * u2);
}

}  // namespace storefuse::abtest
