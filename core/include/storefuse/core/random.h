// The random-number primitives every part seeds its own generators with:
// SplitMix64's finaliser and one step of xoshiro256** (Blackman & Vigna).
// Header-only: they sit on hot paths (RetailSim draws, bootstrap resamples).
#pragma once

#include <cstdint>

namespace storefuse::random {

// SplitMix64's output mix of one 64-bit word.
inline uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Advances a xoshiro256** state and returns the next 64 random bits.
inline uint64_t xoshiro256ss_next(uint64_t (&s)[4]) {
  auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const uint64_t result = rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

}  // namespace storefuse::random
