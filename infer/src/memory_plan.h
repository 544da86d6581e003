// Memory planning, once per set of input shapes (after ggml-alloc): the first
// run records every output allocation and how long its storage stays in use;
// the plan then packs them into one arena, reusing space between values
// whose lifetimes do not overlap. Later runs with the same shapes allocate
// nothing but the graph outputs.
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "graph.h"

namespace storefuse::infer {

struct MemoryPlan {
  struct Block {
    size_t offset = 0, bytes = 0;
    bool heap = false;  // escapes the run (a graph output): never in the arena
  };
  std::map<std::pair<size_t, size_t>, Block> blocks;  // (step, output) -> block
  size_t arena_bytes = 0;
  std::shared_ptr<uint8_t> arena;
};

// The allocator of a first run: heap storage, every request remembered.
class RecordingAllocator final : public Allocator {
 public:
  explicit RecordingAllocator(const Model::Graph& graph);
  Tensor allocate(const Node& node, size_t output, DType dtype, Shape shape) override;
  void begin_step(size_t step) { step_ = step; }
  // After a step ran: which allocation backs each of its output values.
  void end_step(const Model::Graph::Step& step, const std::vector<Tensor>& values);
  MemoryPlan plan() const;

 private:
  struct Record {
    size_t step, output, bytes;
    size_t last_use;  // last step reading a value stored here
    bool escapes = false;
  };
  const Model::Graph& graph_;
  std::vector<size_t> last_read_;  // per slot
  std::vector<Record> records_;
  std::map<const void*, size_t> by_data_;  // storage -> record
  size_t step_ = 0;
};

// The allocator of later runs: arena storage where the plan has a block of
// exactly the requested size, heap otherwise.
class PlannedAllocator final : public Allocator {
 public:
  explicit PlannedAllocator(const MemoryPlan& plan) : plan_(plan) {}
  Tensor allocate(const Node& node, size_t output, DType dtype, Shape shape) override;
  void begin_step(size_t step) { step_ = step; }

 private:
  const MemoryPlan& plan_;
  size_t step_ = 0;
};

}  // namespace storefuse::infer
