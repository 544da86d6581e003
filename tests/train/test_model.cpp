#include <gtest/gtest.h>

#include <sstream>

#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/feature_spec.h"
#include "storefuse/train/seed_fusion.h"

using namespace storefuse;
using namespace storefuse::train;

namespace {

datasets::FeatureSpec seed_spec() {
  return datasets::seed_vector_spec({"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"});
}

ModelInput random_input(int64_t batch, const SeedFusionOptions& o = {}) {
  ModelInput in;
  for (int m = 0; m < kNumModalities; ++m) in.inputs[m] = torch::randn({batch, o.input_dims[m]});
  in.mask = torch::ones({batch, kNumModalities}, torch::kUInt8);
  return in;
}

}  // namespace

TEST(SeedFusion, HasTheSeedParameterCount) {
  auto model = make_model(config::load("")["model"], seed_spec());
  EXPECT_EQ(parameter_count(*model), 5975244);
}

TEST(SeedFusion, OutputShapesAndRanges) {
  SeedFusionImpl model;
  model.eval();
  auto out = model.forward(random_input(3));
  EXPECT_EQ(out.behavior_logits.sizes(), (std::vector<int64_t>{3, 10}));
  EXPECT_EQ(out.dwell_s.sizes(), (std::vector<int64_t>{3}));
  EXPECT_TRUE(out.engagement.ge(0).all().item<bool>() && out.engagement.le(1).all().item<bool>());
}

TEST(SeedFusion, DwellHeadIsScaledToSeconds) {
  SeedFusionImpl model;
  model.eval();
  auto in = random_input(4);
  auto before = model.forward(in);
  model.set_dwell_scale({60.0, 20.0});
  auto after = model.forward(in);
  EXPECT_TRUE(torch::allclose(after.dwell_s, before.dwell_norm * 20.0 + 60.0));
}

TEST(SeedFusion, DwellHeadInLogSpaceIsExpm1OfIt) {
  auto cfg = config::load("", {"model.dwell_space=log"});
  auto model = make_model(cfg["model"], seed_spec());
  EXPECT_TRUE(model->dwell_scale().log) << "make_model takes the space from the config";
  model->set_dwell_scale({4.0, 0.5, true});
  model->eval();
  auto out = model->forward(random_input(4));
  EXPECT_TRUE(torch::allclose(out.dwell_s, torch::expm1(out.dwell_norm * 0.5 + 4.0)));
  EXPECT_TRUE(torch::allclose(model->dwell_scale().normalize(out.dwell_s), out.dwell_norm, 1e-4, 1e-5));
  // The space is a buffer: a checkpoint carries it to a model built from defaults.
  auto seconds_model = make_model(config::load("")["model"], seed_spec());
  EXPECT_FALSE(seconds_model->dwell_scale().log);
  torch::serialize::OutputArchive out_archive;
  model->save(out_archive);
  std::stringstream saved;
  out_archive.save_to(saved);
  torch::serialize::InputArchive in_archive;
  in_archive.load_from(saved);
  seconds_model->load(in_archive);
  EXPECT_TRUE(seconds_model->dwell_scale().log);
  EXPECT_DOUBLE_EQ(seconds_model->dwell_scale().mean, 4.0);
}

TEST(SeedFusion, AbsentModalityHasNoInfluence) {
  torch::manual_seed(1);
  SeedFusionImpl model;
  model.eval();
  auto in = random_input(5);
  in.mask.select(1, 1).fill_(0);  // audio missing everywhere
  auto a = model.forward(in);
  in.inputs[1] = torch::randn_like(in.inputs[1]) * 100;
  auto b = model.forward(in);
  EXPECT_TRUE(torch::equal(a.behavior_logits, b.behavior_logits));
  EXPECT_TRUE(torch::equal(a.dwell_s, b.dwell_s));
}

TEST(SeedFusion, SampleWithNoModalityGetsAFiniteConstant) {
  SeedFusionImpl model;
  model.eval();
  auto in = random_input(2);
  in.mask.zero_();
  auto out = model.forward(in);
  EXPECT_TRUE(torch::isfinite(out.behavior_logits).all().item<bool>());
  EXPECT_TRUE(torch::equal(out.behavior_logits[0], out.behavior_logits[1]));
}

TEST(ModelZoo, UnknownTypeIsAConfigErrorListingTheZoo) {
  auto cfg = config::load("", {"model.type=transformer_fusion"});
  try {
    make_model(cfg["model"], seed_spec());
    FAIL() << "expected a Config error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Config);
    EXPECT_NE(std::string(e.what()).find("seed_fusion"), std::string::npos) << e.what();
  }
}

TEST(ModelZoo, UnknownParamIsAConfigError) {
  auto cfg = config::load("", {"model.params.embed_dims=256"});
  try {
    make_model(cfg["model"], seed_spec());
    FAIL() << "expected a Config error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Config);
    EXPECT_NE(std::string(e.what()).find("embed_dims"), std::string::npos) << e.what();
  }
}

TEST(ModelZoo, ParamsShapeTheModel) {
  auto cfg = config::load("", {"model.params.fusion_hidden=[64]", "model.params.embed_dim=32",
                               "model.params.heads=4"});
  auto model = make_model(cfg["model"], seed_spec());
  EXPECT_LT(parameter_count(*model), 5975244 / 3);  // fusion and attention shrink
}
