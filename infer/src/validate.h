// Structural checks on a graph before anything runs (after onnx/checker.cc
// check_graph): supported ops, single assignment, topological order.
#pragma once

#include "onnx_reader.h"

namespace storefuse::infer {

// Throws Unsupported listing every node whose op the runtime lacks, or
// Model naming the first node that breaks the graph rules.
void validate(const GraphDef& graph, const std::string& source);

}  // namespace storefuse::infer
