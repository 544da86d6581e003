#include "dot_kernels.h"

#include "isa.h"

namespace storefuse::infer {

namespace {

#if defined(STOREFUSE_INFER_X86_KERNELS)
constexpr KernelFamily<DotKernels> kFamily{dot_kernels_portable, dot_kernels_avx2, dot_kernels_avx512};
#elif defined(STOREFUSE_INFER_NEON_KERNELS)
constexpr KernelFamily<DotKernels> kFamily{dot_kernels_portable, nullptr, nullptr, dot_kernels_neon};
#else
constexpr KernelFamily<DotKernels> kFamily{dot_kernels_portable};
#endif

}  // namespace

const DotKernels& dot_kernels() {
  static const DotKernels kernels = kFamily.at(chosen_isa_level());
  return kernels;
}

std::vector<DotKernels> available_dot_kernels() { return kFamily.available(); }

}  // namespace storefuse::infer
