// One node of a loaded graph, free of protobuf types, with typed attribute
// access. Kernels see only this.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storefuse/core/error.h"
#include "storefuse/infer/tensor.h"

namespace storefuse::infer {

struct Attribute {
  enum class Kind { Float, Int, String, Tensor, Floats, Ints, Strings };
  Kind kind = Kind::Int;
  float f = 0;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};

const char* to_string(Attribute::Kind kind);

// A constant float32 matrix the optimiser traced back to reduced-precision
// storage: DequantizeLinear of an int8 initializer or Cast of a float16 one,
// perhaps through a 2-D Transpose. Lets Gemm and MatMul keep the weights in
// that precision (dequantize-on-the-fly kernels).
struct StoredWeights {
  Tensor values;             // 2-D, as stored (Int8, Float16, ...)
  Tensor scale, zero_point;  // DequantizeLinear's inputs; undefined for a Cast
  int64_t axis = 0;          // DequantizeLinear's axis, in [0, 2)
  bool transposed = false;   // the float value is the widened `values`, transposed
  bool defined() const { return values.defined(); }
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;                // "" for the default ONNX domain
  int opset = 0;                     // of the default domain, from the model
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;  // "" marks an omitted optional output
  std::map<std::string, Attribute> attributes;
  // An activation the optimiser folded into this node ("Relu"), applied by
  // the kernel to output 0; empty when none.
  std::string fused_activation;
  // MatMul only: the optimiser appended a following Add's [N] bias as
  // input 2 (a MatMul read from a file has two inputs).
  bool fused_bias = false;
  // Per input: its value when known at load time (an initializer or a folded
  // constant), else undefined. Lets kernels prepack weights.
  std::vector<Tensor> constants;
  // Per input (may be shorter than inputs): its reduced-precision storage,
  // where the optimiser traced one. Its float32 value may then be left out
  // of `constants` when the op packs the stored form.
  std::vector<StoredWeights> stored;

  // "node 'name' (OpType)", for error messages.
  std::string where() const;
  Error error(ErrorKind kind, const std::string& what, const std::string& fix = {}) const;

  bool has(const std::string& attribute) const { return attributes.count(attribute) > 0; }
  // Typed reads: a missing attribute gives the default, a wrong type throws.
  int64_t attr_int(const std::string& name, int64_t fallback) const;
  float attr_float(const std::string& name, float fallback) const;
  std::string attr_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& name, std::vector<int64_t> fallback = {}) const;
  std::vector<float> attr_floats(const std::string& name) const;
  const Tensor& attr_tensor(const std::string& name) const;  // required

  bool has_input(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
  bool has_output(size_t i) const { return i < outputs.size() && !outputs[i].empty(); }
  // The load-time value of input i, or nullptr when it is computed at run time.
  const Tensor* constant(size_t i) const {
    return i < constants.size() && constants[i].defined() ? &constants[i] : nullptr;
  }
  const StoredWeights* stored_weights(size_t i) const {
    return i < stored.size() && stored[i].defined() ? &stored[i] : nullptr;
  }

 private:
  const Attribute* find(const std::string& name, Attribute::Kind kind) const;
};

}  // namespace storefuse::infer
