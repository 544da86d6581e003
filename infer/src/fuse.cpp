#include "fuse.h"

#include <map>
#include <set>

namespace storefuse::infer {

std::vector<Node> fuse_activations(std::vector<Node> nodes, const std::vector<ValueInfo>& outputs) {
  std::map<std::string, std::vector<size_t>> readers;  // value -> reading nodes
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const std::string& in : nodes[i].inputs) readers[in].push_back(i);
  }
  std::set<std::string> graph_outputs;
  for (const ValueInfo& out : outputs) graph_outputs.insert(out.name);

  std::vector<bool> removed(nodes.size(), false);
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
