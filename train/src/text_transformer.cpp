#include "storefuse/train/text_transformer.h"

#include "storefuse/core/error.h"
#include "storefuse/train/component_params.h"
#include "storefuse/train/encoders.h"

namespace storefuse::train {

namespace nn = torch::nn;

TextTransformerOptions TextTransformerOptions::from_config(const config::Node& params,
                                                           const datasets::ModalitySpec& input,
                                                           int64_t embed_dim) {
  check_encoder_input(input, datasets::DType::Int32, 1, "text_transformer", "int32 token ids [L]", params);
  const json* vocab = input.params.contains("tokenizer") ? &input.params.at("tokenizer") : nullptr;
  if (!vocab || !vocab->contains("vocab_size") || !vocab->at("vocab_size").is_number_integer()) {
    throw Error(ErrorKind::Config, "text_transformer needs the tokenizer's vocab_size in the feature spec",
                params.origin().str(),
                "use a dataset whose text params hold the tokenizer (storefuse datagen --set "
                "retailsim.flavour=sequences writes it)");
  }
  ComponentParams p(params, {"dim", "heads", "ff_dim", "layers", "activation", "dropout"});
  TextTransformerOptions o;
  auto& l = o.layer;
  l.dim = p.integer("dim", l.dim, 1, 4096);
  l.heads = p.integer("heads", l.heads, 1, 64);
  if (l.dim % l.heads != 0) {
    throw Error(ErrorKind::Config, "dim must be a multiple of heads", params.origin().str());
  }
  l.ff_dim = p.integer("ff_dim", l.ff_dim, 1, 16384);
  l.activation = p.choice("activation", "gelu", {"relu", "gelu"}) == "relu" ? Activation::Relu : Activation::Gelu;
  l.dropout = p.real("dropout", l.dropout, 0.0, 0.99);
  o.layers = p.integer("layers", o.layers, 1, 24);
  o.vocab_size = vocab->at("vocab_size").get<int64_t>();
  o.max_len = input.shape[0];
  o.embed_dim = embed_dim;
  return o;
}

TextTransformerImpl::TextTransformerImpl(const TextTransformerOptions& o) : options_(o) {
  const int64_t d = o.layer.dim;
  embedding = register_module("embedding", nn::Embedding(o.vocab_size, d));
  position = register_parameter("position", torch::randn({o.max_len, d}) * 0.02);
  for (int64_t i = 0; i < o.layers; ++i) {
    layers_.push_back(register_module("layer" + std::to_string(i + 1), TransformerLayer(o.layer)));
  }
  norm = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({d})));
  proj = register_module("proj", nn::Linear(d, o.embed_dim));
}

torch::Tensor TextTransformerImpl::forward(const torch::Tensor& ids) {
  auto ids64 = ids.to(torch::kLong);
  auto real = ids64.ne(0);  // [B, L], false at padding
  // A row of padding only attends over all of it (its output is pooled away).
  auto allowed = real | real.any(1, true).logical_not();
  auto h = embedding(ids64) + position;
  for (auto& layer : layers_) h = layer(h, allowed);
  h = norm(h);
  // Mean over real tokens, as the ratio of two means (the exported graph
  // computes it the same way, with ReduceMean).
  auto w = real.to(h.scalar_type()).unsqueeze(2);  // [B, L, 1]
  auto share = w.mean(1);                          // [B, 1]
  auto pooled = (h * w).mean(1) / torch::where(share == 0, torch::ones_like(share), share);
  return proj(pooled);
}

}  // namespace storefuse::train
