// The instruction-set level the kernels may use, detected once at run time:
// CPUID on x86-64 (AVX2, AVX-512), the kernel's HWCAP bits on arm64 (NEON).
// The dot-product and panel GEMM kernels are compiled once per level and
// pick theirs from it.
#pragma once

#include <string>
#include <vector>

namespace storefuse::infer {

// x86 levels are ordered (an AVX-512 CPU runs the AVX2 set too); Neon is the
// arm64 level, beside them.
enum class IsaLevel { Portable = 0, Avx2 = 1, Avx512 = 2, Neon = 3 };

// The best level this CPU runs (Portable on builds without fast kernels).
IsaLevel cpu_isa_level();
// cpu_isa_level() capped by limit_kernel_isa() (storefuse/infer/process.h).
IsaLevel chosen_isa_level();
// What the CPU offers that the kernels look at, e.g. "avx2 fma f16c" or
// "asimd asimddp fphp asimdhp" (the last two are reported, not used:
// docs/edge.md says why).
std::string cpu_feature_names();

// One kernel family (dot products, panel GEMM) compiled once per level. A
// family lacks the sets of other architectures (null), and a level without
// its set falls back to the portable one.
template <class Kernels>
struct KernelFamily {
  Kernels (*portable)();
  Kernels (*avx2)() = nullptr;
  Kernels (*avx512)() = nullptr;
  Kernels (*neon)() = nullptr;

  Kernels at(IsaLevel level) const {
    if (level == IsaLevel::Neon && neon) return neon();
    if (level == IsaLevel::Avx512 && avx512) return avx512();
    if (level == IsaLevel::Avx2 && avx2) return avx2();
    return portable();
  }
  // Every set this CPU runs, portable first (the tests compare them).
  std::vector<Kernels> available() const {
    const IsaLevel cpu = cpu_isa_level();
    std::vector<Kernels> all{portable()};
    if (cpu == IsaLevel::Neon && neon) all.push_back(neon());
    if (cpu != IsaLevel::Neon) {
      if (cpu >= IsaLevel::Avx2 && avx2) all.push_back(avx2());
      if (cpu >= IsaLevel::Avx512 && avx512) all.push_back(avx512());
    }
    return all;
  }
};

}  // namespace storefuse::infer
