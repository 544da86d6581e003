// Builds an ONNX graph from LibTorch tensors, node by node, through libonnx's
// protobuf classes. Module emitters (one per zoo module type) call it; it
// owns naming, initializers and the weight precision.
//
//   GraphBuilder g("seed_fusion", /*opset=*/17, Precision::Int8);
//   auto x = g.input("visual", onnx::TensorProto::FLOAT, {kBatch, 2048});
//   auto y = g.gemm(x, linear->weight, linear->bias);   // int8 weights + DequantizeLinear
//   g.output(g.node("Relu", {y}), "visual_token", onnx::TensorProto::FLOAT, {kBatch, 512});
//   onnx::ModelProto m = g.finish({{"storefuse.version", "0.1.0"}});
#pragma once

#include <onnx/onnx_pb.h>
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace storefuse::exporter {

// How weight matrices of Gemm/MatMul are stored. Everything else stays fp32.
//   fp32: as trained.
//   fp16: float16 initializer + Cast to float.
//   int8: per-output-channel symmetric int8 + DequantizeLinear (weight-only).
enum class Precision { Fp32, Fp16, Int8 };
Precision parse_precision(const std::string& text);
const char* to_string(Precision p);

constexpr int64_t kBatch = -1;  // the symbolic "batch" dimension

struct Attr {
  static onnx::AttributeProto i(const std::string& name, int64_t v);
  static onnx::AttributeProto f(const std::string& name, float v);
  static onnx::AttributeProto ints(const std::string& name, const std::vector<int64_t>& v);
  static onnx::AttributeProto s(const std::string& name, const std::string& v);
};

class GraphBuilder {
 public:
  GraphBuilder(std::string graph_name, int64_t opset, Precision precision = Precision::Fp32);

  std::string input(const std::string& name, int32_t elem_type, const std::vector<int64_t>& dims);
  void output(const std::string& value, const std::string& name, int32_t elem_type,
              const std::vector<int64_t>& dims);

  // An exact constant (fp32 or int64 as the tensor is), as an initializer.
  std::string constant(const std::string& hint, const torch::Tensor& t);
  std::string ints(const std::string& hint, const std::vector<int64_t>& v);
  // A weight matrix [out, in] of a Gemm/MatMul, stored at the builder's precision;
  // returns the name of an fp32 value of the same shape.
  std::string matmul_weight(const std::string& hint, const torch::Tensor& w);

  // Adds a node; returns its output names (n_outputs of them).
  std::vector<std::string> nodes(const std::string& op, const std::vector<std::string>& inputs,
                                 const std::vector<onnx::AttributeProto>& attrs = {},
                                 int n_outputs = 1);
  std::string node(const std::string& op, const std::vector<std::string>& inputs,
                   const std::vector<onnx::AttributeProto>& attrs = {});

  // y = x W^T + b for x [B, in] (Gemm) or [..., in] (MatMul + Add).
  std::string linear(const std::string& x, const torch::Tensor& weight, const torch::Tensor& bias,
                     int64_t x_rank = 2);

  // Name scoping for readable graphs: "encoders.visual.0".
  void push_scope(const std::string& s);
  void pop_scope();

  onnx::ModelProto finish(const std::map<std::string, std::string>& metadata) const;
  Precision precision() const { return precision_; }

 private:
  std::string fresh(const std::string& hint);
  std::string scoped(const std::string& hint) const;
  onnx::GraphProto graph_;
  int64_t opset_;
  Precision precision_;
  std::map<std::string, int> used_names_;
  std::vector<std::string> scopes_;
};

// onnx::checker::check_model, then strict shape inference with type checks
// (what onnx.checker.check_model(full_check=True) does). Throws Error(Model)
// with the checker's message.
void check_onnx(const onnx::ModelProto& model);

void save_onnx_atomic(const std::string& path, const onnx::ModelProto& model);

}  // namespace storefuse::exporter
