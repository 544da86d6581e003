// Fused autograd ops for the fusion networks. On CPU they run hand-written
// loops; on other devices they fall back to the equivalent composite ATen ops.
//
// Dropout masks come from a counter-based hash seeded with one draw from the
// default torch generator per call, so they are the same for any thread
// count, and torch::manual_seed / the saved generator state reproduce them.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace storefuse::train {

// One 64-bit draw from the default CPU generator (thread-safe).
uint64_t draw_dropout_seed();

// Whether element `index` survives dropout with probability p of dropping,
// under `seed`: a splitmix64 hash of (seed, index) compared with p.
inline bool dropout_keep(uint64_t seed, uint64_t index, float p) {
  uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (1.0f / 16777216.0f) >= p;
}

// relu(x) followed by dropout(p) when `training`, in place on x; returns x.
// x must not be needed by the backward of the op that produced it (true of
// linear/addmm outputs). The backward needs only the output: d/dx is
// 1/(1-p) where the output is positive, 0 elsewhere.
torch::Tensor relu_dropout_(torch::Tensor x, double p, bool training);

// Scaled dot-product attention among T tokens with H heads, for small T.
//   qkv:     [B, T, 3*E], the packed in-projection output (q | k | v, each
//            E = H*D wide, heads contiguous inside each)
//   allowed: [B, T] bool, keys that may be attended to; every row must allow
//            at least one key
// Returns [B, T, E] (heads concatenated), ready for the out-projection, with
// dropout(p) on the attention weights when `training`.
torch::Tensor token_attention(const torch::Tensor& qkv, const torch::Tensor& allowed,
                              int64_t heads, double p, bool training);

}  // namespace storefuse::train
