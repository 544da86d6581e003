// ONNX protobuf -> plain structures. The only file that sees protobuf types.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node.h"
#include "storefuse/infer/model.h"

namespace storefuse::infer {

// A graph as written in the file, before validation.
struct GraphDef {
  int opset = 0;
  int64_t ir_version = 0;
  std::string producer;
  std::vector<ValueInfo> inputs, outputs;
  std::map<std::string, Tensor> initializers;
  std::vector<Node> nodes;
  std::map<std::string, std::string> metadata;
  // The file's graph digest (weights_digest.h), computed only when its
  // metadata declares one.
  std::optional<std::string> graph_digest;
};

// source names the model in messages; base_dir anchors external data files.
// with_digest: compute graph_digest when the metadata declares one.
GraphDef read_onnx(const std::string& bytes, const std::string& base_dir, const std::string& source,
                   bool with_digest = true);
GraphDef read_onnx(const void* data, size_t size, const std::string& base_dir, const std::string& source,
                   bool with_digest = true);
// An ONNX file, mapped read-only (pages read in at once) rather than copied.
GraphDef read_onnx_file(const std::string& path, const std::string& base_dir, bool with_digest = true);

// A serialized TensorProto (the .pb files of ONNX test data).
Tensor read_tensor_pb(const std::string& bytes, const std::string& source);

// The whole of a file; throws Io naming it.
std::string read_file(const std::string& path);

}  // namespace storefuse::infer
