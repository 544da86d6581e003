// The x86 instruction-set level the kernels may use, detected once from
// CPUID. The dot-product and panel GEMM kernels are compiled once per level
// and pick theirs from it.
#pragma once

namespace storefuse::infer {

enum class IsaLevel { Portable = 0, Avx2 = 1, Avx512 = 2 };

// The best level this CPU runs (Portable on non-x86 builds).
IsaLevel cpu_isa_level();
// cpu_isa_level() capped by STOREFUSE_INFER_ISA=portable|avx2|avx512 in the
// environment (for testing and comparisons).
IsaLevel chosen_isa_level();

}  // namespace storefuse::infer
