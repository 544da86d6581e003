#include "dot_kernels.h"

#include <cstdlib>
#include <cstring>

namespace storefuse::infer {

namespace {

enum Level { kPortable = 0, kAvx2 = 1, kAvx512 = 2 };

Level cpu_level() {
#if defined(STOREFUSE_INFER_X86_KERNELS)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl"))
    return kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return kAvx2;  // F16C comes with both
#endif
  return kPortable;
}

DotKernels at(Level level) {
#if defined(STOREFUSE_INFER_X86_KERNELS)
  if (level == kAvx512) return dot_kernels_avx512();
  if (level == kAvx2) return dot_kernels_avx2();
#endif
  (void)level;
  return dot_kernels_portable();
}

Level chosen_level() {
  Level level = cpu_level();
  if (const char* cap = std::getenv("STOREFUSE_INFER_ISA")) {
    if (std::strcmp(cap, "portable") == 0) level = kPortable;
    if (std::strcmp(cap, "avx2") == 0 && level > kAvx2) level = kAvx2;
  }
  return level;
}

}  // namespace

const DotKernels& dot_kernels() {
  static const DotKernels kernels = at(chosen_level());
  return kernels;
}

std::vector<DotKernels> available_dot_kernels() {
  std::vector<DotKernels> all;
  for (int level = kPortable; level <= cpu_level(); ++level) all.push_back(at(static_cast<Level>(level)));
  return all;
}

}  // namespace storefuse::infer
