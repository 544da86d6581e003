// Process-wide settings of the runtime. Nothing in the library changes them
// by itself (loading a model or constructing a Session has no process-wide
// effect); a program calls them once at startup, before it runs models, if
// it wants them. storefuse-infer does, from the environment (docs/runtime.md).
#pragma once

namespace storefuse::infer {

// Sets OpenBLAS to one thread for the whole process. The runtime splits its
// few OpenBLAS products (MatMul of two activations) across the session's own
// threads; OpenBLAS's threads on top would oversubscribe the cores. Results
// are the same either way.
void use_single_threaded_blas();

// The most the fast kernels may use, below what CPUID reports (comparisons,
// testing a portable build's path on a wider CPU). Takes effect only before
// the first model is loaded; later calls are ignored.
enum class KernelIsa { Best, Avx2, Portable };
void limit_kernel_isa(KernelIsa limit);

}  // namespace storefuse::infer
