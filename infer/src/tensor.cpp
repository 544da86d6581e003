#include "storefuse/infer/tensor.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>

#include "storefuse/core/error.h"

namespace storefuse::infer {

const char* to_string(DType dtype) {
  switch (dtype) {
    case DType::Float32: return "float32";
    case DType::Int64: return "int64";
    case DType::Int32: return "int32";
    case DType::UInt8: return "uint8";
    case DType::Bool: return "bool";
    case DType::Float16: return "float16";
    case DType::Int8: return "int8";
  }
  return "?";
}

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::Float32: case DType::Int32: return 4;
    case DType::Int64: return 8;
    case DType::Float16: return 2;
    case DType::UInt8: case DType::Bool: case DType::Int8: return 1;
  }
  return 1;
}

float to_float(Float16 h) {
  uint32_t sign = (h.bits & 0x8000u) << 16, exp = (h.bits >> 10) & 0x1f, man = h.bits & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);  // inf or nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else {  // subnormal half: normalise
    int e = -1;
    do { ++e; man <<= 1; } while (!(man & 0x400u));
    bits = sign | ((112 - e) << 23) | ((man & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

Float16 to_float16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = (x >> 16) & 0x8000u;
  uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) return {static_cast<uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0))};
  if (abs >= 0x477ff000u) return {static_cast<uint16_t>(sign | 0x7c00u)};  // rounds to inf
  if (abs < 0x38800000u) {  // subnormal or zero half: add 0.5 and let the FPU round
    float a;
    std::memcpy(&a, &abs, 4);
    a += 0.5f;
    uint32_t r;
    std::memcpy(&r, &a, 4);
    return {static_cast<uint16_t>(sign | (r - 0x3f000000u))};
  }
  uint32_t odd = (abs >> 13) & 1u;
  abs += 0xc8000fffu + odd;  // rebias exponent and round to nearest even
  return {static_cast<uint16_t>(sign | (abs >> 13))};
}

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    // Saturates instead of overflowing: a shape this large fails to allocate.
    if (__builtin_mul_overflow(n, d, &n)) return std::numeric_limits<int64_t>::max();
  }
  return n;
}

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  for (int64_t d : shape_) {
    if (d < 0) throw Error(ErrorKind::Data, "negative dimension in shape " + to_string(shape_));
  }
  if (numel() >= kMaxTensorBytes / static_cast<int64_t>(dtype_size(dtype_)))
    throw Error(ErrorKind::Data, "a " + std::string(infer::to_string(dtype_)) + " tensor of shape " +
                                     to_string(shape_) + " is too large to allocate", {},
                "check the model's shapes and the sizes of its inputs");
  // At least one byte so that an empty tensor is still defined.
  size_t bytes = std::max<size_t>(nbytes(), 1);
  try {
    data_ = std::shared_ptr<void>(new uint8_t[bytes](), [](void* p) { delete[] static_cast<uint8_t*>(p); });
  } catch (const std::bad_alloc&) {
    throw Error(ErrorKind::Runtime,
                "out of memory allocating " + std::to_string(bytes) + " bytes for a tensor of shape " + to_string(shape_),
                {}, "use smaller inputs or a machine with more memory");
  }
}

Tensor::Tensor(DType dtype, Shape shape, std::shared_ptr<void> data)
    : dtype_(dtype), shape_(std::move(shape)), data_(std::move(data)) {}

Tensor Tensor::view(Shape shape) const {
  if (infer::numel(shape) != numel())
    throw Error(ErrorKind::Runtime, "cannot view " + to_string(shape_) + " as " + to_string(shape));
  return Tensor(dtype_, std::move(shape), data_);
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (nbytes() > 0) std::memcpy(t.raw(), raw(), nbytes());
  return t;
}

void Tensor::throw_type_mismatch(DType wanted) const {
  throw Error(ErrorKind::Runtime,
              std::string("tensor holds ") + to_string(dtype_) + ", accessed as " + to_string(wanted));
}

void Tensor::throw_count_mismatch(size_t count, const Shape& shape) {
  throw Error(ErrorKind::Data,
              std::to_string(count) + " values do not fill a tensor of shape " + to_string(shape));
}

}  // namespace storefuse::infer
