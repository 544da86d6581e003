#include "storefuse/export/export.h"

#include "storefuse/contract/model_io.h"
#include "storefuse/core/error.h"
#include "storefuse/export/emitter.h"

namespace storefuse::exporter {
namespace {

int32_t onnx_type(datasets::DType t) {
  switch (t) {
    case datasets::DType::Float32: return onnx::TensorProto::FLOAT;
    case datasets::DType::UInt8: return onnx::TensorProto::UINT8;
    case datasets::DType::Int32: return onnx::TensorProto::INT32;
  }
  return onnx::TensorProto::FLOAT;
}

}  // namespace

onnx::ModelProto export_model(const train::FusionModelImpl& model,
                              const datasets::FeatureSpec& spec, const ExportOptions& options) {
  GraphBuilder g("storefuse", options.opset, options.precision);
  std::vector<std::string> inputs;
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    const auto& ms = spec.modalities[k];
    std::vector<int64_t> dims{kBatch};
    dims.insert(dims.end(), ms.shape.begin(), ms.shape.end());
    inputs.push_back(g.input(datasets::to_string(datasets::kModalities[k]), onnx_type(ms.dtype), dims));
  }
  auto mask = g.input(contract::kMaskInput, onnx::TensorProto::UINT8, {kBatch, datasets::kNumModalities});
  inputs.push_back(g.node("Cast", {mask}, {Attr::i("to", onnx::TensorProto::FLOAT)}));

  Emitter e(g);
  auto heads = e.emit("model", model, inputs);

  // The heads' common tail: seconds from the normalised dwell head
  // (expm1 of it in log space, train::DwellScale), and the engagement sigmoid.
  auto axis = g.ints("head_axis", {1});
  auto dwell_norm = g.node("Squeeze", {heads.at(1), axis});
  auto dwell_s = g.node("Add", {g.node("Mul", {dwell_norm, g.constant("dwell_std_s", buffer(model, "dwell_std_s"))}),
                                g.constant("dwell_mean_s", buffer(model, "dwell_mean_s"))});
  if (model.dwell_scale().log) {
    dwell_s = g.node("Sub", {g.node("Exp", {dwell_s}), g.constant("one_s", torch::ones({}))});
  }
  auto engagement = g.node("Sigmoid", {g.node("Squeeze", {heads.at(2), axis})});
  const int64_t classes = static_cast<int64_t>(spec.class_names.size());
  g.output(heads.at(0), contract::kBehaviorLogits, onnx::TensorProto::FLOAT, {kBatch, classes});
  g.output(dwell_s, contract::kDwellS, onnx::TensorProto::FLOAT, {kBatch});
  g.output(engagement, contract::kEngagement, onnx::TensorProto::FLOAT, {kBatch});

  onnx::ModelProto proto = g.finish(options.metadata);
  check_onnx(proto);
  return proto;
}

}  // namespace storefuse::exporter
