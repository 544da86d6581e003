// Weight storage (weight_storage.h): single allocations aligned, and the
// block that holds many weights: pieces aligned and disjoint, none past the
// block, and a freed piece (whose pages go back to the system) leaves its
// neighbours' bytes as they were.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "weight_storage.h"

using namespace storefuse::infer;

TEST(WeightStorage, SingleAllocationsAreAligned) {
  for (size_t bytes : {1u, 100u, 70000u, 3u << 20}) {
    auto p = allocate_weight_storage(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p.get()) % 64, 0u) << bytes;
    std::memset(p.get(), 1, bytes);  // all of it is writable
  }
}

TEST(WeightStorage, BlockPiecesAreAlignedDisjointAndWithinTheBlock) {
  const std::vector<size_t> sizes = {100000, 1, 64, 65, 2 << 20, 12345};
  size_t capacity = 0;
  for (size_t s : sizes) capacity += WeightBlock::footprint(s);
  WeightBlock block(capacity);
  std::vector<std::shared_ptr<void>> pieces;
  for (size_t i = 0; i < sizes.size(); ++i) {
    pieces.push_back(block.take(sizes[i]));
    ASSERT_NE(pieces.back(), nullptr) << "piece " << i;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(pieces.back().get()) % 64, 0u) << "piece " << i;
    std::memset(pieces.back().get(), static_cast<int>(i + 1), sizes[i]);
  }
  EXPECT_EQ(block.take(1), nullptr) << "the block is full";
  // Pieces in order, each after the one before it ends.
  for (size_t i = 1; i < pieces.size(); ++i) {
    EXPECT_GE(static_cast<char*>(pieces[i].get()), static_cast<char*>(pieces[i - 1].get()) + sizes[i - 1]);
  }
  // Free every other piece (the 2 MB one gives whole pages back), then
  // check that the rest still hold their bytes.
  for (size_t i = 0; i < pieces.size(); i += 2) pieces[i].reset();
  for (size_t i = 1; i < pieces.size(); i += 2) {
    const auto* p = static_cast<const unsigned char*>(pieces[i].get());
    for (size_t j = 0; j < sizes[i]; ++j) ASSERT_EQ(p[j], i + 1) << "piece " << i << " byte " << j;
  }
}

TEST(WeightStorage, AnEmptyBlockGivesNothing) {
  WeightBlock block(0);
  EXPECT_EQ(block.take(1), nullptr);
}
