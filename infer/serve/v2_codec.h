// The Open Inference Protocol (v2) infer request and response, in JSON and
// with the binary-data extension
// (https://github.com/kserve/open-inference-protocol, Triton's
// extension_binary_data.md). The request is read in one pass without a DOM:
// tensor data goes straight from the text into the tensor's storage.
//
//   InferRequest r = parse_infer_request(body, header_length, limits);
//   ... run r.inputs ...
//   EncodedResponse e = encode_infer_response(reply);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "storefuse/infer/tensor.h"

namespace storefuse::infer::serve {

// Bounds on what one request may hold; a request past one is a 400 naming it.
struct RequestLimits {
  int64_t max_tensor_bytes = int64_t{64} << 20;  // one input, decoded
  int64_t max_inputs = 16;
  int max_depth = 16;  // nesting of JSON values the server does not read
};

struct InferInput {
  std::string name;
  Tensor tensor;
};

struct RequestedOutput {
  std::string name;
  bool binary = false;  // parameters.binary_data
};

struct InferRequest {
  std::string id;
  // Request-level parameters whose values are strings, numbers or booleans
  // (as text: "customer_id" -> "c-17", "sticky" -> "true").
  std::map<std::string, std::string> parameters;
  std::vector<InferInput> inputs;
  std::vector<RequestedOutput> outputs;   // empty: every output, as JSON
  bool binary_outputs = false;            // parameters.binary_data_output
};

// `body` is the whole HTTP body; `json_length` its JSON part
// (Inference-Header-Content-Length; body.size() when absent), the rest the
// inputs' binary data in the order the inputs name binary_data_size. Throws
// Error(Data) naming what is wrong: bad JSON, a missing or unknown field
// value, a datatype, a data count that does not match the shape, a value
// out of the datatype's range, binary sizes that do not add up.
InferRequest parse_infer_request(std::string_view body, size_t json_length, const RequestLimits& limits = {});

// "FP32" <-> DType::Float32 ...; parse throws Error(Unsupported) for a v2
// datatype the runtime has no type for (FP64, UINT16, BYTES, ...).
const char* v2_datatype(DType dtype);
DType parse_v2_datatype(std::string_view name);

struct InferResponse {
  std::string model_name;
  std::string model_version;
  std::string id;
  std::map<std::string, std::string> parameters;  // written as JSON strings
  std::vector<std::pair<RequestedOutput, Tensor>> outputs;
};

struct EncodedResponse {
  std::string body;          // JSON, then the binary outputs' bytes
  size_t json_length = 0;    // Inference-Header-Content-Length when binary
  bool has_binary = false;
};

// Floats are written in their shortest form that reads back to the same
// float (std::to_chars).
EncodedResponse encode_infer_response(const InferResponse& response);

// {"error": "..."} with the message escaped.
std::string error_body(std::string_view message);
// A JSON string literal, quotes included.
std::string json_quote(std::string_view text);

}  // namespace storefuse::infer::serve
