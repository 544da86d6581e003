// The learned encoders on their own: shapes, the uint8 pixel scale, causality
// of the sensor TCN, padding that cannot reach the text encoding, and the
// encoder registry's errors.
#include <gtest/gtest.h>

#include "storefuse/core/error.h"
#include "storefuse/train/encoders.h"
#include "storefuse/train/frame_cnn.h"
#include "storefuse/train/sensor_tcn.h"
#include "storefuse/train/text_transformer.h"
#include "zoo_specs.h"

using namespace storefuse;
using namespace storefuse::train;

namespace {

torch::nn::AnyModule encoder(const std::string& yaml, int modality) {
  return make_encoder(config::parse_string(yaml, "test"), zoo_test::tiny_sequences_spec().modalities[modality], 8);
}

}  // namespace

TEST(Encoders, EachMapsItsInputToOneToken) {
  const auto spec = zoo_test::tiny_sequences_spec();
  const auto in = zoo_test::random_input(spec, 3, 1);
  const char* yaml[] = {"type: frame_cnn\nparams: {channels: [4, 8], batch_norm: false}",
                        "type: mfcc_conv\nparams: {channels: [8, 8], kernel: 3}",
                        "type: text_transformer\nparams: {dim: 8, heads: 2, layers: 2, activation: relu}",
                        "type: sensor_tcn\nparams: {pool: last}"};
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    auto enc = encoder(yaml[k], k);
    auto token = enc.forward(in.inputs[k]);
    EXPECT_EQ(token.sizes(), (std::vector<int64_t>{3, 8})) << yaml[k];
    EXPECT_TRUE(torch::isfinite(token).all().item<bool>()) << yaml[k];
  }
}

TEST(Encoders, FrameCnnScalesPixelsToUnitRange) {
  torch::manual_seed(0);
  FrameCnnOptions o;
  o.channels = {4};
  o.batch_norm = false;
  o.frames = 2;
  o.height = o.width = 8;
  o.embed_dim = 4;
  FrameCnn cnn(o);
  auto white = torch::full({1, 2, 8, 8}, 255, torch::kByte);
  // The same frames as floats already in [0, 1] through the layers by hand.
  auto* conv = cnn->named_children()["conv1"]->as<torch::nn::Conv2d>();
  auto* proj = cnn->named_children()["proj"]->as<torch::nn::Linear>();
  auto by_hand = torch::relu(conv->forward(torch::ones({2, 1, 8, 8}))).mean({2, 3}).mean(0, true);
  EXPECT_TRUE(torch::allclose(cnn(white), proj->forward(by_hand), 1e-5, 1e-6));
}

TEST(Encoders, SensorTcnIsCausal) {
  torch::manual_seed(0);
  SensorTcnOptions o;
  o.channels = 6;
  o.input_channels = 3;
  o.embed_dim = 4;
  SensorTcn tcn(o);
  auto x = torch::randn({2, 20, 3});
  auto changed = x.clone();
  changed.select(1, 12).add_(5.0);
  auto before = tcn->steps(x), after = tcn->steps(changed);
  // Steps before 12 cannot see step 12; step 12 and the receptive field after it do.
  EXPECT_TRUE(torch::equal(before.narrow(1, 0, 12), after.narrow(1, 0, 12)));
  EXPECT_FALSE(torch::allclose(before.select(1, 12), after.select(1, 12)));
  const int64_t field = 1 + (o.kernel - 1) * (1 + 2 + 4);  // 15 steps
  EXPECT_FALSE(torch::allclose(before.select(1, 19), after.select(1, 19))) << "within the field of " << field;
  EXPECT_TRUE(((before > 0) & (before < 1)).all().item<bool>()) << "sigmoid outputs";
}

TEST(Encoders, TextPaddingNeverReachesTheEncoding) {
  const auto spec = zoo_test::tiny_sequences_spec();
  auto options = TextTransformerOptions::from_config(
      config::parse_string("{dim: 8, heads: 2, dropout: 0.0}", "test"), spec.modalities[2], 8);
  torch::manual_seed(0);
  TextTransformer text(options);
  text->eval();
  auto ids = torch::tensor({{5, 9, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, torch::kInt);
  auto first = text(ids);
  {
    torch::NoGradGuard no_grad;
    text->named_parameters()["embedding.weight"][0].normal_(0, 10);  // the padding id's row
  }
  EXPECT_TRUE(torch::allclose(first[0], text(ids)[0], 1e-6, 1e-6))
      << "padding was attended to or pooled";
  // A text of padding only pools to zeros: its encoding is the projection's bias.
  EXPECT_TRUE(torch::allclose(first[1], text->named_parameters()["proj.bias"], 1e-6, 1e-6));
}

TEST(Encoders, ConfigErrorsNameTheProblem) {
  auto message = [](const std::string& yaml, int modality, const datasets::FeatureSpec& spec) {
    try {
      make_encoder(config::parse_string(yaml, "test"), spec.modalities[modality], 8);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Config);
      return std::string(e.what()) + " " + e.fix();
    }
    return std::string("no error");
  };
  const auto seq = zoo_test::tiny_sequences_spec();
  const auto vec = datasets::seed_vector_spec({"a", "b"});
  EXPECT_NE(message("type: frame_rnn", 0, seq).find("frame_cnn"), std::string::npos);
  EXPECT_NE(message("type: frame_cnn", 0, vec).find("frame_cnn reads uint8 frames [T, H, W]"), std::string::npos);
  EXPECT_NE(message("type: mlp", 1, seq).find("float32 [20, 13]"), std::string::npos);
  EXPECT_NE(message("type: mfcc_conv\nparams: {kernal: 3}", 1, seq).find("kernel"), std::string::npos);
  EXPECT_NE(message("type: mfcc_conv\nparams: {kernel: 4}", 1, seq).find("odd"), std::string::npos);
  auto no_vocab = seq;
  no_vocab.modalities[2].params = json::object();
  EXPECT_NE(message("type: text_transformer", 2, no_vocab).find("vocab_size"), std::string::npos);
}
