// Emitters turn one LibTorch module into ONNX nodes. Every module type of the
// zoo has one; emitters.cpp lists them, one line each. A module without an
// emitter is an Unsupported error that names its type and its path.
#pragma once

#include <typeindex>
#include <vector>

#include "storefuse/export/graph_builder.h"

namespace storefuse::exporter {

class Emitter;

// inputs/outputs are value names in the graph.
using EmitFn = std::vector<std::string> (*)(Emitter& e, const torch::nn::Module& m,
                                            const std::vector<std::string>& inputs);

struct EmitterEntry {
  std::type_index type;
  const char* name;
  EmitFn emit;
};

const std::vector<EmitterEntry>& emitters();

class Emitter {
 public:
  explicit Emitter(GraphBuilder& graph) : graph_(graph) {}
  GraphBuilder& graph() { return graph_; }

  // Emits the child `name` of the module being emitted, inside its name scope.
  std::vector<std::string> emit(const std::string& name, const torch::nn::Module& module,
                                const std::vector<std::string>& inputs);
  std::string emit1(const std::string& name, const torch::nn::Module& module,
                    const std::vector<std::string>& inputs) {
    return emit(name, module, inputs).at(0);
  }

 private:
  GraphBuilder& graph_;
  std::vector<std::string> path_;
};

// Lookups that fail with the module's type and the missing name.
torch::Tensor param(const torch::nn::Module& m, const std::string& name);
torch::Tensor buffer(const torch::nn::Module& m, const std::string& name);
const torch::nn::Module& child(const torch::nn::Module& m, const std::string& name);

}  // namespace storefuse::exporter
