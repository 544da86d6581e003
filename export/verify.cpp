// Export verification: the ONNX file through storefuse's own runtime against
// the LibTorch model it came from.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "storefuse/core/error.h"
#include "storefuse/export/export.h"
#include "storefuse/infer/model.h"
#include "storefuse/infer/session.h"

namespace storefuse::exporter {
namespace {

infer::Tensor to_runtime(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  infer::DType dtype;
  switch (c.scalar_type()) {
    case torch::kFloat: dtype = infer::DType::Float32; break;
    case torch::kByte: dtype = infer::DType::UInt8; break;
    case torch::kInt: dtype = infer::DType::Int32; break;
    default:
      throw Error(ErrorKind::Unsupported, "verification input of an unsupported type",
                  std::string(c.dtype().name()));
  }
  infer::Tensor out(dtype, infer::Shape(c.sizes().begin(), c.sizes().end()));
  std::memcpy(out.raw(), c.data_ptr(), out.nbytes());
  return out;
}

// `transform` maps both sides before they are compared (the dwell head's units).
double max_diff(const torch::Tensor& expected, const infer::Tensor& got,
                const std::function<torch::Tensor(const torch::Tensor&)>& transform) {
  torch::Tensor e = expected.detach().to(torch::kFloat).contiguous().flatten();
  if (e.numel() != got.numel()) {
    throw Error(ErrorKind::Model, "the exported model's output has " + std::to_string(got.numel()) +
                                      " values, LibTorch's has " + std::to_string(e.numel()),
                "export verification", "this is an emitter bug; please report it");
  }
  torch::Tensor g = torch::from_blob(const_cast<float*>(got.data<float>()), {e.numel()}, torch::kFloat);
  const torch::Tensor d = (transform(e).to(torch::kDouble) - transform(g).to(torch::kDouble)).abs();
  return d.isnan().any().item<bool>() ? INFINITY : d.max().item<double>();
}

}  // namespace

Verification verify(train::FusionModelImpl& model, const std::string& onnx_bytes,
                    const train::ModelInput& samples, const std::vector<int64_t>& batch_sizes) {
  auto runtime = infer::Model::load_bytes(onnx_bytes);
  infer::Session session(runtime);
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  Verification v;
  v.samples = samples.mask.size(0);
  v.batch_sizes = batch_sizes;
  const char* names[] = {"behavior_logits", "dwell_s", "engagement"};
  // dwell_s is in seconds (hundreds): float32 resolves it to ~1e-4, so it is
  // compared in the dwell head's own units (normalised seconds or log-seconds).
  const train::DwellScale dwell = model.dwell_scale();
  const auto head_units = [&](const torch::Tensor& t) { return dwell.normalize(t); };
  const auto as_is = [](const torch::Tensor& t) { return t; };
  for (int64_t batch : batch_sizes) {
    for (int64_t start = 0; start < v.samples; start += batch) {
      const int64_t len = std::min(batch, v.samples - start);
      train::ModelInput in;
      std::map<std::string, infer::Tensor> feeds;
      for (int k = 0; k < datasets::kNumModalities; ++k) {
        in.inputs[k] = samples.inputs[k].narrow(0, start, len);
        feeds[datasets::to_string(datasets::kModalities[k])] = to_runtime(in.inputs[k]);
      }
      in.mask = samples.mask.narrow(0, start, len);
      feeds["mask"] = to_runtime(in.mask.to(torch::kByte));
      auto expected = model.forward(in);
      auto got = session.run(feeds);
      const torch::Tensor* refs[] = {&expected.behavior_logits, &expected.dwell_s, &expected.engagement};
      for (int o = 0; o < 3; ++o) {
        double d = o == 1 ? max_diff(*refs[o], got.at(names[o]), head_units)
                          : max_diff(*refs[o], got.at(names[o]), as_is);
        v.per_output[names[o]] = std::max(v.per_output[names[o]], d);
        v.max_abs_diff = std::max(v.max_abs_diff, d);
      }
    }
  }
  if (was_training) model.train();
  return v;
}

}  // namespace storefuse::exporter
