#include "storefuse/train/frame_cnn.h"

#include "storefuse/core/error.h"
#include "storefuse/train/component_params.h"
#include "storefuse/train/encoders.h"

namespace storefuse::train {

namespace nn = torch::nn;

FrameCnnOptions FrameCnnOptions::from_config(const config::Node& params,
                                             const datasets::ModalitySpec& input, int64_t embed_dim) {
  check_encoder_input(input, datasets::DType::UInt8, 3, "frame_cnn", "uint8 frames [T, H, W]", params);
  ComponentParams p(params, {"channels", "kernel", "stride", "batch_norm"});
  FrameCnnOptions o;
  o.channels = p.ints("channels", o.channels, 1, 4096);
  o.kernel = p.integer("kernel", o.kernel, 1, 15);
  if (o.kernel % 2 == 0) throw Error(ErrorKind::Config, "kernel must be odd", params["kernel"].origin().str());
  o.stride = p.integer("stride", o.stride, 1, 8);
  o.batch_norm = p.flag("batch_norm", o.batch_norm);
  o.frames = input.shape[0];
  o.height = input.shape[1];
  o.width = input.shape[2];
  o.embed_dim = embed_dim;
  return o;
}

FrameCnnImpl::FrameCnnImpl(const FrameCnnOptions& o) : options_(o) {
  int64_t in = 1;
  for (size_t i = 0; i < o.channels.size(); ++i) {
    const auto n = std::to_string(i + 1);
    convs_.push_back(register_module(
        "conv" + n, nn::Conv2d(nn::Conv2dOptions(in, o.channels[i], o.kernel).stride(o.stride).padding(o.kernel / 2))));
    if (o.batch_norm) norms_.push_back(register_module("norm" + n, nn::BatchNorm2d(o.channels[i])));
    in = o.channels[i];
  }
  proj = register_module("proj", nn::Linear(in, o.embed_dim));
}

torch::Tensor FrameCnnImpl::forward(const torch::Tensor& frames) {
  const auto& o = options_;
  auto x = frames.to(torch::kFloat).mul(1.0f / 255.0f).reshape({-1, 1, o.height, o.width});
  for (size_t i = 0; i < convs_.size(); ++i) {
    x = convs_[i](x);
    if (o.batch_norm) x = norms_[i](x);
    x = torch::relu(x);
  }
  auto per_frame = x.mean({2, 3}).reshape({-1, o.frames, x.size(1)});  // [B, T, C]
  return proj(per_frame.mean(1));
}

}  // namespace storefuse::train
