// The row order of one loader epoch, computed from (seed, epoch) alone.
// Block order is shuffled once per epoch; rows are shuffled per window, on
// demand, so the plan costs memory per block, not per row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace storefuse::datasets {

// A chunk-aligned run of rows of one file and the rows selected in it.
struct Block {
  int reader = 0;
  int64_t begin = 0, end = 0;        // physical rows [begin, end)
  std::vector<int64_t> selected;     // ascending, in [begin, end)
};

// splitmix64: tiny, fast, and the same on every platform and standard
// library (std::shuffle and std::uniform_int_distribution are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  uint64_t below(uint64_t n);  // uniform in [0, n), n > 0
  template <class T> void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }
 private:
  uint64_t state_;
};

// Mixes several values into one well-spread seed.
uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c = 0);

class EpochPlan {
 public:
  // Where a row of a window lives: the block's position in the window and the
  // row's offset inside the block.
  struct Slot {
    int32_t block;
    int32_t offset;
  };

  EpochPlan(const std::vector<Block>& blocks, uint64_t seed, int64_t epoch,
            int64_t window_blocks, bool shuffle);

  int64_t num_rows() const { return window_start_.back(); }
  int64_t num_windows() const { return static_cast<int64_t>(window_start_.size()) - 1; }
  int64_t window_start(int64_t w) const { return window_start_[w]; }
  int64_t window_of(int64_t position) const;  // the window holding epoch position
  // Indices into `blocks` of window w, in the order its Slots refer to them.
  std::vector<int> window_blocks(int64_t w) const;
  // The window's rows in epoch order.
  std::vector<Slot> window_rows(const std::vector<Block>& blocks, int64_t w) const;

 private:
  std::vector<int> order_;               // block indices in epoch order
  std::vector<int64_t> window_start_;    // epoch position of each window, plus the end
  int64_t window_blocks_;
  uint64_t seed_;
  int64_t epoch_;
  bool shuffle_;
};

}  // namespace storefuse::datasets
