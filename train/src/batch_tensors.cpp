#include "storefuse/train/batch_tensors.h"

#include <algorithm>

#include "storefuse/core/error.h"

namespace storefuse::train {
namespace {

torch::ScalarType scalar_type(datasets::DType t) {
  switch (t) {
    case datasets::DType::Float32: return torch::kFloat32;
    case datasets::DType::UInt8: return torch::kUInt8;
    case datasets::DType::Int32: return torch::kInt32;
  }
  return torch::kFloat32;
}

template <class T>
torch::Tensor wrap(std::vector<T>& v, std::vector<int64_t> shape, torch::ScalarType type) {
  return torch::from_blob(v.data(), shape, type);
}

}  // namespace

TrainBatch to_tensors(datasets::Batch& batch, const torch::Device& device) {
  if (!batch.has_targets) {
    throw Error(ErrorKind::Data, "training and validation need a labelled dataset (has_targets = 0)");
  }
  TrainBatch out;
  const int64_t n = batch.rows;
  for (int m = 0; m < kNumModalities; ++m) {
    auto& a = batch.inputs[m];
    out.input.inputs[m] = torch::from_blob(a.data(), a.shape, scalar_type(a.dtype)).to(device);
  }
  out.input.mask = wrap(batch.mask, {n, kNumModalities}, torch::kUInt8).to(device);
  out.targets.behavior = wrap(batch.behavior, {n}, torch::kInt64).to(device);
  out.targets.dwell_s = wrap(batch.dwell_s, {n}, torch::kFloat32).to(device);
  out.targets.engagement = wrap(batch.engagement, {n}, torch::kFloat32).to(device);
  return out;
}

TrainBatch slice_rows(const TrainBatch& batch, int64_t begin, int64_t end) {
  auto rows = [&](const torch::Tensor& t) { return t.defined() ? t.slice(0, begin, end) : t; };
  TrainBatch out;
  for (size_t m = 0; m < batch.input.inputs.size(); ++m) out.input.inputs[m] = rows(batch.input.inputs[m]);
  out.input.mask = rows(batch.input.mask);
  out.targets = {rows(batch.targets.behavior), rows(batch.targets.dwell_s), rows(batch.targets.engagement)};
  return out;
}

torch::Tensor drop_modalities(const torch::Tensor& mask,
                              const std::array<double, datasets::kNumModalities>& p) {
  if (std::all_of(p.begin(), p.end(), [](double x) { return x <= 0.0; })) return mask;
  // Drawn on the CPU generator whatever the device: the checkpoint saves that
  // generator, so a resumed run draws the same masks.
  auto rates = torch::tensor(std::vector<float>(p.begin(), p.end()));
  auto keep = torch::rand(mask.sizes()) >= rates;
  return mask * keep.to(mask.device(), mask.scalar_type());
}

}  // namespace storefuse::train
