#include "graph.h"

#include "fuse.h"
#include "registry.h"
#include "validate.h"

namespace storefuse::infer {

namespace {

// Nodes some graph output depends on, in their original order.
std::vector<Node> live_nodes(std::vector<Node> nodes, const std::vector<ValueInfo>& outputs) {
  std::set<std::string> needed;
  for (const ValueInfo& out : outputs) needed.insert(out.name);
  std::vector<bool> live(nodes.size(), false);
  for (size_t i = nodes.size(); i-- > 0;) {
    for (const std::string& out : nodes[i].outputs) live[i] = live[i] || needed.count(out);
    if (live[i]) needed.insert(nodes[i].inputs.begin(), nodes[i].inputs.end());
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (live[i]) kept.push_back(std::move(nodes[i]));
  }
  return kept;
}

void mark_shape_only(Model::Graph& g) {
  std::vector<bool> shape_slot(g.slot_names.size(), false);
  std::vector<bool> graph_output(g.slot_names.size(), false);
  for (int s : g.output_slots) graph_output[s] = true;
  for (auto& step : g.steps) {
    bool reads_shape = false, only_known = true;
    for (int s : step.inputs) {
      if (s < 0) continue;
      reads_shape = reads_shape || shape_slot[s];
      only_known = only_known && (shape_slot[s] || g.constants[s].defined());
    }
    step.shape_only = step.node.op_type == "Shape" || (reads_shape && only_known);
    // Values handed to the caller are never cached between runs.
    for (int s : step.outputs) step.shape_only = step.shape_only && (s < 0 || !graph_output[s]);
    for (int s : step.outputs) {
      if (s >= 0) shape_slot[s] = step.shape_only;
    }
  }
}

}  // namespace

std::unique_ptr<Model::Graph> build_graph(GraphDef def, const std::string& source) {
  validate(def, source);
  auto g = std::make_unique<Model::Graph>();
  g->inputs = def.inputs;
  g->outputs = def.outputs;
  g->opset = def.opset;
  g->producer = def.producer;
  g->metadata = def.metadata;
  for (const Node& node : def.nodes) ++g->loaded_op_counts[node.op_type];
  for (const auto& [name, t] : def.initializers) g->parameter_count += t.numel();

  std::map<std::string, int> slot_of;
  auto slot = [&](const std::string& name) {
    auto [it, added] = slot_of.emplace(name, static_cast<int>(g->slot_names.size()));
    if (added) {
      g->slot_names.push_back(name);
      g->constants.emplace_back();
    }
    return it->second;
  };
  for (const ValueInfo& in : def.inputs) g->input_slots.push_back(slot(in.name));
  for (auto& [name, t] : def.initializers) g->constants[slot(name)] = t;

  for (Node& node : fuse_activations(live_nodes(std::move(def.nodes), def.outputs), def.outputs)) {
    Model::Graph::Step step;
    bool known = true;
    for (const std::string& in : node.inputs) {
      int s = in.empty() ? -1 : slot(in);
      step.inputs.push_back(s);
      node.constants.push_back(s >= 0 ? g->constants[s] : Tensor());
      known = known && (s < 0 || g->constants[s].defined());
    }
    for (const std::string& out : node.outputs) step.outputs.push_back(out.empty() ? -1 : slot(out));
    step.op = find_op(node.op_type)(node);
    if (known) {  // fold: run it now, keep the results as constants
      std::vector<const Tensor*> inputs;
      for (int s : step.inputs) inputs.push_back(s < 0 ? nullptr : &g->constants[s]);
      OpContext ctx(node, std::move(inputs), false, nullptr);
      step.op->run(ctx);
      for (size_t i = 0; i < step.outputs.size(); ++i) {
        if (step.outputs[i] >= 0) g->constants[step.outputs[i]] = ctx.outputs()[i];
      }
      continue;
    }
    step.node = std::move(node);
    g->steps.push_back(std::move(step));
  }

  g->consumers.assign(g->slot_names.size(), 0);
  for (const auto& step : g->steps) {
    for (int s : step.inputs) {
      if (s >= 0) ++g->consumers[s];
    }
  }
  for (const Tensor& t : g->constants) {
    if (t.defined()) g->constant_storage.insert(t.raw());
  }
  for (const ValueInfo& out : def.outputs) {
    int s = slot(out.name);
    g->output_slots.push_back(s);
    ++g->consumers[s];
  }
  mark_shape_only(*g);
  return g;
}

}  // namespace storefuse::infer
