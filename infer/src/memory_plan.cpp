#include "memory_plan.h"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace storefuse::infer {

namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kForever = SIZE_MAX;

size_t aligned(size_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

RecordingAllocator::RecordingAllocator(const Model::Graph& graph)
    : graph_(graph), last_read_(graph.slot_names.size(), 0) {
  for (size_t i = 0; i < graph.steps.size(); ++i) {
    for (int slot : graph.steps[i].inputs) {
      if (slot >= 0) last_read_[slot] = i;
    }
  }
  for (int slot : graph.output_slots) last_read_[slot] = kForever;
}

Tensor RecordingAllocator::allocate(const Node&, size_t output, DType dtype, Shape shape) {
  Tensor t(dtype, std::move(shape));
  by_data_[t.raw()] = records_.size();
  records_.push_back({step_, output, t.nbytes(), step_});
  return t;
}

void RecordingAllocator::end_step(const Model::Graph::Step& step, const std::vector<Tensor>& values) {
  for (int slot : step.outputs) {
    if (slot < 0) continue;
    auto it = by_data_.find(values[slot].raw());
    if (it == by_data_.end()) continue;  // a view of a constant or an input
    Record& r = records_[it->second];
    if (last_read_[slot] == kForever) {
      r.escapes = true;
    } else {
      r.last_use = std::max(r.last_use, last_read_[slot]);
    }
  }
}

MemoryPlan RecordingAllocator::plan() const {
  MemoryPlan plan;
  std::vector<size_t> order;
  for (size_t i = 0; i < records_.size(); ++i) order.push_back(i);
  // Largest first, each at the lowest offset clear of every placed block
  // whose lifetime overlaps.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return records_[a].bytes > records_[b].bytes; });
  std::vector<std::pair<size_t, MemoryPlan::Block>> placed;  // record, block
  for (size_t i : order) {
    const Record& r = records_[i];
    MemoryPlan::Block block{0, r.bytes, r.escapes};
    if (!block.heap) {
      std::vector<std::pair<size_t, size_t>> busy;  // [begin, end) in the arena
      for (const auto& [j, other] : placed) {
        const Record& o = records_[j];
        if (!other.heap && o.step <= r.last_use && r.step <= o.last_use)
          busy.emplace_back(other.offset, other.offset + aligned(other.bytes));
      }
      std::sort(busy.begin(), busy.end());
      for (const auto& [begin, end] : busy) {
        if (block.offset + aligned(r.bytes) <= begin) break;
        block.offset = std::max(block.offset, end);
      }
      plan.arena_bytes = std::max(plan.arena_bytes, block.offset + aligned(r.bytes));
    }
    placed.emplace_back(i, block);
    plan.blocks[{r.step, r.output}] = block;
  }
  plan.arena = std::shared_ptr<uint8_t>(
      static_cast<uint8_t*>(std::aligned_alloc(kAlignment, std::max(plan.arena_bytes, kAlignment))), std::free);
  if (!plan.arena) throw std::bad_alloc();
  return plan;
}

Tensor PlannedAllocator::allocate(const Node&, size_t output, DType dtype, Shape shape) {
  auto it = plan_.blocks.find({step_, output});
  const size_t bytes = static_cast<size_t>(numel(shape)) * dtype_size(dtype);
  if (it == plan_.blocks.end() || it->second.heap || it->second.bytes != bytes) return Tensor(dtype, std::move(shape));
  return Tensor(dtype, std::move(shape), std::shared_ptr<void>(plan_.arena, plan_.arena.get() + it->second.offset));
}

}  // namespace storefuse::infer
