#include "storefuse/retailsim/rng.h"

#include "storefuse/core/error.h"
#include "storefuse/core/random.h"

namespace storefuse::retailsim {
namespace {

uint64_t splitmix64(uint64_t& x) { return random::splitmix64_mix(x += 0x9e3779b97f4a7c15ull); }

}  // namespace

Rng::Rng(uint64_t seed, uint64_t index, Stream stream) {
  // Mix the three words through SplitMix64 one after another, so that
  // neighbouring indices or streams give unrelated states.
  uint64_t x = seed;
  x = splitmix64(x) ^ index;
  x = splitmix64(x) ^ static_cast<uint64_t>(stream);
  for (auto& s : s_) s = splitmix64(x);
}

uint64_t Rng::next() { return random::xoshiro256ss_next(s_); }

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

int64_t Rng::integer(int64_t n) {
  if (n < 1) throw Error(ErrorKind::Runtime, "Rng::integer needs n >= 1", "retailsim", "");
  return static_cast<int64_t>(uniform() * static_cast<double>(n));
}

int64_t Rng::integer(int64_t lo, int64_t hi) { return lo + integer(hi - lo + 1); }

bool Rng::bernoulli(double p) { return uniform() < p; }

double Rng::normal() {
  double u1 = uniform(), u2 = uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

int64_t Rng::poisson(double lambda) {
  if (lambda <= 0) return 0;
  const double limit = std::exp(-lambda);
  int64_t k = 0;
  for (double p = uniform(); p > limit; p *= uniform()) ++k;
  return k;
}

size_t Rng::choice(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  double r = uniform() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (r < weights[i]) return i;
    r -= weights[i];
  }
  return weights.size() - 1;
}

}  // namespace storefuse::retailsim
