#include "storefuse/infer/session.h"

#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

#include "denormals.h"
#include "graph.h"
#include "memory_plan.h"

namespace storefuse::infer {

namespace {

// What one set of input shapes fixes: where every intermediate lives, and
// the values of the shape-only steps, which later runs skip.
struct ShapePlan {
  MemoryPlan memory;
  std::vector<std::pair<int, Tensor>> shape_values;  // slot, value
  std::vector<int> unread;  // per slot: reads by the steps that still run
};

}  // namespace

// The steps a set of requested outputs needs, and the reads each slot gets
// from them (plus one for a requested output).
struct Selection {
  std::vector<char> runs;   // per step
  std::vector<int> consumers;
  std::vector<int> outputs;  // indices into the graph's outputs, in the graph's order
};

struct Session::State {
  std::shared_ptr<const Model> model;
  std::map<std::vector<int>, Selection> selections;  // by requested output indices
  SessionOptions options;
  tbb::task_arena arena;
  std::unique_ptr<FlushDenormalsObserver> flush;  // with options.flush_denormals
  std::vector<Tensor> values;   // per slot, during a run
  std::vector<int> unread;      // per slot: reads still to come
  std::map<std::string, OpProfile> profile;
  std::map<std::pair<std::vector<Shape>, std::vector<int>>, ShapePlan> plans;  // by input shapes and outputs
};

namespace {

// Plans kept per session; more distinct input shapes than this start over.
constexpr size_t kMaxPlans = 8;

std::string input_names(const Model& model) {
  std::string names;
  for (const ValueInfo& in : model.inputs()) names += (names.empty() ? "" : ", ") + in.name;
  return names;
}

void check_input(const ValueInfo& info, const Tensor& t) {
  const std::string where = "input '" + info.name + "'";
  if (t.dtype() != info.dtype)
    throw Error(ErrorKind::Data, std::string("got ") + to_string(t.dtype()) + ", the model expects " +
                                     to_string(info.dtype), where);
  bool fits = info.shape.empty() || t.rank() == static_cast<int>(info.shape.size());
  for (size_t d = 0; fits && d < info.shape.size(); ++d) fits = info.shape[d] < 0 || info.shape[d] == t.shape()[d];
  if (!fits)
    throw Error(ErrorKind::Data, "got shape " + to_string(t.shape()) + ", the model expects " +
                                     to_string(info.shape) + " (-1: any size)", where);
}

// The first element of a float32 tensor that is NaN or Inf, or -1.
int64_t first_non_finite(const Tensor& t) {
  const float* x = t.data<float>();
  const int64_t n = t.numel();
  constexpr int64_t kBlock = 256;
  for (int64_t begin = 0; begin < n; begin += kBlock) {
    const int64_t end = std::min(n, begin + kBlock);
    // Exponent bits all set: Inf or NaN (integer ops, which vectorise well).
    uint32_t bad = 0;
    for (int64_t i = begin; i < end; ++i) {
      uint32_t bits;
      std::memcpy(&bits, x + i, sizeof bits);
      bad |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    }
    if (bad) {
      for (int64_t i = begin; i < end; ++i)
        if (!std::isfinite(x[i])) return i;
    }
  }
  return -1;
}

void check_finite(const ValueInfo& info, const Tensor& t) {
  if (t.dtype() != DType::Float32) return;
  const int64_t i = first_non_finite(t);
  if (i < 0) return;
  const int64_t row_size = t.rank() > 0 && t.dim(0) > 0 ? t.numel() / t.dim(0) : 1;
  throw Error(ErrorKind::Data,
              std::string(std::isnan(t.data<float>()[i]) ? "NaN" : "Inf") + " in row " + std::to_string(i / row_size) +
                  " (element " + std::to_string(i) + ")",
              "input '" + info.name + "'", "clean or impute the features before inference");
}

}  // namespace

Session::Session(std::shared_ptr<const Model> model, SessionOptions options) : state_(std::make_unique<State>()) {
  if (!model) throw Error(ErrorKind::Usage, "Session needs a loaded model");
  if (options.threads < 0) throw Error(ErrorKind::Usage, "threads must be 0 (all cores) or more");
  state_->model = std::move(model);
  state_->options = options;
  state_->arena.initialize(options.threads == 0 ? tbb::info::default_concurrency() : options.threads);
  if (state_->options.flush_denormals) state_->flush = std::make_unique<FlushDenormalsObserver>(state_->arena);
}

Session::~Session() = default;

const Model& Session::model() const { return *state_->model; }

namespace {

// Checks the caller's inputs against the model and stores them in their slots.
void bind_inputs(const Model& model, const Model::Graph& g, const std::map<std::string, Tensor>& inputs,
                 bool reject_non_finite, std::vector<Tensor>& values) {
  for (const auto& entry : inputs) {
    const std::string& name = entry.first;  // (clang 14 cannot capture a structured binding)
    auto it = std::find_if(g.inputs.begin(), g.inputs.end(), [&](const ValueInfo& v) { return v.name == name; });
    if (it == g.inputs.end())
      throw Error(ErrorKind::Data, "the model has no input named '" + name + "'", {},
                  "the model's inputs are: " + input_names(model));
  }
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    auto it = inputs.find(g.inputs[i].name);
    if (it == inputs.end())
      throw Error(ErrorKind::Data, "input '" + g.inputs[i].name + "' is missing", {},
                  "pass every model input: " + input_names(model));
    check_input(g.inputs[i], it->second);
    if (reject_non_finite) check_finite(g.inputs[i], it->second);
    values[g.input_slots[i]] = it->second;
  }
}

// Runs one kernel and stores its outputs in their slots.
void run_step(const Model::Graph::Step& step, std::vector<Tensor>& values, bool reference, Allocator* allocator,
              std::map<std::string, OpProfile>* profile) {
  std::vector<const Tensor*> args;
  for (int slot : step.inputs) args.push_back(slot < 0 ? nullptr : &values[slot]);
  OpContext ctx(step.node, std::move(args), reference, allocator);
  const auto start = std::chrono::steady_clock::now();
  step.op->run(ctx);
  if (profile) {
    OpProfile& p = (*profile)[step.node.op_type];
    p.op_type = step.node.op_type;
    ++p.calls;
    p.total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  for (size_t o = 0; o < step.outputs.size(); ++o) {
    if (step.outputs[o] < 0) continue;
    if (!ctx.outputs()[o].defined())
      throw step.node.error(ErrorKind::Runtime, "kernel did not produce output " + std::to_string(o));
    values[step.outputs[o]] = std::move(ctx.outputs()[o]);
  }
}

// The indices of the requested outputs (all when none is named).
std::vector<int> output_indices(const Model::Graph& g, const RunOptions& options) {
  std::vector<int> indices;
  if (options.outputs.empty()) {
    for (size_t i = 0; i < g.outputs.size(); ++i) indices.push_back(int(i));
    return indices;
  }
  for (const std::string& name : options.outputs) {
    auto it = std::find_if(g.outputs.begin(), g.outputs.end(), [&](const ValueInfo& v) { return v.name == name; });
    if (it == g.outputs.end()) {
      std::string names;
      for (const ValueInfo& v : g.outputs) names += (names.empty() ? "" : ", ") + v.name;
      throw Error(ErrorKind::Usage, "the model has no output named '" + name + "'", "RunOptions::outputs",
                  "the model's outputs are: " + names);
    }
    indices.push_back(int(it - g.outputs.begin()));
  }
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  return indices;
}

// Walks the steps backwards from the requested outputs' slots.
Selection select_steps(const Model::Graph& g, const std::vector<int>& outputs) {
  Selection sel;
  sel.outputs = outputs;
  sel.runs.assign(g.steps.size(), 0);
  sel.consumers.assign(g.consumers.size(), 0);
  std::vector<char> needed(g.consumers.size(), 0);
  for (int o : outputs) {
    needed[g.output_slots[o]] = 1;
    ++sel.consumers[g.output_slots[o]];
  }
  for (size_t i = g.steps.size(); i-- > 0;) {
    const Model::Graph::Step& step = g.steps[i];
    bool run = false;
    for (int slot : step.outputs) run = run || (slot >= 0 && needed[slot]);
    if (!run) continue;
    sel.runs[i] = 1;
    for (int slot : step.inputs) {
      if (slot < 0) continue;
      needed[slot] = 1;
      ++sel.consumers[slot];
    }
  }
  return sel;
}

// Frees each input value after its last read.
void release_inputs(const Model::Graph::Step& step, std::vector<Tensor>& values, std::vector<int>& unread) {
  for (int slot : step.inputs) {
    if (slot >= 0 && --unread[slot] == 0) values[slot] = Tensor();
  }
}

}  // namespace

std::map<std::string, Tensor> Session::run(const std::map<std::string, Tensor>& inputs, const RunOptions& options) {
  State& s = *state_;
  const Model::Graph& g = *s.model->graph_;
  const std::vector<int> wanted = output_indices(g, options);
  auto sel_it = s.selections.find(wanted);
  if (sel_it == s.selections.end()) sel_it = s.selections.emplace(wanted, select_steps(g, wanted)).first;
  const Selection& sel = sel_it->second;
  s.values = g.constants;
  bind_inputs(*s.model, g, inputs, s.options.reject_non_finite, s.values);

  // The first run with these input shapes (and outputs) records a plan;
  // later runs use it.
  std::pair<std::vector<Shape>, std::vector<int>> key{{}, wanted};
  for (int slot : g.input_slots) key.first.push_back(s.values[slot].shape());
  auto found = s.plans.find(key);
  const ShapePlan* plan = found == s.plans.end() ? nullptr : &found->second;
  auto* profile = s.options.profile ? &s.profile : nullptr;
  if (plan) {
    s.unread = plan->unread;
    for (const auto& [slot, value] : plan->shape_values) s.values[slot] = value;
    PlannedAllocator allocator(plan->memory);
    s.arena.execute([&] {
      const FlushDenormalsGuard flush(s.options.flush_denormals);
      for (size_t i = 0; i < g.steps.size(); ++i) {
        if (g.steps[i].shape_only || !sel.runs[i]) continue;
        allocator.begin_step(i);
        run_step(g.steps[i], s.values, s.options.reference_kernels, &allocator, profile);
        release_inputs(g.steps[i], s.values, s.unread);
      }
    });
  } else {
    s.unread = sel.consumers;
    ShapePlan recorded;
    recorded.unread = sel.consumers;
    RecordingAllocator recorder(g);
    s.arena.execute([&] {
      const FlushDenormalsGuard flush(s.options.flush_denormals);
      for (size_t i = 0; i < g.steps.size(); ++i) {
        const Model::Graph::Step& step = g.steps[i];
        if (!sel.runs[i]) continue;
        recorder.begin_step(i);
        run_step(step, s.values, s.options.reference_kernels, &recorder, profile);
        recorder.end_step(step, s.values);
        if (step.shape_only) {
          for (int slot : step.outputs) {
            if (slot >= 0) recorded.shape_values.emplace_back(slot, s.values[slot]);
          }
          for (int slot : step.inputs) {
            if (slot >= 0) --recorded.unread[slot];
          }
        }
        release_inputs(step, s.values, s.unread);
      }
    });
    recorded.memory = recorder.plan();
    if (s.plans.size() >= kMaxPlans) s.plans.clear();
    s.plans.emplace(std::move(key), std::move(recorded));
  }

  // Outputs the caller may write to: never the model's own constants.
  std::map<std::string, Tensor> outputs;
  for (int i : sel.outputs) {
    const Tensor& value = s.values[g.output_slots[i]];
    outputs[g.outputs[i].name] = g.constant_storage.count(value.raw()) ? value.clone() : value;
  }
  s.values.clear();
  return outputs;
}

std::vector<OpProfile> Session::profile() const {
  std::vector<OpProfile> out;
  for (const auto& [name, p] : state_->profile) out.push_back(p);
  std::sort(out.begin(), out.end(), [](const OpProfile& a, const OpProfile& b) { return a.total_ms > b.total_ms; });
  return out;
}

}  // namespace storefuse::infer
