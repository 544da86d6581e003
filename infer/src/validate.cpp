#include "validate.h"

#include <map>
#include <set>

#include "registry.h"

namespace storefuse::infer {

namespace {

void check_supported(const GraphDef& graph, const std::string& source) {
  std::map<std::string, std::vector<std::string>> missing;  // op -> nodes
  for (const Node& node : graph.nodes) {
    if (!node.domain.empty() || !find_op(node.op_type))
      missing[node.domain.empty() ? node.op_type : node.domain + "::" + node.op_type].push_back(node.name);
  }
  if (missing.empty()) return;
  std::string list;
  for (const auto& [op, nodes] : missing) {
    list += "\n    " + op + " (" + std::to_string(nodes.size()) + " node" + (nodes.size() > 1 ? "s" : "") +
            ", first '" + nodes.front() + "')";
  }
  throw Error(ErrorKind::Unsupported,
              std::to_string(missing.size()) + " op type" + (missing.size() > 1 ? "s are" : " is") +
                  " not supported by storefuse-infer:" + list,
              source, "re-export without these ops, or add them under infer/ops/ (see docs/operators.md)");
}

}  // namespace

void validate(const GraphDef& graph, const std::string& source) {
  check_supported(graph, source);
  if (graph.outputs.empty()) throw Error(ErrorKind::Model, "the graph has no outputs", source);

  std::set<std::string> defined;
  auto define = [&](const std::string& name, const std::string& where) {
    if (name.empty()) return;
    if (!defined.insert(name).second)
      throw Error(ErrorKind::Model, "value '" + name + "' is assigned more than once", where,
                  "ONNX graphs are in single static assignment form; re-export the model");
  };
  for (const auto& [name, tensor] : graph.initializers) define(name, source + ": initializer '" + name + "'");
  for (const ValueInfo& input : graph.inputs) define(input.name, source + ": graph input '" + input.name + "'");

  std::set<std::string> produced_later;
  for (const Node& node : graph.nodes) {
    for (const std::string& out : node.outputs) produced_later.insert(out);
  }
  for (const Node& node : graph.nodes) {
    for (const std::string& in : node.inputs) {
      if (in.empty() || defined.count(in)) continue;
      if (produced_later.count(in))
        throw Error(ErrorKind::Model, "input '" + in + "' is read before the node that produces it",
                    source + ": " + node.where(), "the nodes must be in topological order; re-export the model");
      throw Error(ErrorKind::Model, "input '" + in + "' is not produced by any node, input or initializer",
                  source + ": " + node.where());
    }
    for (const std::string& out : node.outputs) define(out, source + ": " + node.where());
  }
  for (const ValueInfo& output : graph.outputs) {
    if (!defined.count(output.name))
      throw Error(ErrorKind::Model, "graph output '" + output.name + "' is never produced", source);
  }
}

}  // namespace storefuse::infer
