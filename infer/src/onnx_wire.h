// Cutting the large weight payloads out of a serialized ONNX model before
// protobuf parses it. Protobuf copies every bytes field into a new string:
// for the seed network's 24 MB that copy, mostly page faults on the fresh
// memory, would dominate loading. The payloads cut out here are copied once,
// straight into weight storage (onnx_reader.cpp), and protobuf never sees
// them.
//
// Only the path ModelProto.graph (7) -> GraphProto.initializer (5) ->
// TensorProto.raw_data (9) is rewritten; everything else is copied as it
// is, so protobuf still parses and checks the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace storefuse::infer {

struct WirePayload {
  size_t offset = 0;  // in the serialized model
  size_t size = 0;
};

struct StrippedModel {
  std::string bytes;                 // the model without the cut payloads
  std::map<int, WirePayload> cut;    // by initializer index, in file order
};

// Payloads of at least min_bytes cut out; none when there is nothing to
// cut or the bytes hold what this reader does not follow (groups, a tensor
// with two raw_data fields, a length past the end): the caller then parses
// the bytes as they are, and protobuf reports what is wrong with them.
std::optional<StrippedModel> strip_payloads(const void* data, size_t size, size_t min_bytes);

// Where the contents of the one ModelProto.graph field lie; nullopt when
// there is none, more than one, or the bytes are not a message this reader
// follows.
std::optional<WirePayload> graph_field(const void* data, size_t size);

}  // namespace storefuse::infer
