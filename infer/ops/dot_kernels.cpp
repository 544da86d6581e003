#include "dot_kernels.h"

#include "isa.h"

namespace storefuse::infer {

namespace {

DotKernels at(IsaLevel level) {
#if defined(STOREFUSE_INFER_X86_KERNELS)
  if (level == IsaLevel::Avx512) return dot_kernels_avx512();
  if (level == IsaLevel::Avx2) return dot_kernels_avx2();
#endif
  (void)level;
  return dot_kernels_portable();
}

}  // namespace

const DotKernels& dot_kernels() {
  static const DotKernels kernels = at(chosen_isa_level());
  return kernels;
}

std::vector<DotKernels> available_dot_kernels() {
  std::vector<DotKernels> all;
  for (int level = 0; level <= static_cast<int>(cpu_isa_level()); ++level) all.push_back(at(static_cast<IsaLevel>(level)));
  return all;
}

}  // namespace storefuse::infer
