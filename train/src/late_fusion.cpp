#include "storefuse/train/late_fusion.h"

#include "storefuse/train/fusions.h"

namespace storefuse::train {

torch::Tensor LateFusionImpl::forward(const torch::Tensor& tokens, const torch::Tensor& present) {
  return torch::cat({zero_absent(tokens, present).flatten(1), present.to(tokens.scalar_type())}, 1);
}

}  // namespace storefuse::train
