// A loaded ONNX model: parsed, validated and optimised once, then immutable.
// Share one Model between any number of Sessions and threads.
//
//   auto model = storefuse::infer::Model::load("model.onnx");
//   storefuse::infer::Session session(model);
//   auto outputs = session.run({{"visual", visual}, {"audio", audio}, ...});
//   const Tensor& logits = outputs.at("behavior_logits");
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storefuse/infer/tensor.h"

namespace storefuse::infer {

// A graph input or output as declared in the model.
struct ValueInfo {
  std::string name;
  DType dtype = DType::Float32;
  Shape shape;                         // -1 where the dimension is dynamic
  std::vector<std::string> dim_names;  // symbolic names ("batch"), "" where fixed
};

// How a model is prepared at load.
struct LoadOptions {
  // Compose square linear layers into the layer that follows (docs/runtime.md,
  // "Linear folding"); false keeps the layers as in the file (comparisons).
  bool fold_linear = true;
  // Check the weights digest of a model that declares one (storefuse
  // export writes it; weights_digest.h): a mismatch is an Error(Model).
  bool verify_weights = true;
};

// A model's weights digest, as its metadata declares it, and whether
// loading checked it.
struct WeightsDigestCheck {
  std::string digest;    // empty: the model declares none
  bool checked = false;  // false: none declared, or LoadOptions::verify_weights was off
};

struct LoadPhase {
  std::string name;
  double ms = 0;
};

class Model {
 public:
  // Reads an ONNX file; external weights are read from files beside it.
  // Throws storefuse::Error: Io (unreadable), Model (malformed or invalid
  // graph, naming the node), Unsupported (listing every unsupported op).
  static std::shared_ptr<const Model> load(const std::string& path, const LoadOptions& options = {});
  // The same from serialized bytes; external data paths resolve against base_dir.
  static std::shared_ptr<const Model> load_bytes(const std::string& bytes, const std::string& base_dir = ".",
                                                 const LoadOptions& options = {});

  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::vector<ValueInfo>& inputs() const;
  const std::vector<ValueInfo>& outputs() const;
  int opset() const;
  const std::string& producer() const;
  const std::map<std::string, std::string>& metadata() const;
  // Node count per op type in the graph as it runs (after optimisation).
  std::map<std::string, int> op_counts() const;
  // Same, in the file as loaded.
  const std::map<std::string, int>& loaded_op_counts() const;
  int64_t parameter_count() const;  // elements held by initializers
  // Bytes of the constants the loaded model keeps: weights as packed for
  // the kernels (int8 / float16 stay so), biases, folded values.
  size_t weight_bytes() const;
  // Per packed weight matrix's element type ("float32", "float16", "int8"):
  // how many Gemm / MatMul ops hold one.
  std::map<std::string, int> packed_weight_counts() const;

  const WeightsDigestCheck& weights_digest() const;

  // Wall-clock milliseconds of each step of loading, in order: "read"
  // (file, protobuf parse, weights copied out; load(path) only),
  // "validate", "fold" (linear layers composed), "build" (ops made, weights
  // packed), "finish".
  const std::vector<LoadPhase>& load_profile() const;

  struct Graph;  // internal

 private:
  explicit Model(std::unique_ptr<Graph> graph);
  std::unique_ptr<Graph> graph_;
  friend class Session;
};

// The op types this runtime implements, sorted.
std::vector<std::string> supported_ops();

}  // namespace storefuse::infer
