// Cutting weight payloads out of the serialized model before protobuf
// parses it (onnx_wire.h): what is left parses to the same model less the
// payloads, each cut payload is the bytes it was, and anything the reader
// does not follow is left to protobuf.
#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include <random>

#include "onnx_builder.h"
#include "onnx_wire.h"
#include "storefuse/core/error.h"
#include "storefuse/infer/session.h"

using namespace storefuse::infer;
using storefuse::infer::testing::OnnxBuilder;

namespace {

constexpr int64_t kBig = 20000;  // floats: 80 KB, cut at load (64 KB and up)

Tensor ramp(int64_t n, float scale) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>(i % 1000) - 3.0f;
  return Tensor::from_vector<float>({n}, v);
}

// y = x + big + small, with a third initializer left unused.
OnnxBuilder adder() {
  OnnxBuilder b;
  b.input("x", DType::Float32, {kBig}).output("y");
  b.initializer("small", ramp(kBig / 100, 0.5f).view({kBig / 100}))
      .initializer("big", ramp(kBig, 0.25f))
      .initializer("big2", ramp(kBig, -1.0f));
  b.node("Add", {"x", "big"}, {"xb"});
  b.node("Slice", {"xb", "zero", "len"}, {"head"});
  b.initializer("zero", Tensor::from_vector<int64_t>({1}, {0}))
      .initializer("len", Tensor::from_vector<int64_t>({1}, {kBig / 100}));
  b.node("Add", {"head", "small"}, {"y"});
  return b;
}

}  // namespace

TEST(OnnxWire, CutsLargePayloadsAndLeavesTheRestAsItWas) {
  OnnxBuilder b = adder();
  const std::string bytes = b.bytes();
  const auto stripped = strip_payloads(bytes.data(), bytes.size(), 64 << 10);
  ASSERT_TRUE(stripped);
  ASSERT_EQ(stripped->cut.size(), 2u) << "big and big2, not small";
  EXPECT_LT(stripped->bytes.size(), bytes.size() - 2 * kBig * sizeof(float) + 64);

  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(stripped->bytes));
  const onnx::ModelProto& original = b.proto();
  ASSERT_EQ(model.graph().initializer_size(), original.graph().initializer_size());
  ASSERT_EQ(model.graph().node_size(), original.graph().node_size());
  for (int i = 0; i < original.graph().initializer_size(); ++i) {
    const onnx::TensorProto& want = original.graph().initializer(i);
    const onnx::TensorProto& got = model.graph().initializer(i);
    EXPECT_EQ(got.name(), want.name());
    EXPECT_EQ(got.dims_size(), want.dims_size());
    if (stripped->cut.count(i)) {
      EXPECT_FALSE(got.has_raw_data()) << want.name();
      const WirePayload& p = stripped->cut.at(i);
      EXPECT_EQ(bytes.substr(p.offset, p.size), want.raw_data()) << want.name();
    } else {
      EXPECT_EQ(got.raw_data(), want.raw_data()) << want.name();
    }
  }
}

TEST(OnnxWire, LoadedModelComputesWithTheCutWeights) {
  Session session(Model::load_bytes(adder().bytes()));
  const Tensor x = ramp(kBig, 1.0f);
  const Tensor y = session.run({{"x", x}}).at("y");
  const Tensor big = ramp(kBig, 0.25f), small = ramp(kBig / 100, 0.5f);
  ASSERT_EQ(y.numel(), kBig / 100);
  for (int64_t i = 0; i < kBig / 100; ++i)
    EXPECT_EQ(y.data<float>()[i], (x.data<float>()[i] + big.data<float>()[i]) + small.data<float>()[i]) << i;
}

TEST(OnnxWire, ACutPayloadThatDoesNotFitItsShapeIsStillReported) {
  OnnxBuilder b = adder();
  b.proto().mutable_graph()->mutable_initializer(1)->set_dims(0, kBig + 1);
  try {
    Model::load_bytes(b.bytes());
    FAIL() << "loaded";
  } catch (const storefuse::Error& e) {
    EXPECT_NE(std::string(e.what()).find("initializer 'big'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("80000 bytes"), std::string::npos) << e.what();
  }
}

TEST(OnnxWire, LeavesWhatItDoesNotFollowToProtobuf) {
  const std::string bytes = adder().bytes();
  EXPECT_FALSE(strip_payloads(bytes.data(), bytes.size(), 1 << 30)) << "nothing to cut";
  // Truncated: the graph's length runs past the end.
  EXPECT_FALSE(strip_payloads(bytes.data(), bytes.size() - 10, 1024));
  // A group (wire type 3) at the top level.
  std::string grouped = bytes + std::string("\x1b\x1c", 2);
  EXPECT_FALSE(strip_payloads(grouped.data(), grouped.size(), 1024));
  // A tensor with two raw_data fields (protobuf keeps the last): the
  // serialized "big" followed by a second raw_data field.
  OnnxBuilder b = adder();
  const std::string big = b.proto().graph().initializer(1).SerializeAsString();
  onnx::TensorProto extra;
  extra.set_raw_data(std::string(kBig * sizeof(float), '\0'));
  const std::string tensor = big + extra.SerializeAsString();
  // Written by hand: graph (7) { initializer (5) { tensor with raw_data twice } }.
  auto length_delimited = [](int field, const std::string& body) {
    std::string out(1, static_cast<char>(field << 3 | 2));
    for (uint64_t v = body.size(); ; v >>= 7) {
      if (v < 0x80) { out.push_back(static_cast<char>(v)); break; }
      out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    }
    return out + body;
  };
  const std::string model = length_delimited(7, length_delimited(5, tensor));
  EXPECT_FALSE(strip_payloads(model.data(), model.size(), 1024));
  // The same tensor with its raw_data once is cut.
  const std::string once = length_delimited(7, length_delimited(5, big));
  EXPECT_TRUE(strip_payloads(once.data(), once.size(), 1024));
}
