// A small, portable, seeded random number generator for resampling and
// simulation. std::uniform_int_distribution and friends are
// implementation-defined, so their streams differ between standard libraries;
// these are fully specified, so a seed gives the same bootstrap everywhere.
//
//   abtest::Rng rng(42);
//   size_t i = rng.index(n);      // uniform in [0, n)
//   double u = rng.uniform();     // uniform in [0, 1)
#pragma once

#include <cstddef>
#include <cstdint>

#include "storefuse/core/random.h"

namespace storefuse::abtest {

// SplitMix64's output function (Steele, Lea & Flood 2014): a bijective mixer
// of 64-bit words, used for seeding and for hashing in the traffic split.
using random::splitmix64_mix;

// xoshiro256** (Blackman & Vigna 2018), seeded through SplitMix64.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  // Uniform in [0, n) without modulo bias (Lemire 2019). n must be > 0.
  uint64_t index(uint64_t n);
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Standard normal (Box–Muller; the second value of each pair is cached).
  double normal();
  bool bernoulli(double p) { return uniform() < p; }

 private:
  uint64_t s_[4];
  double cached_normal_ = 0;
  bool has_cached_normal_ = false;
};

}  // namespace storefuse::abtest
