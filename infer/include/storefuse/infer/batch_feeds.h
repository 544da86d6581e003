// Dataset rows as runtime inputs: the feeds a storefuse model takes
// (visual, audio, text, sensor, mask) from a datasets::Batch. Header-only so
// that the runtime library itself does not depend on the HDF5 dataset code;
// users of this header link storefuse_dataset.
#pragma once

#include <cstring>
#include <map>
#include <string>

#include "storefuse/datasets/batch.h"
#include "storefuse/infer/tensor.h"

namespace storefuse::infer {

inline DType runtime_dtype(datasets::DType t) {
  switch (t) {
    case datasets::DType::Float32: return DType::Float32;
    case datasets::DType::UInt8: return DType::UInt8;
    case datasets::DType::Int32: return DType::Int32;
  }
  return DType::Float32;
}

inline std::map<std::string, Tensor> feeds_from_batch(const datasets::Batch& b) {
  std::map<std::string, Tensor> feeds;
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    const datasets::Array& a = b.inputs[k];
    Tensor t(runtime_dtype(a.dtype), a.shape);
    std::memcpy(t.raw(), a.bytes.data(), t.nbytes());
    feeds[datasets::to_string(datasets::kModalities[k])] = std::move(t);
  }
  feeds["mask"] = Tensor::from_vector<uint8_t>({b.rows, datasets::kNumModalities}, b.mask);
  return feeds;
}

}  // namespace storefuse::infer
