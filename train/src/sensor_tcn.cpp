#include "storefuse/train/sensor_tcn.h"

#include "storefuse/train/component_params.h"
#include "storefuse/train/encoders.h"

namespace storefuse::train {

namespace nn = torch::nn;

SensorTcnOptions SensorTcnOptions::from_config(const config::Node& params,
                                               const datasets::ModalitySpec& input, int64_t embed_dim) {
  check_encoder_input(input, datasets::DType::Float32, 2, "sensor_tcn", "float32 windows [T, C]", params);
  ComponentParams p(params, {"channels", "kernel", "dilations", "pool"});
  SensorTcnOptions o;
  o.channels = p.integer("channels", o.channels, 1, 4096);
  o.kernel = p.integer("kernel", o.kernel, 1, 31);
  o.dilations = p.ints("dilations", o.dilations, 1, 1024);
  o.pool = p.choice("pool", "mean", {"last", "mean"}) == "last" ? TimePool::Last : TimePool::Mean;
  o.input_channels = input.shape[1];
  o.embed_dim = embed_dim;
  return o;
}

SensorTcnImpl::SensorTcnImpl(const SensorTcnOptions& o) : options_(o) {
  int64_t in = o.input_channels;
  for (size_t i = 0; i < o.dilations.size(); ++i) {
    convs_.push_back(register_module(
        "conv" + std::to_string(i + 1),
        nn::Conv1d(nn::Conv1dOptions(in, o.channels, o.kernel).dilation(o.dilations[i]))));
    in = o.channels;
  }
  out = register_module("out", nn::Linear(o.channels, o.embed_dim));
}

torch::Tensor SensorTcnImpl::steps(const torch::Tensor& x) {
  auto h = x.transpose(1, 2);  // [B, C, T]
  for (size_t i = 0; i < convs_.size(); ++i) {
    const int64_t left = (options_.kernel - 1) * options_.dilations[i];
    h = torch::relu(convs_[i](nn::functional::pad(h, nn::functional::PadFuncOptions({left, 0}))));
  }
  return torch::sigmoid(out(h.transpose(1, 2)));  // [B, T, E]
}

torch::Tensor SensorTcnImpl::forward(const torch::Tensor& x) {
  auto y = steps(x);
  return options_.pool == TimePool::Last ? y.select(1, -1) : y.mean(1);
}

}  // namespace storefuse::train
