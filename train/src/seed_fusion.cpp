#include "storefuse/train/seed_fusion.h"

#include "storefuse/core/error.h"

namespace storefuse::train {

SeedFusionOptions SeedFusionOptions::from_config(const config::Node& params,
                                                 const datasets::FeatureSpec& spec) {
  params.check_keys({"embed_dim", "heads", "encoder_hidden", "encoder_dropout",
                     "attention_dropout", "fusion_hidden", "fusion_dropout"});
  if (spec.flavour != datasets::Flavour::Vectors) {
    throw Error(ErrorKind::Config, "seed_fusion needs a dataset of feature vectors",
                params.origin().str(), "use a `vectors` dataset, or a model with learned encoders");
  }
  SeedFusionOptions o;
  for (int m = 0; m < kNumModalities; ++m) o.input_dims[m] = spec.modalities[m].numel();
  o.classes = static_cast<int64_t>(spec.class_names.size());
  o.embed_dim = params["embed_dim"].as_int(1, 65536);
  o.heads = params["heads"].as_int(1, 256);
  if (o.embed_dim % o.heads != 0) {
    throw Error(ErrorKind::Config, "embed_dim must be a multiple of heads",
                params["heads"].origin().str());
  }
  auto hidden = params["encoder_hidden"].as_int_list();
  if (hidden.size() != kNumModalities) {
    throw Error(ErrorKind::Config, "encoder_hidden needs one width per modality (4)",
                params["encoder_hidden"].origin().str(), "e.g. [512, 256, 512, 64]");
  }
  for (int m = 0; m < kNumModalities; ++m) {
    if (hidden[m] < 1) throw Error(ErrorKind::Config, "widths must be positive",
                                   params["encoder_hidden"].origin().str());
    o.encoder_hidden[m] = hidden[m];
  }
  o.encoder_dropout = params["encoder_dropout"].as_double(0.0, 0.99);
  o.attention_dropout = params["attention_dropout"].as_double(0.0, 0.99);
  o.fusion_hidden = params["fusion_hidden"].as_int_list();
  if (o.fusion_hidden.empty()) {
    throw Error(ErrorKind::Config, "fusion_hidden needs at least one width",
                params["fusion_hidden"].origin().str());
  }
  for (auto w : o.fusion_hidden) {
    if (w < 1) throw Error(ErrorKind::Config, "widths must be positive",
                           params["fusion_hidden"].origin().str());
  }
  o.fusion_dropout = params["fusion_dropout"].as_double(0.0, 0.99);
  return o;
}

SeedFusionImpl::SeedFusionImpl(const SeedFusionOptions& o) {
  for (int m = 0; m < kNumModalities; ++m) {
    encoders_[m] = register_module(
        datasets::to_string(datasets::kModalities[m]),
        MlpEncoder(o.input_dims[m], o.encoder_hidden[m], o.embed_dim, o.encoder_dropout));
  }
  attention = register_module("attention",
                              ModalityAttention(o.embed_dim, o.heads, o.attention_dropout));
  fusion = register_module("fusion",
                           FusionMlp(kNumModalities * o.embed_dim, o.fusion_hidden, o.fusion_dropout));
  const int64_t width = fusion->out_features();
  behavior_head = register_module("behavior_head", torch::nn::Linear(width, o.classes));
  dwell_head = register_module("dwell_head", torch::nn::Linear(width, 1));
  engagement_head = register_module("engagement_head", torch::nn::Linear(width, 1));
  init_xavier_zero_bias(*this);
}

ModelOutput SeedFusionImpl::forward(const ModelInput& input) {
  std::vector<torch::Tensor> tokens;
  for (int m = 0; m < kNumModalities; ++m) tokens.push_back(encoders_[m](input.inputs[m]));
  auto stacked = torch::stack(tokens, 1);  // [B, 4, E]
  auto present = input.mask.to(torch::kBool);
  auto allowed = present;
  if (!present.all().item<bool>()) {
    stacked = stacked * present.unsqueeze(-1).to(stacked.dtype());
    allowed = present | present.any(1, true).logical_not();
  }
  auto fused = fusion(attention(stacked, allowed).flatten(1));
  return finish(behavior_head(fused), dwell_head(fused).squeeze(1),
                engagement_head(fused).squeeze(1), stacked);
}

}  // namespace storefuse::train
