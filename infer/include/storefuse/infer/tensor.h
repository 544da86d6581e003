// A small n-dimensional array: element type, shape, and shared storage.
//
// Copies share storage (like a shared_ptr); `view` reinterprets the same
// bytes with another shape. Storage is either owned (zero-filled at creation)
// or borrowed from the caller, an arena or a loaded model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace storefuse::infer {

enum class DType : uint8_t { Float32, Int64, Int32, UInt8, Bool, Float16, Int8 };

const char* to_string(DType dtype);
size_t dtype_size(DType dtype);

// IEEE half precision, stored as its bit pattern.
struct Float16 {
  uint16_t bits = 0;
};
float to_float(Float16 h);
Float16 to_float16(float f);  // round to nearest even

// The C++ type of each element type.
template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }
template <> constexpr DType dtype_of<int32_t>() { return DType::Int32; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::UInt8; }
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }
template <> constexpr DType dtype_of<Float16>() { return DType::Float16; }
template <> constexpr DType dtype_of<int8_t>() { return DType::Int8; }

using Shape = std::vector<int64_t>;
int64_t numel(const Shape& shape);
// A tensor of this many bytes or more is refused before allocating (1 TiB).
inline constexpr int64_t kMaxTensorBytes = int64_t{1} << 40;
std::string to_string(const Shape& shape);  // "[7, 2048]"

class Tensor {
 public:
  Tensor() = default;  // undefined: no type, no storage
  Tensor(DType dtype, Shape shape);  // owned, zero-filled
  // Over `data`, which must hold numel(shape) elements and outlive every copy.
  Tensor(DType dtype, Shape shape, std::shared_ptr<void> data);

  template <class T>
  static Tensor from_vector(Shape shape, const std::vector<T>& values);

  bool defined() const { return data_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(int i) const { return shape_.at(i < 0 ? i + rank() : i); }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t numel() const { return infer::numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }

  void* raw() { return data_.get(); }
  const void* raw() const { return data_.get(); }
  // Typed access; throws if T is not the element type.
  template <class T> T* data() { check<T>(); return static_cast<T*>(data_.get()); }
  template <class T> const T* data() const { check<T>(); return static_cast<const T*>(data_.get()); }

  // The same storage with another shape of the same element count.
  Tensor view(Shape shape) const;
  // A deep copy with owned storage.
  Tensor clone() const;

 private:
  template <class T> void check() const {
    if (dtype_of<T>() != dtype_) throw_type_mismatch(dtype_of<T>());
  }
  [[noreturn]] void throw_type_mismatch(DType wanted) const;
  [[noreturn]] static void throw_count_mismatch(size_t count, const Shape& shape);

  DType dtype_ = DType::Float32;
  Shape shape_;
  std::shared_ptr<void> data_;
};

template <class T>
Tensor Tensor::from_vector(Shape shape, const std::vector<T>& values) {
  Tensor t(dtype_of<T>(), std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.numel()) throw_count_mismatch(values.size(), t.shape());
  T* out = t.data<T>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  return t;
}

}  // namespace storefuse::infer
