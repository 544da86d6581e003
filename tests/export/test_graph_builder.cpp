// GraphBuilder: graphs that pass the ONNX checker, and weight precisions that
// keep each weight within its quantisation bound.
#include <gtest/gtest.h>

#include <cstring>

#include "storefuse/core/error.h"
#include "storefuse/export/graph_builder.h"

namespace ex = storefuse::exporter;

namespace {

const onnx::TensorProto& initializer(const onnx::ModelProto& m, const std::string& suffix) {
  for (const auto& t : m.graph().initializer()) {
    if (t.name().size() >= suffix.size() &&
        t.name().compare(t.name().size() - suffix.size(), suffix.size(), suffix) == 0) {
      return t;
    }
  }
  throw std::runtime_error("no initializer ending in " + suffix);
}

template <class T>
std::vector<T> values(const onnx::TensorProto& t) {
  std::vector<T> v(t.raw_data().size() / sizeof(T));
  std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
  return v;
}

// A two-layer MLP with a dynamic batch: x [B, 6] -> 5 -> 3.
onnx::ModelProto mlp(ex::Precision p, torch::nn::Linear& l1, torch::nn::Linear& l2) {
  ex::GraphBuilder g("mlp", 17, p);
  auto x = g.input("x", onnx::TensorProto::FLOAT, {ex::kBatch, 6});
  g.push_scope("l1");
  auto h = g.node("Relu", {g.linear(x, l1->weight, l1->bias)});
  g.pop_scope();
  g.push_scope("l2");
  auto y = g.linear(h, l2->weight, l2->bias);
  g.pop_scope();
  g.output(y, "y", onnx::TensorProto::FLOAT, {ex::kBatch, 3});
  return g.finish({{"storefuse.model", "mlp"}});
}

}  // namespace

TEST(GraphBuilder, Fp32GraphPassesCheckerWithDynamicBatchAndMetadata) {
  torch::manual_seed(0);
  torch::nn::Linear l1(6, 5), l2(5, 3);
  auto m = mlp(ex::Precision::Fp32, l1, l2);
  EXPECT_NO_THROW(ex::check_onnx(m));
  EXPECT_EQ(m.opset_import(0).version(), 17);
  EXPECT_EQ(m.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "batch");
  EXPECT_EQ(m.graph().output(0).name(), "y");
  EXPECT_EQ(m.metadata_props(0).key(), "storefuse.model");
  auto w = values<float>(initializer(m, "l1.weight"));
  auto ref = l1->weight.contiguous();
  ASSERT_EQ(w.size(), size_t(ref.numel()));
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(w[i], ref.data_ptr<float>()[i]);
}

TEST(GraphBuilder, Int8WeightsArePerChannelSymmetricWithinHalfAStep) {
  torch::manual_seed(1);
  torch::nn::Linear l1(6, 5), l2(5, 3);
  auto m = mlp(ex::Precision::Int8, l1, l2);
  EXPECT_NO_THROW(ex::check_onnx(m));
  auto q = values<int8_t>(initializer(m, "l1.weight_int8"));
  auto scale = values<float>(initializer(m, "l1.weight_scale"));
  auto zp = values<int8_t>(initializer(m, "l1.weight_zero_point"));
  ASSERT_EQ(scale.size(), 5u);
  auto w = l1->weight.contiguous();
  for (int r = 0; r < 5; ++r) {
    EXPECT_EQ(zp[r], 0);
    float row_max = 0;
    for (int c = 0; c < 6; ++c) {
      float orig = w[r][c].item<float>();
      row_max = std::max(row_max, std::abs(orig));
      EXPECT_LE(std::abs(q[r * 6 + c] * scale[r] - orig), scale[r] / 2 + 1e-7f) << r << "," << c;
    }
    EXPECT_FLOAT_EQ(scale[r], row_max / 127.0f);
  }
  int dq = 0;
  for (const auto& n : m.graph().node()) dq += n.op_type() == "DequantizeLinear";
  EXPECT_EQ(dq, 2);
}

TEST(GraphBuilder, Fp16WeightsAreStoredAsHalfAndCastBack) {
  torch::manual_seed(2);
  torch::nn::Linear l1(6, 5), l2(5, 3);
  auto m = mlp(ex::Precision::Fp16, l1, l2);
  EXPECT_NO_THROW(ex::check_onnx(m));
  const auto& t = initializer(m, "l1.weight_fp16");
  EXPECT_EQ(t.data_type(), onnx::TensorProto::FLOAT16);
  EXPECT_EQ(t.raw_data().size(), 30u * 2);
}

TEST(GraphBuilder, CheckerRejectsABrokenGraphWithAModelError) {
  ex::GraphBuilder g("broken", 17);
  auto x = g.input("x", onnx::TensorProto::FLOAT, {ex::kBatch, 4});
  auto y = g.node("Add", {x, "not_defined_anywhere"});
  g.output(y, "y", onnx::TensorProto::FLOAT, {ex::kBatch, 4});
  try {
    ex::check_onnx(g.finish({}));
    FAIL() << "expected the checker to fail";
  } catch (const storefuse::Error& e) {
    EXPECT_EQ(e.kind(), storefuse::ErrorKind::Model);
    EXPECT_NE(std::string(e.what()).find("not_defined_anywhere"), std::string::npos) << e.what();
  }
}

TEST(GraphBuilder, StrictShapeInferenceCatchesShapeMismatch) {
  // The MatMul path (rank-3 input); ONNX 1.12's Gemm inference does not
  // compare inner dimensions, which is why export also checks numerically.
  ex::GraphBuilder g("mismatch", 17);
  auto x = g.input("x", onnx::TensorProto::FLOAT, {ex::kBatch, 2, 4});
  auto y = g.linear(x, torch::zeros({3, 5}), torch::zeros({3}), 3);  // expects 5 inputs, gets 4
  g.output(y, "y", onnx::TensorProto::FLOAT, {ex::kBatch, 2, 3});
  EXPECT_THROW(ex::check_onnx(g.finish({})), storefuse::Error);
}

TEST(GraphBuilder, UnknownPrecisionAndOldOpsetAreClearErrors) {
  EXPECT_EQ(ex::parse_precision("int8"), ex::Precision::Int8);
  EXPECT_THROW(ex::parse_precision("int4"), storefuse::Error);
  EXPECT_THROW(ex::GraphBuilder("x", 13), storefuse::Error);
}
