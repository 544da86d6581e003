#include "storefuse/train/transformer_layer.h"

#include "storefuse/train/ops.h"

namespace storefuse::train {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

TransformerLayerImpl::TransformerLayerImpl(const TransformerLayerOptions& o) : options_(o) {
  norm1 = register_module("norm1", nn::LayerNorm(nn::LayerNormOptions({o.dim})));
  attention = register_module("attention", ModalityAttention(o.dim, o.heads, o.dropout));
  norm2 = register_module("norm2", nn::LayerNorm(nn::LayerNormOptions({o.dim})));
  ff1 = register_module("ff1", nn::Linear(o.dim, o.ff_dim));
  ff2 = register_module("ff2", nn::Linear(o.ff_dim, o.dim));
}

torch::Tensor TransformerLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& allowed) {
  const double p = options_.dropout;
  const bool training = is_training();
  auto h = x + F::dropout(attention(norm1(x), allowed), F::DropoutFuncOptions().p(p).training(training));
  auto a = ff1(norm2(h));
  a = options_.activation == Activation::Relu
          ? relu_dropout_(a, p, training)
          : F::dropout(torch::gelu(a), F::DropoutFuncOptions().p(p).training(training));
  return h + F::dropout(ff2(a), F::DropoutFuncOptions().p(p).training(training));
}

}  // namespace storefuse::train
