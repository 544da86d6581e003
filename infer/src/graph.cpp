#include "graph.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "fold_linear.h"
#include "fuse.h"
#include "registry.h"
#include "storefuse/infer/model_metadata.h"
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

// A known value computed only when something needs it as float32.
struct Deferred {
  Node node;
  std::unique_ptr<Op> op;
  std::vector<int> inputs;
  StoredWeights stored;
};

Node with_constants(const Model::Graph& g, Node node, const std::vector<int>& slots) {
  node.constants.clear();
  for (int s : slots) node.constants.push_back(s >= 0 ? g.constants[s] : Tensor());
  return node;
}

// Runs a node whose inputs are all constants; its outputs become constants.
void run_folded(Model::Graph& g, const Node& node, const Op& op, const std::vector<int>& inputs,
                const std::vector<int>& outputs) {
  std::vector<const Tensor*> args;
  for (int s : inputs) args.push_back(s < 0 ? nullptr : &g.constants[s]);
  OpContext ctx(node, std::move(args), false, nullptr);
  op.run(ctx);
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i] >= 0) g.constants[outputs[i]] = ctx.outputs()[i];
  }
}

// The reduced-precision storage behind a foldable node's float32 output:
// DequantizeLinear of a 2-D int8 constant, Cast of a 2-D float16 one to
// float32, or a 2-D Transpose of either. Undefined for anything else.
StoredWeights trace_stored(const Model::Graph& g, const Node& node, const std::vector<int>& inputs,
                           const std::map<int, Deferred>& deferred) {
  StoredWeights stored;
  auto constant = [&](size_t i) -> const Tensor* {
    return i < inputs.size() && inputs[i] >= 0 && g.constants[inputs[i]].defined() ? &g.constants[inputs[i]]
                                                                                   : nullptr;
  };
  const Tensor* x = constant(0);
  if (node.op_type == "DequantizeLinear" && x && x->dtype() == DType::Int8 && x->rank() == 2 && constant(1)) {
    const int64_t axis = node.attr_int("axis", 1);
    if (axis < -2 || axis > 1) return stored;
    stored.values = *x;
    stored.scale = *constant(1);
    if (const Tensor* zero = constant(2)) stored.zero_point = *zero;
    stored.axis = axis < 0 ? axis + 2 : axis;
  } else if (node.op_type == "Cast" && x && x->dtype() == DType::Float16 && x->rank() == 2 &&
             node.attr_int("to", 0) == 1 /* FLOAT */) {
    stored.values = *x;
  } else if (node.op_type == "Transpose" && !inputs.empty() && deferred.count(inputs[0])) {
    const std::vector<int64_t> perm = node.attr_ints("perm", {1, 0});
    const StoredWeights& in = deferred.at(inputs[0]).stored;
    if (perm != std::vector<int64_t>{1, 0} || in.values.rank() != 2) return stored;
    stored = in;
    stored.transposed = !in.transposed;
  }
  return stored;
}

}  // namespace

// The digest in the metadata against the file's (weights_digest.h).
WeightsDigestCheck check_weights_digest(const GraphDef& def, const std::string& source, const LoadOptions& options) {
  WeightsDigestCheck check;
  const auto declared = def.metadata.find(metadata::kWeightsDigest);
  if (declared == def.metadata.end()) return check;
  check.digest = declared->second;
  if (!options.verify_weights) return check;
  if (def.graph_digest != check.digest) {
    throw Error(ErrorKind::Model,
                std::string("the model's graph and weights do not match the digest they were exported with (") +
                    metadata::kWeightsDigest + " " + check.digest + ", the file's " +
                    def.graph_digest.value_or("not computed") + "): the file is damaged",
                source,
                "copy the model again from where it was exported; to load it anyway, skip the check "
                "(--no-verify-weights, LoadOptions::verify_weights = false)");
  }
  check.checked = true;
  return check;
}

std::unique_ptr<Model::Graph> build_graph(GraphDef def, const std::string& source, const LoadOptions& options) {
  auto g = std::make_unique<Model::Graph>();
  auto phase_start = std::chrono::steady_clock::now();
  auto end_phase = [&](const char* name) {
    const auto now = std::chrono::steady_clock::now();
    g->load_phases.push_back({name, std::chrono::duration<double, std::milli>(now - phase_start).count()});
    phase_start = now;
  };
  g->weights_digest = check_weights_digest(def, source, options);
  validate(def, source);
  end_phase("validate");
  g->inputs = def.inputs;
  g->outputs = def.outputs;
  g->opset = def.opset;
  g->producer = def.producer;
  g->metadata = def.metadata;
  for (const Node& node : def.nodes) ++g->loaded_op_counts[node.op_type];
  for (const auto& [name, t] : def.initializers) g->parameter_count += t.numel();
  // Before the slots: folding adds the composed weights as initializers.
  def.nodes = live_nodes(std::move(def.nodes), def.outputs);
  if (options.fold_linear) {
    def.nodes = live_nodes(fold_linear(std::move(def.nodes), def.outputs, def.initializers), def.outputs);
  }
  end_phase("fold");

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

  // Constants traced to reduced-precision storage are computed only when a
  // node needs their float32 value; Gemm and MatMul pack the stored form.
  std::map<int, Deferred> deferred;
  auto materialize = [&](int s, auto& self) -> void {
    auto it = deferred.find(s);
    if (it == deferred.end()) return;
    Deferred d = std::move(it->second);
    deferred.erase(it);
    for (int in : d.inputs) self(in, self);
    run_folded(*g, d.node, *d.op, d.inputs, {s});
  };

  for (Node& node : fuse_activations(std::move(def.nodes), def.outputs, def.initializers)) {
    Model::Graph::Step step;
    bool known = true;
    for (const std::string& in : node.inputs) {
      int s = in.empty() ? -1 : slot(in);
      step.inputs.push_back(s);
      known = known && (s < 0 || g->constants[s].defined() || deferred.count(s));
    }
    for (const std::string& out : node.outputs) step.outputs.push_back(out.empty() ? -1 : slot(out));
    if (known) {
      StoredWeights stored = trace_stored(*g, node, step.inputs, deferred);
      if (stored.defined() && step.outputs.size() == 1 && step.outputs[0] >= 0) {
        std::unique_ptr<Op> op = find_op(node.op_type)(with_constants(*g, node, step.inputs));
        deferred[step.outputs[0]] = {std::move(node), std::move(op), step.inputs, std::move(stored)};
        continue;
      }
      for (int s : step.inputs) materialize(s, materialize);
      node = with_constants(*g, std::move(node), step.inputs);
      std::unique_ptr<Op> op = find_op(node.op_type)(node);
      run_folded(*g, node, *op, step.inputs, step.outputs);  // fold: the results become constants
      continue;
    }
    // The weights operand may stay in its stored form when the op packs it.
    const bool packs = node.op_type == "Gemm" || node.op_type == "MatMul";
    for (size_t i = 0; i < step.inputs.size(); ++i) {
      auto it = deferred.find(step.inputs[i]);
      if (it == deferred.end()) continue;
      if (packs && i == 1) {
        node.stored.resize(2);
        node.stored[1] = it->second.stored;
      } else {
        materialize(step.inputs[i], materialize);
      }
    }
    node = with_constants(*g, std::move(node), step.inputs);
    step.op = find_op(node.op_type)(node);
    const std::vector<size_t> packed = step.op->packed_inputs();
    if (node.stored_weights(1) && std::find(packed.begin(), packed.end(), 1) == packed.end()) {
      // The kernels do not take this layout: build the op on float32 values.
      materialize(step.inputs[1], materialize);
      node.stored.clear();
      node = with_constants(*g, std::move(node), step.inputs);
      step.op = find_op(node.op_type)(node);
    }
    for (size_t i : step.op->packed_inputs()) {  // never read at run time
      step.inputs[i] = -1;
      node.constants[i] = Tensor();
    }
    node.stored.clear();
    step.node = std::move(node);
    g->steps.push_back(std::move(step));
  }
  for (const ValueInfo& out : def.outputs) materialize(slot(out.name), materialize);
  end_phase("build");

  g->consumers.assign(g->slot_names.size(), 0);
  for (const auto& step : g->steps) {
    for (int s : step.inputs) {
      if (s >= 0) ++g->consumers[s];
    }
  }
  for (const ValueInfo& out : def.outputs) {
    int s = slot(out.name);
    g->output_slots.push_back(s);
    ++g->consumers[s];
  }
  // Constants nothing reads any more (weights now packed inside ops) are freed.
  for (size_t s = 0; s < g->constants.size(); ++s) {
    if (g->consumers[s] == 0) g->constants[s] = Tensor();
  }
  for (const Tensor& t : g->constants) {
    if (t.defined()) g->constant_storage.insert(t.raw());
  }
  mark_shape_only(*g);
  end_phase("finish");
  return g;
}

}  // namespace storefuse::infer
