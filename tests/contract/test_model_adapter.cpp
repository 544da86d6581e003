// The model adapter feeds exactly the inputs a model declares, takes its
// outputs by name, resolves class names and checks a dataset against the
// model; every broken model is an error naming what is wrong. Models are
// built in memory (tests/infer/onnx_builder.h) so each output is known.
#include <gtest/gtest.h>

#include <numeric>

#include "onnx_builder.h"
#include "storefuse/contract/model_adapter.h"
#include "storefuse/contract/model_io.h"
#include "storefuse/core/error.h"

namespace c = storefuse::contract;
namespace ds = storefuse::datasets;
namespace inf = storefuse::infer;
using inf::testing::OnnxBuilder;

namespace {

ds::FeatureSpec small_spec() {
  auto spec = ds::seed_vector_spec({"a", "b", "c", "d", "e"});
  spec[ds::Modality::Visual].shape = {3};
  spec[ds::Modality::Audio].shape = {1};
  spec[ds::Modality::Text].shape = {1};
  spec[ds::Modality::Sensor].shape = {2};
  return spec;
}

// Rows whose visual values are 10 r + j and sensor values -(10 r + j).
ds::Batch rows(int64_t n) {
  ds::Batch b = ds::Batch::allocate(small_spec(), n, false);
  for (int64_t r = 0; r < n; ++r) {
    for (int j = 0; j < 3; ++j) b.input(ds::Modality::Visual).as<float>()[r * 3 + j] = float(10 * r + j);
    for (int j = 0; j < 2; ++j) b.input(ds::Modality::Sensor).as<float>()[r * 2 + j] = -float(10 * r + j);
    for (int k = 0; k < 4; ++k) b.mask[r * 4 + k] = uint8_t((r + k) % 2);
    b.sample_id[r] = 100 + r;
  }
  return b;
}

// behavior_logits = [visual, sensor] (5 classes), dwell_s = mean(visual),
// engagement = sigmoid(mean(sensor)); `batch` fixes the batch dimension.
OnnxBuilder without_mask(int64_t batch = -1) {
  OnnxBuilder b;
  b.input("visual", inf::DType::Float32, {batch, 3}).input("sensor", inf::DType::Float32, {batch, 2});
  inf::testing::set_int(b.node("Concat", {"visual", "sensor"}, {c::kBehaviorLogits}), "axis", 1);
  auto& dwell = b.node("ReduceMean", {"visual"}, {c::kDwellS});
  inf::testing::set_ints(dwell, "axes", {1});
  inf::testing::set_int(dwell, "keepdims", 0);
  auto& mean = b.node("ReduceMean", {"sensor"}, {"sensor_mean"});
  inf::testing::set_ints(mean, "axes", {1});
  inf::testing::set_int(mean, "keepdims", 0);
  b.node("Sigmoid", {"sensor_mean"}, {c::kEngagement});
  b.output(c::kBehaviorLogits).output(c::kDwellS).output(c::kEngagement);
  return b;
}

c::ModelAdapter adapter_of(const OnnxBuilder& b) {
  return c::ModelAdapter(inf::Model::load_bytes(b.bytes()), "test model");
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const storefuse::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(ModelAdapter, AModelWithoutMaskGetsExactlyTheInputsItDeclares) {
  const auto adapter = adapter_of(without_mask());
  EXPECT_FALSE(adapter.takes_mask());
  EXPECT_TRUE(adapter.reads(ds::Modality::Visual));
  EXPECT_FALSE(adapter.reads(ds::Modality::Audio));
  const auto feeds = adapter.feeds(rows(3));
  std::vector<std::string> names;
  for (const auto& [name, t] : feeds) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"sensor", "visual"}));

  inf::Session session(adapter.shared_model());
  const c::ModelOutputs o = adapter.run(session, rows(3));
  ASSERT_EQ(o.rows, 3);
  ASSERT_EQ(o.classes, 5);
  EXPECT_EQ(std::vector<float>(o.behavior_logits.begin() + 5, o.behavior_logits.begin() + 10),
            (std::vector<float>{10, 11, 12, -10, -11}));
  EXPECT_FLOAT_EQ(o.dwell_s[2], 21.0f);
  EXPECT_FLOAT_EQ(o.engagement[0], 1.0f / (1.0f + std::exp(0.5f)));
}

TEST(ModelAdapter, TheMaskGoesInTheElementTypeTheModelDeclares) {
  for (auto dtype : {inf::DType::UInt8, inf::DType::Bool, inf::DType::Float32}) {
    OnnxBuilder b;
    b.input("visual", inf::DType::Float32, {-1, 3}).input(c::kMaskInput, dtype, {-1, 4});
    auto& cast = b.node("Cast", {c::kMaskInput}, {"mask_f"});
    inf::testing::set_int(cast, "to", 1);  // FLOAT
    inf::testing::set_int(b.node("Concat", {"visual", "mask_f"}, {c::kBehaviorLogits}), "axis", 1);
    for (const char* name : {c::kDwellS, c::kEngagement}) {
      auto& mean = b.node("ReduceMean", {"mask_f"}, {name});
      inf::testing::set_ints(mean, "axes", {1});
      inf::testing::set_int(mean, "keepdims", 0);
    }
    b.output(c::kBehaviorLogits).output(c::kDwellS).output(c::kEngagement);
    const auto adapter = adapter_of(b);
    EXPECT_TRUE(adapter.takes_mask());
    inf::Session session(adapter.shared_model());
    const auto o = adapter.run(session, rows(2));
    ASSERT_EQ(o.classes, 7) << inf::to_string(dtype);
    // Row 1's mask is 1 0 1 0.
    EXPECT_EQ(std::vector<float>(o.behavior_logits.begin() + 10, o.behavior_logits.end()),
              (std::vector<float>{1, 0, 1, 0}))
        << inf::to_string(dtype);
    EXPECT_FLOAT_EQ(o.dwell_s[1], 0.5f);
  }
}

TEST(ModelAdapter, ClassNamesComeFromTheModelElseTheDataElseTheirIndex) {
  auto declared = without_mask();
  EXPECT_EQ(adapter_of(declared).class_names(), std::vector<std::string>{}) << "nothing says how many classes";
  for (auto& out : *declared.proto().mutable_graph()->mutable_output()) {
    if (out.name() != c::kBehaviorLogits) continue;
    auto* shape = out.mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->add_dim()->set_dim_param("batch");
    shape->add_dim()->set_dim_value(5);
  }
  const auto adapter = adapter_of(declared);
  EXPECT_EQ(adapter.class_names(), (std::vector<std::string>{"class_0", "class_1", "class_2", "class_3", "class_4"}));
  const auto spec = small_spec();
  EXPECT_EQ(adapter.class_names(&spec), spec.class_names);

  auto named = without_mask();
  auto* prop = named.proto().add_metadata_props();
  prop->set_key("storefuse.class_names");
  prop->set_value(R"(["p", "q", "r", "s", "t"])");
  EXPECT_EQ(adapter_of(named).class_names(&spec), (std::vector<std::string>{"p", "q", "r", "s", "t"}));

  // Three names for five classes: said when the outputs are appended.
  inf::Session session(adapter.shared_model());
  storefuse::metrics::Outputs all{{}, 3, {}, {}};
  const auto o = adapter.run(session, rows(2));
  EXPECT_NE(error_of([&] { adapter.append(o, all); }).find("the model has 5 classes, its class names list 3"),
            std::string::npos);
  all.n_classes = 5;
  adapter.append(o, all);
  ASSERT_EQ(all.probs.size(), 10u);
  EXPECT_NEAR(std::accumulate(all.probs.begin(), all.probs.begin() + 5, 0.0), 1.0, 1e-6);
  EXPECT_EQ(all.dwell_s, o.dwell_s);
}

TEST(ModelAdapter, AFixedBatchDimensionRunsInPiecesPaddedWithZeros) {
  const auto adapter = adapter_of(without_mask(2));
  inf::Session session(adapter.shared_model());
  const auto o = adapter.run(session, rows(5));
  ASSERT_EQ(o.rows, 5);
  ASSERT_EQ(o.dwell_s.size(), 5u);
  for (int r = 0; r < 5; ++r) EXPECT_FLOAT_EQ(o.dwell_s[size_t(r)], float(10 * r + 1)) << "row " << r;
  EXPECT_EQ(adapter.feeds(rows(1)).at("visual").dim(0), 2);
}

TEST(ModelAdapter, ABrokenContractIsAnErrorNamingWhatIsWrong) {
  auto extra = without_mask();
  extra.input("depth", inf::DType::Float32, {-1, 1});
  extra.node("Identity", {"depth"}, {"depth_out"});
  extra.output("depth_out");
  EXPECT_NE(error_of([&] { adapter_of(extra); }).find("model input 'depth' is not a storefuse input"),
            std::string::npos);

  OnnxBuilder no_engagement;
  no_engagement.input("visual", inf::DType::Float32, {-1, 3});
  no_engagement.node("Identity", {"visual"}, {c::kBehaviorLogits});
  auto& dwell = no_engagement.node("ReduceMean", {"visual"}, {c::kDwellS});
  inf::testing::set_ints(dwell, "axes", {1});
  inf::testing::set_int(dwell, "keepdims", 0);
  no_engagement.output(c::kBehaviorLogits).output(c::kDwellS);
  const std::string e = error_of([&] { adapter_of(no_engagement); });
  EXPECT_NE(e.find("no output named 'engagement' (outputs: behavior_logits, dwell_s)"), std::string::npos) << e;
}

TEST(ModelAdapter, ADatasetOfOtherShapesIsRejectedNamingTheModality) {
  const auto adapter = adapter_of(without_mask());
  auto spec = small_spec();
  EXPECT_NO_THROW(adapter.check_data(spec, "test.h5"));
  spec[ds::Modality::Audio].shape = {99};  // not read by the model: no matter
  EXPECT_NO_THROW(adapter.check_data(spec, "test.h5"));
  spec[ds::Modality::Sensor].shape = {4};
  const std::string e = error_of([&] { adapter.check_data(spec, "test.h5"); });
  EXPECT_NE(e.find("the dataset's sensor input (float32 [4] per sample) does not match the model's float32 [-1, 2]"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("test.h5 vs test model"), std::string::npos) << e;
}
