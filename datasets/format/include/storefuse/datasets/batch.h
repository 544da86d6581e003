// Batch: rows of a dataset held as contiguous, row-major arrays, one per
// column. The writer appends Batches, the reader and the loader return them.
// Every buffer is one allocation, so the trainer can wrap it without a copy:
//
//   const auto& v = batch.input(Modality::Visual);
//   torch::from_blob(const_cast<void*>(v.data()), v.shape, torch::kFloat32);
//
// A single sample is a Batch with rows == 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "storefuse/datasets/feature_spec.h"

namespace storefuse::datasets {

// A dense array of one dtype with shape [rows, ...sample shape].
struct Array {
  DType dtype = DType::Float32;
  std::vector<int64_t> shape;
  std::vector<std::byte> bytes;

  void* data() { return bytes.data(); }
  const void* data() const { return bytes.data(); }
  // Typed views; throw Error(Runtime) when T does not match dtype.
  template <class T> T* as();
  template <class T> const T* as() const;
  int64_t row_bytes() const;  // bytes per row (product of shape[1:] * dtype size)
};

struct Batch {
  int64_t rows = 0;
  std::array<Array, kNumModalities> inputs;  // [rows, ...spec shape], spec dtype
  std::vector<uint8_t> mask;                 // [rows, 4]: 1 = modality present

  // Targets; empty when has_targets is false (unlabeled ingest).
  bool has_targets = true;
  std::vector<int64_t> behavior;   // class index into FeatureSpec::class_names
  std::vector<float> dwell_s;      // seconds in the zone
  std::vector<float> engagement;   // 0..1

  // Ids, for slicing and deterministic traffic assignment.
  std::vector<int64_t> sample_id;
  std::vector<int64_t> customer_id;
  std::vector<int32_t> store_id;
  std::vector<int32_t> camera_id;
  std::vector<double> timestamp;   // seconds since the Unix epoch

  // Zero-filled rows shaped after `spec`.
  static Batch allocate(const FeatureSpec& spec, int64_t rows, bool has_targets);

  Array& input(Modality m) { return inputs[static_cast<int>(m)]; }
  const Array& input(Modality m) const { return inputs[static_cast<int>(m)]; }
  bool present(int64_t row, Modality m) const {
    return mask[row * kNumModalities + static_cast<int>(m)] != 0;
  }
  int64_t byte_size() const;  // sum of all buffers, for memory accounting
};

// Copies n rows src[src_row..] into dst[dst_row..]. Both batches must have the
// same column layout (same spec and has_targets); checked.
void copy_rows(const Batch& src, int64_t src_row, Batch& dst, int64_t dst_row, int64_t n);

// Checks that `b` is shaped after `spec` (dtypes, sample shapes, column
// lengths, has_targets). Throws Error(Data) naming the first mismatching column.
void check_batch(const Batch& b, const FeatureSpec& spec, bool has_targets);

template <class T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::Float32; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::Int32; };

void throw_dtype_mismatch(DType have, DType want);

template <class T> T* Array::as() {
  if (dtype != DTypeOf<T>::value) throw_dtype_mismatch(dtype, DTypeOf<T>::value);
  return reinterpret_cast<T*>(bytes.data());
}
template <class T> const T* Array::as() const {
  if (dtype != DTypeOf<T>::value) throw_dtype_mismatch(dtype, DTypeOf<T>::value);
  return reinterpret_cast<const T*>(bytes.data());
}

}  // namespace storefuse::datasets
