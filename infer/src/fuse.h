// Load-time fusion: folds an activation or a bias into the node that feeds it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "node.h"
#include "storefuse/infer/model.h"

namespace storefuse::infer {

// Gemm -> Relu becomes one Gemm with fused_activation "Relu" when the Relu is
// the Gemm output's only reader and that output is not a graph output.
// MatMul(A, W) -> Add(bias) (the exporter's Linear on 3-D inputs, attention's
// in-projection) becomes one MatMul with the bias as a third input, when W is
// a 2-D float32 initializer [K, N], the bias a 1-D float32 initializer [N]
// (so the Add cannot change the shape) and the Add the only reader.
std::vector<Node> fuse_activations(std::vector<Node> nodes, const std::vector<ValueInfo>& outputs,
                                   const std::map<std::string, Tensor>& initializers);

}  // namespace storefuse::infer
