#include "epoch_plan.h"

#include <algorithm>
#include <numeric>

namespace storefuse::datasets {

uint64_t Rng::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t Rng::below(uint64_t n) {
  // Rejection sampling: drop the top partial range so every value is equally likely.
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = next();
  } while (x >= limit);
  return x % n;
}

uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c) {
  Rng r(a);
  uint64_t h = r.next() ^ b;
  Rng r2(h);
  return Rng(r2.next() ^ c).next();
}

EpochPlan::EpochPlan(const std::vector<Block>& blocks, uint64_t seed, int64_t epoch,
                     int64_t window_blocks, bool shuffle)
    : order_(blocks.size()),
      window_blocks_(std::max<int64_t>(1, window_blocks)),
      seed_(seed),
      epoch_(epoch),
      shuffle_(shuffle) {
  std::iota(order_.begin(), order_.end(), 0);
  if (shuffle_) {
    Rng rng(mix_seed(seed_, static_cast<uint64_t>(epoch_)));
    rng.shuffle(order_);
  }
  window_start_.push_back(0);
  int64_t in_window = 0, rows = 0;
  for (int b : order_) {
    rows += static_cast<int64_t>(blocks[b].selected.size());
    if (++in_window == window_blocks_) {
      window_start_.push_back(rows);
      in_window = 0;
    }
  }
  if (in_window > 0) window_start_.push_back(rows);
}

int64_t EpochPlan::window_of(int64_t position) const {
  auto it = std::upper_bound(window_start_.begin(), window_start_.end(), position);
  return static_cast<int64_t>(it - window_start_.begin()) - 1;
}

std::vector<int> EpochPlan::window_blocks(int64_t w) const {
  auto first = order_.begin() + w * window_blocks_;
  auto last = order_.begin() + std::min<int64_t>((w + 1) * window_blocks_, order_.size());
  return std::vector<int>(first, last);
}

std::vector<EpochPlan::Slot> EpochPlan::window_rows(const std::vector<Block>& blocks,
                                                    int64_t w) const {
  std::vector<int> members = window_blocks(w);
  std::vector<Slot> slots;
  slots.reserve(static_cast<size_t>(window_start_[w + 1] - window_start_[w]));
  for (size_t i = 0; i < members.size(); ++i) {
    const Block& b = blocks[members[i]];
    for (int64_t row : b.selected) {
      slots.push_back({static_cast<int32_t>(i), static_cast<int32_t>(row - b.begin)});
    }
  }
  if (shuffle_) {
    // Stream 1 + w keeps each window's shuffle independent of the block order's.
    Rng rng(mix_seed(seed_, static_cast<uint64_t>(epoch_), 1 + static_cast<uint64_t>(w)));
    rng.shuffle(slots);
  }
  return slots;
}

}  // namespace storefuse::datasets
