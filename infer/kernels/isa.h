// The x86 instruction-set level the kernels may use, detected once from
// CPUID. The dot-product and panel GEMM kernels are compiled once per level
// and pick theirs from it.
#pragma once

#include <vector>

namespace storefuse::infer {

enum class IsaLevel { Portable = 0, Avx2 = 1, Avx512 = 2 };

// The best level this CPU runs (Portable on non-x86 builds).
IsaLevel cpu_isa_level();
// cpu_isa_level() capped by limit_kernel_isa() (storefuse/infer/process.h).
IsaLevel chosen_isa_level();

// One kernel family (dot products, panel GEMM) compiled once per level. A
// family built without the x86 sets (non-x86 builds) has them null, and
// those levels fall back to the portable set.
template <class Kernels>
struct KernelFamily {
  Kernels (*portable)();
  Kernels (*avx2)() = nullptr;
  Kernels (*avx512)() = nullptr;

  Kernels at(IsaLevel level) const {
    if (level == IsaLevel::Avx512 && avx512) return avx512();
    if (level == IsaLevel::Avx2 && avx2) return avx2();
    return portable();
  }
  // Every set this CPU runs, portable first (the tests compare them).
  std::vector<Kernels> available() const {
    std::vector<Kernels> all;
    for (int level = 0; level <= static_cast<int>(cpu_isa_level()); ++level)
      all.push_back(at(static_cast<IsaLevel>(level)));
    return all;
  }
};

}  // namespace storefuse::infer
