// fusion_net: every fusion variant over the learned encoders (sequences) and
// over MLP encoders (vectors). Absent modalities cannot influence outputs, the
// parts learn, cross_attention over MLP encoders is the seed network, and
// config errors list what is known.
#include <gtest/gtest.h>

#include "storefuse/core/error.h"
#include "storefuse/train/fusion_net.h"
#include "storefuse/train/gated_fusion.h"
#include "storefuse/train/losses.h"
#include "storefuse/train/seed_fusion.h"
#include "zoo_specs.h"

using namespace storefuse;
using namespace storefuse::train;

namespace {

const char* const kFusions[] = {"{type: cross_attention, params: {heads: 2, dropout: 0.0}}", "{type: late}",
                                "{type: early}", "{type: early, params: {combine: product}}",
                                "{type: gated}"};

const std::string kMlpEncoders =
    "encoders:\n"
    "  visual: {type: mlp, params: {hidden: 16, dropout: 0.0}}\n"
    "  audio: {type: mlp, params: {hidden: 8}}\n"
    "  text: {type: mlp, params: {hidden: 16}}\n"
    "  sensor: {type: mlp, params: {hidden: 8}}\n";

datasets::FeatureSpec small_vector_spec() {
  datasets::FeatureSpec spec;
  const int64_t dims[] = {24, 13, 20, 10};
  for (int k = 0; k < datasets::kNumModalities; ++k) spec.modalities[k].shape = {dims[k]};
  spec.class_names = {"browse", "pick_up", "compare", "purchase"};
  return spec;
}

Model build(const std::string& fusion, const std::string& encoders, const datasets::FeatureSpec& spec) {
  auto model = config::Node::map({});
  model.set("type", config::Node::scalar("fusion_net", false, {}));
  model.set("params", zoo_test::fusion_net_params(fusion, encoders));
  return make_model(model, spec);
}

// Replaces every absent modality's input with noise.
ModelInput scramble_absent(ModelInput in, uint64_t seed) {
  torch::manual_seed(seed);
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    auto absent = in.mask.select(1, k) == 0;
    auto& x = in.inputs[k];
    auto noise = x.scalar_type() == torch::kFloat ? torch::randn_like(x) : torch::randint_like(x, 1, 50);
    auto where = absent;
    for (int64_t d = 1; d < x.dim(); ++d) where = where.unsqueeze(-1);
    x = torch::where(where, noise, x);
  }
  return in;
}

void expect_absent_ignored(const Model& model, const datasets::FeatureSpec& spec, const std::string& what) {
  model->eval();
  torch::NoGradGuard no_grad;
  auto in = zoo_test::random_input(spec, 16, 3);
  auto a = model->forward(in), b = model->forward(scramble_absent(in, 4));
  EXPECT_TRUE(torch::isfinite(a.behavior_logits).all().item<bool>()) << what;
  EXPECT_TRUE(torch::allclose(a.behavior_logits, b.behavior_logits, 0, 1e-6)) << what;
  EXPECT_TRUE(torch::allclose(a.dwell_s, b.dwell_s, 0, 1e-5)) << what;
  EXPECT_TRUE(torch::allclose(a.engagement, b.engagement, 0, 1e-6)) << what;
}

// 30 Adam steps on one batch: the loss must fall by half (every part gets a gradient).
void expect_learns(const Model& model, const datasets::FeatureSpec& spec, const std::string& what) {
  model->train();
  auto in = zoo_test::random_input(spec, 32, 5);
  Targets t{torch::randint(0, 4, {32}, torch::kLong), torch::rand({32}) * 60, torch::rand({32})};
  MultiTaskLoss loss(LossOptions{});
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-2));
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    opt.zero_grad();
    auto l = loss->forward(model->forward(in), t, in.mask, DwellScale{30.0, 20.0}).total;
    l.backward();
    opt.step();
    (step == 0 ? first : last) = l.item<double>();
  }
  EXPECT_LT(last, 0.5 * first) << what;
  for (const auto& p : model->named_parameters()) {
    if (p.value().grad().defined()) continue;
    ADD_FAILURE() << what << ": no gradient reaches " << p.key();
  }
}

}  // namespace

TEST(FusionNet, AbsentModalitiesDoNotInfluenceAnyVariant) {
  const auto seq = zoo_test::tiny_sequences_spec();
  const auto vec = small_vector_spec();
  for (const char* fusion : kFusions) {
    torch::manual_seed(1);
    expect_absent_ignored(build(fusion, zoo_test::tiny_sequence_encoders(), seq), seq,
                          std::string("sequences ") + fusion);
    expect_absent_ignored(build(fusion, kMlpEncoders, vec), vec, std::string("vectors ") + fusion);
  }
}

TEST(FusionNet, EveryVariantLearns) {
  const auto seq = zoo_test::tiny_sequences_spec();
  for (const char* fusion : kFusions) {
    torch::manual_seed(2);
    expect_learns(build(fusion, zoo_test::tiny_sequence_encoders(), seq), seq, fusion);
  }
}

TEST(FusionNet, CrossAttentionOverMlpEncodersIsTheSeedNetwork) {
  const auto spec = small_vector_spec();
  auto net = build("{type: cross_attention, params: {heads: 2}}", kMlpEncoders, spec);
  SeedFusionOptions o;
  o.input_dims = {24, 13, 20, 10};
  o.encoder_hidden = {16, 8, 16, 8};
  o.embed_dim = 8;
  o.heads = 2;
  o.fusion_hidden = {16};
  o.classes = 4;
  auto seed = std::make_shared<SeedFusionImpl>(o);
  {
    torch::NoGradGuard no_grad;
    auto from = net->named_parameters();
    for (auto& p : seed->named_parameters()) {
      std::string name = p.key();
      if (name.rfind("attention.", 0) == 0) name = "fusion." + name;
      if (name.rfind("fusion.fc", 0) == 0) name = "trunk." + name.substr(7);
      ASSERT_TRUE(from.contains(name)) << name;
      p.value().copy_(from[name]);
    }
  }
  net->eval();
  seed->eval();
  auto in = zoo_test::random_input(spec, 8, 6);
  EXPECT_TRUE(torch::allclose(net->forward(in).behavior_logits, seed->forward(in).behavior_logits, 1e-5, 1e-6));
  EXPECT_EQ(parameter_count(*net), parameter_count(*seed));
}

TEST(FusionNet, GatedWeightsCoverOnlyPresentModalities) {
  torch::manual_seed(0);
  GatedFusion gated(4, 8);
  {
    torch::NoGradGuard no_grad;  // a trained gate, not the zero one it starts from
    for (auto& p : gated->parameters()) p.normal_();
  }
  auto present = torch::tensor({{1, 0, 1, 1}, {0, 0, 0, 0}, {0, 1, 0, 0}}, torch::kBool);
  auto w = gated->weights(torch::randn({3, 4, 8}), present);
  EXPECT_TRUE(torch::allclose(w.sum(1), torch::ones({3})));
  EXPECT_EQ(w[0][1].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(w[2][1].item<float>(), 1.0f);
  EXPECT_TRUE(torch::equal(gated(torch::randn({3, 4, 8}), present)[1], torch::zeros({8})));
}

TEST(FusionNet, ConfigErrorsListWhatIsKnown) {
  auto message = [](const std::string& fusion, const std::string& encoders) {
    try {
      build(fusion, encoders, zoo_test::tiny_sequences_spec());
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Config);
      return std::string(e.what()) + " " + e.fix();
    }
    return std::string("no error");
  };
  const auto bad_fusion = message("{type: concat}", zoo_test::tiny_sequence_encoders());
  for (const char* known : {"cross_attention", "late", "early", "gated"}) {
    EXPECT_NE(bad_fusion.find(known), std::string::npos) << bad_fusion;
  }
  std::string encoders = zoo_test::tiny_sequence_encoders();
  encoders.replace(encoders.find("sensor_tcn"), 10, "sensor_lstm");
  const auto bad_encoder = message("{type: late}", encoders);
  for (const char* known : {"mlp", "frame_cnn", "mfcc_conv", "text_transformer", "sensor_tcn"}) {
    EXPECT_NE(bad_encoder.find(known), std::string::npos) << bad_encoder;
  }
  EXPECT_NE(message("{type: late, params: {heads: 2}}", zoo_test::tiny_sequence_encoders()).find("heads"),
            std::string::npos);
  EXPECT_NE(message("{type: gated}", "encoders: {visual: {type: frame_cnn}}\n").find("audio"), std::string::npos);
}
