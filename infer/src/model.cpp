#include "storefuse/infer/model.h"

#include <chrono>

#include "graph.h"
#include "registry.h"

namespace storefuse::infer {

Model::Model(std::unique_ptr<Graph> graph) : graph_(std::move(graph)) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::load(const std::string& path, const LoadOptions& options) {
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const auto start = std::chrono::steady_clock::now();
  GraphDef def = read_onnx_file(path, dir, options.verify_weights);  // the file is unmapped here
  const double read_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  auto graph = build_graph(std::move(def), path, options);
  graph->load_phases.insert(graph->load_phases.begin(), LoadPhase{"read", read_ms});
  return std::shared_ptr<const Model>(new Model(std::move(graph)));
}

std::shared_ptr<const Model> Model::load_bytes(const std::string& bytes, const std::string& base_dir,
                                              const LoadOptions& options) {
  return std::shared_ptr<const Model>(
      new Model(build_graph(read_onnx(bytes, base_dir, "<bytes>", options.verify_weights), "<bytes>", options)));
}

const std::vector<ValueInfo>& Model::inputs() const { return graph_->inputs; }
const std::vector<LoadPhase>& Model::load_profile() const { return graph_->load_phases; }
const std::vector<ValueInfo>& Model::outputs() const { return graph_->outputs; }
const WeightsDigestCheck& Model::weights_digest() const { return graph_->weights_digest; }
int Model::opset() const { return graph_->opset; }
const std::string& Model::producer() const { return graph_->producer; }
const std::map<std::string, std::string>& Model::metadata() const { return graph_->metadata; }
const std::map<std::string, int>& Model::loaded_op_counts() const { return graph_->loaded_op_counts; }
int64_t Model::parameter_count() const { return graph_->parameter_count; }

size_t Model::weight_bytes() const {
  std::map<const void*, size_t> storage;  // shared storage counted once
  for (const Tensor& t : graph_->constants) {
    if (t.defined()) storage[t.raw()] = t.nbytes();
  }
  for (const auto& step : graph_->steps) step.op->held_storage(storage);
  size_t total = 0;
  for (const auto& [data, bytes] : storage) total += bytes;
  return total;
}

std::map<std::string, int> Model::packed_weight_counts() const {
  std::map<std::string, int> counts;
  for (const auto& step : graph_->steps) {
    if (const char* format = step.op->packed_format()) ++counts[format];
  }
  return counts;
}

std::map<std::string, int> Model::op_counts() const {
  std::map<std::string, int> counts;
  for (const auto& step : graph_->steps) ++counts[step.node.op_type];
  return counts;
}

std::vector<std::string> supported_ops() { return registered_ops(); }

}  // namespace storefuse::infer
