#include "isa.h"

#include <atomic>

#if defined(STOREFUSE_INFER_NEON_KERNELS)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "storefuse/infer/process.h"

namespace storefuse::infer {

IsaLevel cpu_isa_level() {
#if defined(STOREFUSE_INFER_X86_KERNELS)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl"))
    return IsaLevel::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return IsaLevel::Avx2;  // F16C comes with both
#elif defined(STOREFUSE_INFER_NEON_KERNELS)
  // Advanced SIMD is part of every arm64 Linux CPU, but the kernel says so.
  if (getauxval(AT_HWCAP) & HWCAP_ASIMD) return IsaLevel::Neon;
#endif
  return IsaLevel::Portable;
}

std::string cpu_feature_names() {
  std::string names;
  auto add = [&](bool has, const char* name) {
    if (!has) return;
    if (!names.empty()) names += ' ';
    names += name;
  };
#if defined(STOREFUSE_INFER_X86_KERNELS)
  __builtin_cpu_init();
  add(__builtin_cpu_supports("avx2"), "avx2");
  add(__builtin_cpu_supports("fma"), "fma");
  add(__builtin_cpu_supports("avx512f"), "avx512f");
  add(__builtin_cpu_supports("avx512bw"), "avx512bw");
  add(__builtin_cpu_supports("avx512vl"), "avx512vl");
#elif defined(STOREFUSE_INFER_NEON_KERNELS)
  const unsigned long hwcap = getauxval(AT_HWCAP);
  add(hwcap & HWCAP_ASIMD, "asimd");
  add(hwcap & HWCAP_ASIMDDP, "asimddp");
  add(hwcap & HWCAP_FPHP, "fphp");
  add(hwcap & HWCAP_ASIMDHP, "asimdhp");
#endif
  return names.empty() ? "none the kernels use" : names;
}

namespace {

std::atomic<KernelIsa> isa_limit{KernelIsa::Best};

}  // namespace

void limit_kernel_isa(KernelIsa limit) { isa_limit.store(limit); }

IsaLevel chosen_isa_level() {
  IsaLevel level = cpu_isa_level();
  switch (isa_limit.load()) {
    case KernelIsa::Portable: return IsaLevel::Portable;
    case KernelIsa::Avx2: return level == IsaLevel::Avx512 ? IsaLevel::Avx2 : level;  // no cap on arm64
    case KernelIsa::Best: break;
  }
  return level;
}

KernelInfo kernel_info() {
  static const char* const kNames[] = {"portable", "avx2", "avx512", "neon"};
  return {kNames[static_cast<int>(chosen_isa_level())], cpu_feature_names()};
}

}  // namespace storefuse::infer
