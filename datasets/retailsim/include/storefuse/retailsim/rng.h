// The simulator's random numbers: xoshiro256** seeded through SplitMix64 from
// (seed, sample index, stream), with its own distributions. std::normal_
// distribution and friends are implementation-defined, so using them would
// make the files differ between standard libraries; these do not.
//
// Every sample draws from streams of its own, one per part of the world, so
// that generating samples in any order or on any number of threads gives the
// same bytes, and so that leaving out one part (e.g. the video when only text
// is needed) does not shift the numbers another part sees.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace storefuse::retailsim {

enum class Stream : uint64_t {
  Store = 1, Hidden, Video, Audio, Text, Sensor, Missing, LabelNoise, Targets,
};

class Rng {
 public:
  Rng(uint64_t seed, uint64_t index, Stream stream);

  uint64_t next();
  double uniform();                       // [0, 1), 53 bits
  double uniform(double lo, double hi);   // [lo, hi)
  int64_t integer(int64_t n);             // 0..n-1 (n >= 1)
  int64_t integer(int64_t lo, int64_t hi_inclusive);
  bool bernoulli(double p);
  double normal();                        // Box-Muller, one value per call
  double normal(double mean, double sd) { return mean + sd * normal(); }
  double lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }
  int64_t poisson(double lambda);         // Knuth's method; fine for lambda < 30
  size_t choice(const std::vector<double>& weights);  // index with probability ~ weight

 private:
  uint64_t s_[4];
};

}  // namespace storefuse::retailsim
