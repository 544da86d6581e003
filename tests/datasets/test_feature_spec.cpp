// FeatureSpec: JSON round trip, equality, and the errors a bad spec gets.
#include <gtest/gtest.h>

#include "dataset_fixture.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/feature_spec.h"

namespace storefuse::datasets {
namespace {

using testing::sequence_spec;
using testing::ten_classes;

// Expects from_json(j) to fail with a Data error whose message contains `needle`.
void expect_rejected(const json& j, const std::string& needle) {
  try {
    FeatureSpec::from_json(j);
    FAIL() << "accepted: " << j.dump();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Data);
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(FeatureSpec, RoundTripsThroughJsonText) {
  FeatureSpec spec = sequence_spec();
  FeatureSpec back = FeatureSpec::from_json_string(spec.to_json().dump());
  EXPECT_EQ(back, spec);
  EXPECT_EQ(back[Modality::Visual].dtype, DType::UInt8);
  EXPECT_EQ(back[Modality::Visual].shape, (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(back[Modality::Text].params.at("vocab_hash"), "sha256:abc");
}

TEST(FeatureSpec, SeedSpecHasTheSeedNetworkInputs) {
  FeatureSpec spec = seed_vector_spec(ten_classes());
  EXPECT_EQ(spec.flavour, Flavour::Vectors);
  EXPECT_EQ(spec[Modality::Visual].numel(), 2048);
  EXPECT_EQ(spec[Modality::Audio].numel(), 130);
  EXPECT_EQ(spec[Modality::Text].numel(), 768);
  EXPECT_EQ(spec[Modality::Sensor].numel(), 10);
}

TEST(FeatureSpec, EqualityLooksAtParams) {
  FeatureSpec a = sequence_spec(), b = sequence_spec();
  b[Modality::Audio].params["n_mfcc"] = 20;
  EXPECT_NE(a, b);
  b = a;
  b.class_names[0] = "other";
  EXPECT_NE(a, b);
}

TEST(FeatureSpec, RejectsBadSpecsNamingTheField) {
  const json good = sequence_spec().to_json();

  json j = good;
  j["modalities"]["audio"]["dtype"] = "float16";
  expect_rejected(j, "feature_spec.modalities.audio.dtype");

  j = good;
  j["modalities"]["visual"]["shape"] = json::array({3, 0, 5});
  expect_rejected(j, "non-positive axis");

  j = good;
  j["flavour"] = "vectors";  // rank-3 visual is not a vector
  expect_rejected(j, "rank-1");

  j = good;
  j["modalities"]["text"]["vocab"] = "x";
  expect_rejected(j, "unknown key 'vocab'");

  j = good;
  j["modalities"].erase("sensor");
  expect_rejected(j, "missing key 'sensor'");

  j = good;
  j["class_names"] = json::array({"a", "a"});
  expect_rejected(j, "appears twice");

  j = good;
  j["modalities"]["text"]["params"] = json::array();
  expect_rejected(j, "params must be a JSON object");

  j = good;
  j["feature_spec_version"] = 2;
  expect_rejected(j, "this build reads version 1");

  EXPECT_THROW(FeatureSpec::from_json_string("{not json"), Error);
}

}  // namespace
}  // namespace storefuse::datasets
