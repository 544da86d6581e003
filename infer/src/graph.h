// The executable form of a model: ops in run order over numbered value slots.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "op.h"
#include "onnx_reader.h"
#include "storefuse/infer/model.h"

namespace storefuse::infer {

struct Model::Graph {
  struct Step {
    Node node;
    std::unique_ptr<Op> op;
    std::vector<int> inputs;   // slot per node input, -1 where omitted
    std::vector<int> outputs;  // slot per node output, -1 where omitted
    // Depends on nothing but input shapes (a Shape, or a step reading only
    // constants and such steps' outputs): run once per set of input shapes.
    bool shape_only = false;
  };

  std::vector<Step> steps;
  std::vector<std::string> slot_names;
  std::vector<Tensor> constants;  // per slot: defined where known at load time
  std::vector<int> consumers;     // per slot: reads by steps, plus one if a graph output
  std::vector<int> input_slots, output_slots;
  std::set<const void*> constant_storage;  // data of every constant, to spot views of them

  std::vector<ValueInfo> inputs, outputs;
  int opset = 0;
  std::string producer;
  std::map<std::string, std::string> metadata;
  std::map<std::string, int> loaded_op_counts;
  int64_t parameter_count = 0;
  WeightsDigestCheck weights_digest;
  std::vector<LoadPhase> load_phases;  // in order, as Model::load_profile() reports them
};

// Validates, drops nodes that no output needs, folds linear layers into the
// next one (fold_linear.h), fuses activations, folds nodes whose inputs are
// all known, and builds every op.
std::unique_ptr<Model::Graph> build_graph(GraphDef def, const std::string& source, const LoadOptions& options);

}  // namespace storefuse::infer
