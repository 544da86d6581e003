#include "storefuse/train/encoders.h"

#include "storefuse/core/error.h"
#include "storefuse/train/component_params.h"
#include "storefuse/train/frame_cnn.h"
#include "storefuse/train/layers.h"
#include "storefuse/train/mfcc_conv.h"
#include "storefuse/train/sensor_tcn.h"
#include "storefuse/train/text_transformer.h"

namespace storefuse::train {
namespace {

std::string describe(const datasets::ModalitySpec& input) {
  std::string s = std::string(datasets::to_string(input.dtype)) + " [";
  for (size_t i = 0; i < input.shape.size(); ++i) s += (i ? ", " : "") + std::to_string(input.shape[i]);
  return s + "]";
}

torch::nn::AnyModule make_mlp(const config::Node& params, const datasets::ModalitySpec& input,
                              int64_t embed_dim) {
  check_encoder_input(input, datasets::DType::Float32, 1, "mlp", "float32 vectors [D]", params);
  ComponentParams p(params, {"hidden", "dropout"});
  return torch::nn::AnyModule(MlpEncoder(input.shape[0], p.integer("hidden", 256, 1, 65536), embed_dim,
                                         p.real("dropout", 0.2, 0.0, 0.99)));
}

}  // namespace

void check_encoder_input(const datasets::ModalitySpec& input, datasets::DType dtype, size_t rank,
                         const std::string& encoder, const std::string& expected,
                         const config::Node& where) {
  if (input.dtype == dtype && input.shape.size() == rank) return;
  throw Error(ErrorKind::Config, encoder + " reads " + expected + ", the dataset has " + describe(input),
              where.origin().str(),
              "choose an encoder that fits the dataset's flavour (docs/model-zoo.md, fusion_net)");
}

const std::vector<EncoderEntry>& encoder_zoo() {
  static const std::vector<EncoderEntry> zoo = {
      {"mlp", "feature vectors: Linear, ReLU, Dropout, Linear (the seed's encoder)", make_mlp},
      {"frame_cnn", "video frames: 2-D conv stack per frame, mean over space and time",
       [](const config::Node& p, const datasets::ModalitySpec& in, int64_t e) {
         return torch::nn::AnyModule(FrameCnn(FrameCnnOptions::from_config(p, in, e)));
       }},
      {"mfcc_conv", "MFCC frames: Conv1d layers over time, mean over time",
       [](const config::Node& p, const datasets::ModalitySpec& in, int64_t e) {
         return torch::nn::AnyModule(MfccConv(MfccConvOptions::from_config(p, in, e)));
       }},
      {"text_transformer", "token ids: embedding, transformer layers with a padding mask, masked mean",
       [](const config::Node& p, const datasets::ModalitySpec& in, int64_t e) {
         return torch::nn::AnyModule(TextTransformer(TextTransformerOptions::from_config(p, in, e)));
       }},
      {"sensor_tcn", "sensor windows: causal dilated TCN, sigmoid output, last step or mean",
       [](const config::Node& p, const datasets::ModalitySpec& in, int64_t e) {
         return torch::nn::AnyModule(SensorTcn(SensorTcnOptions::from_config(p, in, e)));
       }},
  };
  return zoo;
}

torch::nn::AnyModule make_encoder(const config::Node& encoder_cfg, const datasets::ModalitySpec& input,
                                  int64_t embed_dim) {
  encoder_cfg.check_keys({"type", "params"});
  std::vector<std::string> known;
  for (const auto& entry : encoder_zoo()) known.push_back(entry.type);
  const std::string type = encoder_cfg["type"].as_choice(known);
  const config::Node none = config::Node::null(encoder_cfg.origin());
  const config::Node& params = encoder_cfg.has("params") ? encoder_cfg["params"] : none;
  for (const auto& entry : encoder_zoo()) {
    if (type == entry.type) return entry.make(params, input, embed_dim);
  }
  throw Error(ErrorKind::Config, "unknown encoder type '" + type + "'", encoder_cfg.origin().str());
}

}  // namespace storefuse::train
