// Builds small ONNX models in memory for tests, including broken ones.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

#include "storefuse/infer/tensor.h"

namespace storefuse::infer::testing {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int opset = 17);

  OnnxBuilder& input(const std::string& name, DType dtype, const std::vector<int64_t>& dims);  // -1: dynamic
  OnnxBuilder& output(const std::string& name, DType dtype = DType::Float32);
  OnnxBuilder& initializer(const std::string& name, const Tensor& value);
  // Returns the node to add attributes to.
  onnx::NodeProto& node(const std::string& op_type, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = {});

  onnx::ModelProto& proto() { return model_; }
  std::string bytes() const { return model_.SerializeAsString(); }

 private:
  onnx::ModelProto model_;
};

void set_int(onnx::NodeProto& node, const std::string& name, int64_t value);
void set_ints(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values);
void set_float(onnx::NodeProto& node, const std::string& name, float value);

}  // namespace storefuse::infer::testing
