#include "isa.h"

#include <atomic>

#include "storefuse/infer/process.h"

namespace storefuse::infer {

IsaLevel cpu_isa_level() {
#if defined(STOREFUSE_INFER_X86_KERNELS)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl"))
    return IsaLevel::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return IsaLevel::Avx2;  // F16C comes with both
#endif
  return IsaLevel::Portable;
}

namespace {

std::atomic<KernelIsa> isa_limit{KernelIsa::Best};

}  // namespace

void limit_kernel_isa(KernelIsa limit) { isa_limit.store(limit); }

IsaLevel chosen_isa_level() {
  IsaLevel level = cpu_isa_level();
  switch (isa_limit.load()) {
    case KernelIsa::Portable: return IsaLevel::Portable;
    case KernelIsa::Avx2: return level > IsaLevel::Avx2 ? IsaLevel::Avx2 : level;
    case KernelIsa::Best: break;
  }
  return level;
}

}  // namespace storefuse::infer
