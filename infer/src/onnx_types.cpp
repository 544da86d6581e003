#include "onnx_types.h"

namespace storefuse::infer {

namespace {

// Indexed by the TensorProto.DataType code.
const char* const kNames[] = {"UNDEFINED", "FLOAT",  "UINT8",    "INT8",      "UINT16",
                              "INT16",     "INT32",  "INT64",    "STRING",    "BOOL",
                              "FLOAT16",   "DOUBLE", "UINT32",   "UINT64",    "COMPLEX64",
                              "COMPLEX128", "BFLOAT16"};

}  // namespace

std::optional<DType> dtype_from_onnx(int64_t code) {
  switch (code) {
    case 1: return DType::Float32;
    case 2: return DType::UInt8;
    case 3: return DType::Int8;
    case 6: return DType::Int32;
    case 7: return DType::Int64;
    case 9: return DType::Bool;
    case 10: return DType::Float16;
    default: return std::nullopt;
  }
}

int onnx_code(DType dtype) {
  switch (dtype) {
    case DType::Float32: return 1;
    case DType::UInt8: return 2;
    case DType::Int8: return 3;
    case DType::Int32: return 6;
    case DType::Int64: return 7;
    case DType::Bool: return 9;
    case DType::Float16: return 10;
  }
  return 0;
}

std::string onnx_type_name(int64_t code) {
  if (code >= 0 && code < static_cast<int64_t>(sizeof(kNames) / sizeof(kNames[0]))) return kNames[code];
  return "type code " + std::to_string(code);
}

}  // namespace storefuse::infer
