// The weights digest (weights_digest.h): XXH64 against values from the
// reference implementation (Debian's xxhsum -H1, 0.8.1), and what loading
// does with a model that declares a digest.
#include <gtest/gtest.h>

#include <string>

#include "onnx_builder.h"
#include "storefuse/core/error.h"
#include "storefuse/infer/model.h"
#include "storefuse/infer/model_metadata.h"
#include "storefuse/infer/weights_digest.h"

using namespace storefuse;
using namespace storefuse::infer;
using storefuse::infer::testing::OnnxBuilder;

namespace {

// The bytes (i * 7 + 3) mod 256, i = 0..n-1.
std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + 3) % 256);
  return s;
}

// A one-Add model holding a 64-float weight, with its digest declared the
// way storefuse export declares it (after the graph, in the metadata).
std::string digested_model(std::string* digest = nullptr) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1, 64}).output("y");
  std::vector<float> w(64);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.25f * static_cast<float>(i);
  b.initializer("w", Tensor::from_vector<float>({64}, w));
  b.node("Add", {"x", "w"}, {"y"});
  const std::string plain = b.bytes();
  const std::string d = graph_digest(plain.data(), plain.size()).value();
  if (digest) *digest = d;
  auto* p = b.proto().add_metadata_props();
  p->set_key(metadata::kWeightsDigest);
  p->set_value(d);
  return b.bytes();
}

}  // namespace

TEST(WeightsDigest, Xxh64MatchesTheReferenceImplementation) {
  // xxhsum -H1 of each input (printf '%s' ... | xxhsum -H1).
  EXPECT_EQ(xxh64("", 0), 0xef46db3751d8e999ULL);
  EXPECT_EQ(xxh64("a", 1), 0xd24ec4f1a98c6e5bULL);
  EXPECT_EQ(xxh64("abc", 3), 0x44bc2cf5ad770999ULL);
  // Below, at and past one 32-byte stripe, and with every tail length.
  EXPECT_EQ(xxh64(pattern(31).data(), 31), 0xa2aa5f33cc4a6119ULL);
  EXPECT_EQ(xxh64(pattern(32).data(), 32), 0x23c3c17ef790fd97ULL);
  EXPECT_EQ(xxh64(pattern(33).data(), 33), 0x50a7cfc7ba588784ULL);
  EXPECT_EQ(xxh64(pattern(100).data(), 100), 0xa61f8d4c170fe531ULL);
}

TEST(WeightsDigest, GraphDigestCoversTheGraphFieldAlone) {
  std::string digest;
  const std::string bytes = digested_model(&digest);
  ASSERT_EQ(digest.rfind("xxh64:", 0), 0u);
  EXPECT_EQ(digest.size(), 6u + 16u);
  // The metadata carrying it is outside the graph: the digest is unchanged.
  EXPECT_EQ(graph_digest(bytes.data(), bytes.size()), digest);
  EXPECT_FALSE(graph_digest("", 0).has_value());
  // Two graph fields (protobuf would merge them): no single range to digest.
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(bytes));
  const std::string graph = model.graph().SerializeAsString();
  std::string again = "\x3a";  // field 7, length-delimited
  for (size_t n = graph.size();; n >>= 7) {
    again.push_back(static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
    if (n < 0x80) break;
  }
  again = bytes + again + graph;
  EXPECT_FALSE(graph_digest(again.data(), again.size()).has_value());
}

TEST(WeightsDigest, AnIntactModelLoadsAndSaysItWasChecked) {
  std::string digest;
  auto model = Model::load_bytes(digested_model(&digest));
  EXPECT_EQ(model->weights_digest().digest, digest);
  EXPECT_TRUE(model->weights_digest().checked);
}

TEST(WeightsDigest, AModelWithoutOneLoadsUnchecked) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {2}).output("y");
  b.node("Relu", {"x"}, {"y"});
  auto model = Model::load_bytes(b.bytes());
  EXPECT_TRUE(model->weights_digest().digest.empty());
  EXPECT_FALSE(model->weights_digest().checked);
}

TEST(WeightsDigest, ADamagedWeightIsRefusedUnlessTheCheckIsOff) {
  std::string bytes = digested_model();
  // Flip one byte of the weight: 0.25f * 5 = 1.25f = 0x3fa00000.
  const std::string needle("\x00\x00\xa0\x3f", 4);
  const size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 3] ^= 0x40;
  try {
    Model::load_bytes(bytes);
    FAIL() << "the damaged model loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(e.problem().find("do not match the digest"), std::string::npos) << e.what();
    EXPECT_NE(e.fix().find("--no-verify-weights"), std::string::npos) << e.what();
  }
  LoadOptions unchecked;
  unchecked.verify_weights = false;
  auto model = Model::load_bytes(bytes, ".", unchecked);
  EXPECT_FALSE(model->weights_digest().checked);
  EXPECT_FALSE(model->weights_digest().digest.empty());
}

TEST(WeightsDigest, AChangedNodeIsRefusedToo) {
  std::string bytes = digested_model();
  const size_t at = bytes.find("Add");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 3, "Sub");
  EXPECT_THROW(Model::load_bytes(bytes), Error);
}
