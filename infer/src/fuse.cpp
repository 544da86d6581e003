#include "fuse.h"

#include <map>
#include <set>

namespace storefuse::infer {

namespace {

const Tensor* float_initializer(const std::map<std::string, Tensor>& initializers, const std::string& name,
                                int rank) {
  auto it = initializers.find(name);
  if (it == initializers.end() || it->second.dtype() != DType::Float32 || it->second.rank() != rank) return nullptr;
  return &it->second;
}

}  // namespace

std::vector<Node> fuse_activations(std::vector<Node> nodes, const std::vector<ValueInfo>& outputs,
                                   const std::map<std::string, Tensor>& initializers) {
  std::map<std::string, std::vector<size_t>> readers;  // value -> reading nodes
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const std::string& in : nodes[i].inputs) readers[in].push_back(i);
  }
  std::set<std::string> graph_outputs;
  for (const ValueInfo& out : outputs) graph_outputs.insert(out.name);

  std::vector<bool> removed(nodes.size(), false);
  for (Node& node : nodes) {
    if (node.op_type != "MatMul" || node.inputs.size() != 2 || !node.domain.empty()) continue;
    const Tensor* w = float_initializer(initializers, node.inputs[1], 2);
    const std::string& y = node.outputs[0];
    auto it = readers.find(y);
    if (!w || graph_outputs.count(y) || it == readers.end() || it->second.size() != 1) continue;
    const Node& add = nodes[it->second[0]];
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 || add.inputs[0] == add.inputs[1])
      continue;
    const std::string& bias_name = add.inputs[0] == y ? add.inputs[1] : add.inputs[0];
    const Tensor* bias = float_initializer(initializers, bias_name, 1);
    if (!bias || bias->dim(0) != w->dim(1)) continue;
    node.inputs.push_back(bias_name);
    node.fused_bias = true;
    node.outputs[0] = add.outputs[0];
    removed[it->second[0]] = true;
  }
  for (Node& node : nodes) {
    if (node.op_type != "Gemm" || !node.fused_activation.empty()) continue;
    const std::string& y = node.outputs[0];
    auto it = readers.find(y);
    if (graph_outputs.count(y) || it == readers.end() || it->second.size() != 1) continue;
    Node& act = nodes[it->second[0]];
    if (act.op_type != "Relu") continue;
    node.fused_activation = act.op_type;
    node.outputs[0] = act.outputs[0];
    removed[it->second[0]] = true;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!removed[i]) kept.push_back(std::move(nodes[i]));
  }
  return kept;
}

}  // namespace storefuse::infer
