// Process-wide settings of the runtime. Nothing in the library changes them
// by itself (loading a model or constructing a Session has no process-wide
// effect); a program calls them once at startup, before it runs models, if
// it wants them. storefuse-infer does, from the environment (docs/runtime.md).
#pragma once

#include <string>

namespace storefuse::infer {

// Sets OpenBLAS to one thread for the whole process. The runtime splits its
// few OpenBLAS products (MatMul of two activations) across the session's own
// threads; OpenBLAS's threads on top would oversubscribe the cores. Results
// are the same either way.
void use_single_threaded_blas();

// The most the fast kernels may use, below what CPUID reports (comparisons,
// testing a portable build's path on a wider CPU). Takes effect only before
// the first model is loaded; later calls are ignored.
// (Avx2 caps only x86-64's AVX-512; arm64 has one fast set, NEON.)
enum class KernelIsa { Best, Avx2, Portable };
void limit_kernel_isa(KernelIsa limit);

// The kernel set the fast kernels use in this process ("avx512", "avx2",
// "neon" or "portable", after limit_kernel_isa) and the CPU features the
// choice looked at, e.g. "asimd asimddp fphp asimdhp".
struct KernelInfo {
  std::string isa;
  std::string cpu_features;
};
KernelInfo kernel_info();

}  // namespace storefuse::infer
