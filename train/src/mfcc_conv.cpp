#include "storefuse/train/mfcc_conv.h"

#include "storefuse/core/error.h"
#include "storefuse/train/component_params.h"
#include "storefuse/train/encoders.h"

namespace storefuse::train {

namespace nn = torch::nn;

MfccConvOptions MfccConvOptions::from_config(const config::Node& params,
                                             const datasets::ModalitySpec& input, int64_t embed_dim) {
  check_encoder_input(input, datasets::DType::Float32, 2, "mfcc_conv", "float32 frames [T, C]", params);
  ComponentParams p(params, {"channels", "kernel", "batch_norm"});
  MfccConvOptions o;
  o.channels = p.ints("channels", o.channels, 1, 4096);
  o.kernel = p.integer("kernel", o.kernel, 1, 31);
  if (o.kernel % 2 == 0) throw Error(ErrorKind::Config, "kernel must be odd", params["kernel"].origin().str());
  o.batch_norm = p.flag("batch_norm", o.batch_norm);
  o.coefficients = input.shape[1];
  o.embed_dim = embed_dim;
  return o;
}

MfccConvImpl::MfccConvImpl(const MfccConvOptions& o) : options_(o) {
  int64_t in = o.coefficients;
  for (size_t i = 0; i < o.channels.size(); ++i) {
    const auto n = std::to_string(i + 1);
    convs_.push_back(register_module(
        "conv" + n, nn::Conv1d(nn::Conv1dOptions(in, o.channels[i], o.kernel).padding(o.kernel / 2))));
    if (o.batch_norm) norms_.push_back(register_module("norm" + n, nn::BatchNorm1d(o.channels[i])));
    in = o.channels[i];
  }
  proj = register_module("proj", nn::Linear(in, o.embed_dim));
}

torch::Tensor MfccConvImpl::forward(const torch::Tensor& mfcc) {
  auto x = mfcc.transpose(1, 2);  // [B, C, T]: coefficients are channels
  for (size_t i = 0; i < convs_.size(); ++i) {
    x = convs_[i](x);
    if (options_.batch_norm) x = norms_[i](x);
    x = torch::relu(x);
  }
  return proj(x.mean(2));
}

}  // namespace storefuse::train
