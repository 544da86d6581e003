// ONNX TensorProto element-type codes and the runtime's DType.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storefuse/infer/tensor.h"

namespace storefuse::infer {

// The DType for an ONNX element-type code, or nothing for types the runtime lacks.
std::optional<DType> dtype_from_onnx(int64_t code);
int onnx_code(DType dtype);
// "DOUBLE", "STRING"... for messages about unsupported types.
std::string onnx_type_name(int64_t code);

}  // namespace storefuse::infer
