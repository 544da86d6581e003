#include "isa.h"

#include <cstdlib>
#include <cstring>

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

IsaLevel chosen_isa_level() {
  IsaLevel level = cpu_isa_level();
  if (const char* cap = std::getenv("STOREFUSE_INFER_ISA")) {
    if (std::strcmp(cap, "portable") == 0) level = IsaLevel::Portable;
    if (std::strcmp(cap, "avx2") == 0 && level > IsaLevel::Avx2) level = IsaLevel::Avx2;
  }
  return level;
}

}  // namespace storefuse::infer
