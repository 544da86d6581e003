#include <ATen/CPUGeneratorImpl.h>
#include <mutex>

#include "storefuse/train/ops.h"

namespace storefuse::train {

uint64_t draw_dropout_seed() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get<at::CPUGeneratorImpl>()->random64();
}

}  // namespace storefuse::train
