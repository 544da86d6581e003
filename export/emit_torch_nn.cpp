// Emitters of the torch::nn layers the zoo's encoders use: Conv1d/Conv2d,
// BatchNorm1d/2d (inference form, running statistics) and LayerNorm.
#include "emitters_internal.h"
#include "storefuse/core/error.h"

namespace storefuse::exporter {
namespace {

template <size_t D>
std::vector<int64_t> values(const torch::ExpandingArray<D>& a) {
  return at::ArrayRef<int64_t>(a).vec();
}

template <size_t D, class ConvImpl>
std::vector<std::string> emit_conv(Emitter& e, const ConvImpl& conv, const std::string& x) {
  const auto& o = conv.options;
  const auto* padding = c10::get_if<torch::ExpandingArray<D>>(&o.padding());
  if (!padding || !c10::get_if<torch::enumtype::kZeros>(&o.padding_mode())) {
    throw Error(ErrorKind::Unsupported, "only explicit zero padding of convolutions is exported",
                "module " + conv.name());
  }
  const auto begins = values(*padding);
  std::vector<int64_t> pads = begins;
  pads.insert(pads.end(), begins.begin(), begins.end());  // begins, then the same ends
  std::vector<std::string> inputs = {x, e.graph().constant("weight", param(conv, "weight"))};
  if (o.bias()) inputs.push_back(e.graph().constant("bias", param(conv, "bias")));
  return {e.graph().node("Conv", inputs,
                         {Attr::ints("strides", values(o.stride())), Attr::ints("dilations", values(o.dilation())),
                          Attr::ints("pads", pads), Attr::i("group", o.groups())})};
}

template <class NormImpl>
std::vector<std::string> emit_batch_norm(Emitter& e, const NormImpl& norm, const std::string& x) {
  const auto& o = norm.options;
  if (!o.affine() || !o.track_running_stats()) {
    throw Error(ErrorKind::Unsupported, "batch norm without affine parameters or running statistics",
                "module " + norm.name());
  }
  auto& g = e.graph();
  return {g.node("BatchNormalization",
                 {x, g.constant("weight", param(norm, "weight")), g.constant("bias", param(norm, "bias")),
                  g.constant("running_mean", buffer(norm, "running_mean")),
                  g.constant("running_var", buffer(norm, "running_var"))},
                 {Attr::f("epsilon", static_cast<float>(o.eps()))})};
}

}  // namespace

// x [N, C, L] -> Conv with the module's stride, dilation, zero padding, groups.
std::vector<std::string> emit_conv1d(Emitter& e, const torch::nn::Module& m,
                                     const std::vector<std::string>& in) {
  return emit_conv<1>(e, dynamic_cast<const torch::nn::Conv1dImpl&>(m), in.at(0));
}

// x [N, C, H, W] -> Conv.
std::vector<std::string> emit_conv2d(Emitter& e, const torch::nn::Module& m,
                                     const std::vector<std::string>& in) {
  return emit_conv<2>(e, dynamic_cast<const torch::nn::Conv2dImpl&>(m), in.at(0));
}

// x [N, C, L] -> BatchNormalization with the running statistics.
std::vector<std::string> emit_batch_norm1d(Emitter& e, const torch::nn::Module& m,
                                           const std::vector<std::string>& in) {
  return emit_batch_norm(e, dynamic_cast<const torch::nn::BatchNorm1dImpl&>(m), in.at(0));
}

// x [N, C, H, W] -> BatchNormalization.
std::vector<std::string> emit_batch_norm2d(Emitter& e, const torch::nn::Module& m,
                                           const std::vector<std::string>& in) {
  return emit_batch_norm(e, dynamic_cast<const torch::nn::BatchNorm2dImpl&>(m), in.at(0));
}

// x [..., D] -> LayerNormalization over the last axis.
std::vector<std::string> emit_layer_norm(Emitter& e, const torch::nn::Module& m,
                                         const std::vector<std::string>& in) {
  const auto& norm = dynamic_cast<const torch::nn::LayerNormImpl&>(m);
  const auto& o = norm.options;
  if (o.normalized_shape().size() != 1 || !o.elementwise_affine()) {
    throw Error(ErrorKind::Unsupported, "layer norm over more than the last axis, or without affine parameters",
                "module " + norm.name());
  }
  auto& g = e.graph();
  return {g.node("LayerNormalization",
                 {in.at(0), g.constant("weight", param(norm, "weight")), g.constant("bias", param(norm, "bias"))},
                 {Attr::i("axis", -1), Attr::f("epsilon", static_cast<float>(o.eps()))})};
}

}  // namespace storefuse::exporter
