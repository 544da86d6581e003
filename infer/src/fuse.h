// Load-time fusion: folds an activation into the node that feeds it.
#pragma once

#include <vector>

#include "node.h"
#include "storefuse/infer/model.h"

namespace storefuse::infer {

// Gemm -> Relu becomes one Gemm with fused_activation "Relu" when the Relu is
// the Gemm output's only reader and that output is not a graph output.
std::vector<Node> fuse_activations(std::vector<Node> nodes, const std::vector<ValueInfo>& outputs);

}  // namespace storefuse::infer
