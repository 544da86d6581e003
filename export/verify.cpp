// Export verification: the ONNX file through storefuse's own runtime (the
// model adapter, as predict runs it) against the LibTorch model it came from.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "storefuse/contract/model_adapter.h"
#include "storefuse/contract/model_io.h"
#include "storefuse/core/error.h"
#include "storefuse/export/export.h"

namespace storefuse::exporter {
namespace {

namespace ds = datasets;

// Rows of LibTorch inputs as a dataset batch (inputs and mask only).
ds::Batch to_batch(const train::ModelInput& in) {
  ds::Batch b;
  b.rows = in.mask.size(0);
  b.has_targets = false;
  for (int k = 0; k < ds::kNumModalities; ++k) {
    torch::Tensor t = in.inputs[k].contiguous();
    ds::Array& a = b.inputs[k];
    switch (t.scalar_type()) {
      case torch::kFloat: a.dtype = ds::DType::Float32; break;
      case torch::kByte: a.dtype = ds::DType::UInt8; break;
      case torch::kInt: a.dtype = ds::DType::Int32; break;
      default:
        throw Error(ErrorKind::Unsupported, "verification input of an unsupported type",
                    std::string(t.dtype().name()));
    }
    a.shape.assign(t.sizes().begin(), t.sizes().end());
    a.bytes.resize(t.nbytes());
    std::memcpy(a.bytes.data(), t.data_ptr(), t.nbytes());
  }
  torch::Tensor m = in.mask.to(torch::kByte).contiguous();
  b.mask.assign(m.data_ptr<uint8_t>(), m.data_ptr<uint8_t>() + m.numel());
  return b;
}

void compare(const torch::Tensor& expected, const std::vector<float>& got, const Tolerance& tol,
             OutputDiff& diff) {
  torch::Tensor e = expected.detach().to(torch::kDouble).contiguous().flatten();
  if (e.numel() != int64_t(got.size())) {
    throw Error(ErrorKind::Model, "the exported model's output has " + std::to_string(got.size()) +
                                      " values, LibTorch's has " + std::to_string(e.numel()),
                "export verification", "this is an emitter bug; please report it");
  }
  const double* b = e.data_ptr<double>();
  for (size_t i = 0; i < got.size(); ++i) {
    const double a = got[i], d = std::abs(a - b[i]);
    if (!std::isfinite(a) || !std::isfinite(d)) {
      diff.max_abs = diff.worst_ratio = diff.max_scaled = INFINITY;
      continue;
    }
    diff.max_abs = std::max(diff.max_abs, d);
    if (std::abs(b[i]) >= tol.atol) diff.max_rel = std::max(diff.max_rel, d / std::abs(b[i]));
    diff.worst_ratio = std::max(diff.worst_ratio, d / (tol.atol + tol.rtol * std::abs(b[i])));
    diff.max_scaled = std::max(diff.max_scaled, d / (1.0 + std::abs(b[i])));
  }
}

std::vector<float> as_vector(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

}  // namespace

std::string Verification::worst_output() const {
  auto it = std::max_element(per_output.begin(), per_output.end(), [](const auto& x, const auto& y) {
    return !(x.second.worst_ratio >= y.second.worst_ratio);  // a NaN ratio counts as the largest
  });
  return it->first;
}

bool Verification::gross() const {
  return std::any_of(per_output.begin(), per_output.end(), [](const auto& o) { return !(o.second.max_scaled <= 1e-2); });
}

Verification verify(train::FusionModelImpl& model, const std::string& onnx_bytes,
                    const train::ModelInput& samples, const std::vector<int64_t>& batch_sizes,
                    const Tolerance& tolerance) {
  const contract::ModelAdapter adapter(infer::Model::load_bytes(onnx_bytes), "the exported model");
  infer::Session session(adapter.shared_model());
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  Verification v;
  v.samples = samples.mask.size(0);
  v.batch_sizes = batch_sizes;
  v.tolerance = tolerance;
  for (const char* name : contract::kOutputs) v.per_output[name] = {};
  const train::DwellScale dwell = model.dwell_scale();
  for (int64_t batch : batch_sizes) {
    for (int64_t start = 0; start < v.samples; start += batch) {
      const int64_t len = std::min(batch, v.samples - start);
      train::ModelInput in;
      for (int k = 0; k < datasets::kNumModalities; ++k) in.inputs[k] = samples.inputs[k].narrow(0, start, len);
      in.mask = samples.mask.narrow(0, start, len);
      const auto expected = model.forward(in);
      const contract::ModelOutputs got = adapter.run(session, to_batch(in));
      compare(expected.behavior_logits, got.behavior_logits, tolerance, v.per_output[contract::kBehaviorLogits]);
      const torch::Tensor got_dwell = torch::tensor(got.dwell_s);
      compare(dwell.normalize(expected.dwell_s.to(torch::kFloat)), as_vector(dwell.normalize(got_dwell)), tolerance,
              v.per_output[contract::kDwellS]);
      compare(expected.engagement, got.engagement, tolerance, v.per_output[contract::kEngagement]);
    }
  }
  for (const auto& [name, d] : v.per_output) {
    v.max_abs_diff = std::max(v.max_abs_diff, d.max_abs);
    v.max_rel_diff = std::max(v.max_rel_diff, d.max_rel);
  }
  if (was_training) model.train();
  return v;
}

}  // namespace storefuse::exporter
