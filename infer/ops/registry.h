// The op registry: ONNX op type -> factory. The list lives in registry.cpp,
// one line per op.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "op.h"

namespace storefuse::infer {

using OpFactory = std::unique_ptr<Op> (*)(const Node& node);

// The factory for an op type of the default ONNX domain, or nullptr.
OpFactory find_op(const std::string& op_type);
std::vector<std::string> registered_ops();  // sorted

}  // namespace storefuse::infer
