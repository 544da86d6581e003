// Emitters of the learned encoders (train/frame_cnn.h, mfcc_conv.h,
// sensor_tcn.h, transformer_layer.h, text_transformer.h).
#include <cmath>

#include "emitters_internal.h"
#include "storefuse/train/frame_cnn.h"
#include "storefuse/train/mfcc_conv.h"
#include "storefuse/train/sensor_tcn.h"
#include "storefuse/train/text_transformer.h"
#include "storefuse/train/transformer_layer.h"

namespace storefuse::exporter {
namespace {

// y = x W^T + b for x [B, T, in], in the child's name scope.
std::string linear3(Emitter& e, const torch::nn::Module& parent, const std::string& name,
                    const std::string& x) {
  const auto& fc = child(parent, name);
  e.graph().push_scope(name);
  auto y = e.graph().linear(x, param(fc, "weight"), param(fc, "bias"), 3);
  e.graph().pop_scope();
  return y;
}

// conv_i [-> norm_i] -> Relu, for i = 1..layers.
std::string conv_stack(Emitter& e, const torch::nn::Module& m, size_t layers, bool batch_norm,
                       std::string x) {
  for (size_t i = 1; i <= layers; ++i) {
    x = e.emit1("conv" + std::to_string(i), child(m, "conv" + std::to_string(i)), {x});
    if (batch_norm) x = e.emit1("norm" + std::to_string(i), child(m, "norm" + std::to_string(i)), {x});
    x = e.graph().node("Relu", {x});
  }
  return x;
}

}  // namespace

// frames [B, T, H, W] uint8 -> Cast, scale to [0, 1], [B*T, 1, H, W], conv
// stack, GlobalAveragePool, [B, T, C], ReduceMean over T, proj.
std::vector<std::string> emit_frame_cnn(Emitter& e, const torch::nn::Module& m,
                                        const std::vector<std::string>& in) {
  auto& g = e.graph();
  const auto& o = dynamic_cast<const train::FrameCnnImpl&>(m).options();
  auto x = g.node("Mul", {g.node("Cast", {in.at(0)}, {Attr::i("to", onnx::TensorProto::FLOAT)}),
                          g.constant("pixel_scale", torch::tensor(1.0f / 255.0f))});
  x = g.node("Reshape", {x, g.ints("frame_shape", {-1, 1, o.height, o.width})});
  x = g.node("GlobalAveragePool", {conv_stack(e, m, o.channels.size(), o.batch_norm, x)});
  x = g.node("Reshape", {x, g.ints("per_frame_shape", {-1, o.frames, o.channels.back()})});
  x = g.node("ReduceMean", {x}, {Attr::ints("axes", {1}), Attr::i("keepdims", 0)});
  return e.emit("proj", child(m, "proj"), {x});
}

// mfcc [B, T, C] -> [B, C, T], conv stack, ReduceMean over T, proj.
std::vector<std::string> emit_mfcc_conv(Emitter& e, const torch::nn::Module& m,
                                        const std::vector<std::string>& in) {
  auto& g = e.graph();
  const auto& o = dynamic_cast<const train::MfccConvImpl&>(m).options();
  auto x = g.node("Transpose", {in.at(0)}, {Attr::ints("perm", {0, 2, 1})});
  x = conv_stack(e, m, o.channels.size(), o.batch_norm, x);
  x = g.node("ReduceMean", {x}, {Attr::ints("axes", {2}), Attr::i("keepdims", 0)});
  return e.emit("proj", child(m, "proj"), {x});
}

// x [B, T, C] -> [B, C, T], causal dilated Conv (left pads only) + Relu per
// dilation, [B, T, channels], Sigmoid(out), last step (Gather) or ReduceMean.
std::vector<std::string> emit_sensor_tcn(Emitter& e, const torch::nn::Module& m,
                                         const std::vector<std::string>& in) {
  auto& g = e.graph();
  const auto& o = dynamic_cast<const train::SensorTcnImpl&>(m).options();
  auto x = g.node("Transpose", {in.at(0)}, {Attr::ints("perm", {0, 2, 1})});
  for (size_t i = 0; i < o.dilations.size(); ++i) {
    const std::string name = "conv" + std::to_string(i + 1);
    const auto& conv = child(m, name);
    g.push_scope(name);
    x = g.node("Conv", {x, g.constant("weight", param(conv, "weight")), g.constant("bias", param(conv, "bias"))},
               {Attr::ints("dilations", {o.dilations[i]}), Attr::ints("pads", {(o.kernel - 1) * o.dilations[i], 0})});
    g.pop_scope();
    x = g.node("Relu", {x});
  }
  x = g.node("Transpose", {x}, {Attr::ints("perm", {0, 2, 1})});
  auto y = g.node("Sigmoid", {linear3(e, m, "out", x)});  // [B, T, E]
  if (o.pool == train::TimePool::Last) {
    return {g.node("Gather", {y, g.constant("last_step", torch::scalar_tensor(-1, torch::kLong))},
                   {Attr::i("axis", 1)})};
  }
  return {g.node("ReduceMean", {y}, {Attr::ints("axes", {1}), Attr::i("keepdims", 0)})};
}

// in[0]: x [B, L, D]; in[1]: key bias [B, 1, 1, L] (0 or -1e9).
std::vector<std::string> emit_transformer_layer(Emitter& e, const torch::nn::Module& m,
                                                const std::vector<std::string>& in) {
  auto& g = e.graph();
  const auto& o = dynamic_cast<const train::TransformerLayerImpl&>(m).options();
  auto attended = e.emit1("attention", child(m, "attention"), {e.emit1("norm1", child(m, "norm1"), {in.at(0)}), in.at(1)});
  auto h = g.node("Add", {in.at(0), attended});
  auto a = linear3(e, m, "ff1", e.emit1("norm2", child(m, "norm2"), {h}));
  if (o.activation == train::Activation::Relu) {
    a = g.node("Relu", {a});
  } else {  // exact GELU: x * 0.5 * (1 + erf(x / sqrt(2)))
    auto erf = g.node("Erf", {g.node("Mul", {a, g.constant("inv_sqrt2", torch::tensor(float(1.0 / std::sqrt(2.0))))})});
    a = g.node("Mul", {g.node("Mul", {a, g.constant("half", torch::tensor(0.5f))}),
                       g.node("Add", {erf, g.constant("one", torch::tensor(1.0f))})});
  }
  return {g.node("Add", {h, linear3(e, m, "ff2", a)})};
}

// ids [B, L] int32 -> Gather from the embedding table + positions, padding
// (id 0) masked as keys, transformer layers, norm, mean over real tokens
// (ratio of two ReduceMeans, as in training), proj.
std::vector<std::string> emit_text_transformer(Emitter& e, const torch::nn::Module& m,
                                               const std::vector<std::string>& in) {
  auto& g = e.graph();
  const auto& o = dynamic_cast<const train::TextTransformerImpl&>(m).options();
  auto ids = g.node("Cast", {in.at(0)}, {Attr::i("to", onnx::TensorProto::INT64)});
  g.push_scope("embedding");
  auto table = g.constant("weight", param(child(m, "embedding"), "weight"));
  g.pop_scope();
  auto h = g.node("Add", {g.node("Gather", {table, ids}), g.constant("position", param(m, "position"))});
  auto one = g.constant("one", torch::tensor(1.0f));
  auto pad = g.node("Cast", {g.node("Equal", {ids, g.constant("pad_id", torch::scalar_tensor(0, torch::kLong))})},
                    {Attr::i("to", onnx::TensorProto::FLOAT)});
  auto real = g.node("Sub", {one, pad});  // [B, L]
  auto share = g.node("ReduceMean", {real}, {Attr::ints("axes", {1}), Attr::i("keepdims", 1)});  // [B, 1]
  auto none = g.node("Equal", {share, g.constant("zero", torch::tensor(0.0f))});
  auto allowed = g.node("Where", {none, one, real});
  auto key_bias = g.node("Mul", {g.node("Sub", {allowed, one}), g.constant("big", torch::tensor(1e9f))});
  key_bias = g.node("Unsqueeze", {key_bias, g.ints("bias_axes", {1, 2})});  // [B, 1, 1, L]
  for (int64_t i = 1; i <= o.layers; ++i) {
    const std::string name = "layer" + std::to_string(i);
    h = e.emit1(name, child(m, name), {h, key_bias});
  }
  h = e.emit1("norm", child(m, "norm"), {h});
  auto weighted = g.node("Mul", {h, g.node("Unsqueeze", {real, g.ints("feature_axis", {2})})});
  auto pooled = g.node("Div", {g.node("ReduceMean", {weighted}, {Attr::ints("axes", {1}), Attr::i("keepdims", 0)}),
                               g.node("Where", {none, one, share})});
  return e.emit("proj", child(m, "proj"), {pooled});
}

}  // namespace storefuse::exporter
