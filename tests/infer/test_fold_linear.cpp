// Folding a square Gemm into the next Gemm through data-movement nodes
// (fold_linear.h): the graphs where it applies give the unfolded function,
// the ones where it must not apply are left alone and still correct.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "onnx_builder.h"
#include "storefuse/core/error.h"
#include "storefuse/infer/session.h"

using namespace storefuse::infer;
using storefuse::infer::testing::OnnxBuilder;
using storefuse::infer::testing::set_int;
using storefuse::infer::testing::set_ints;

namespace {

constexpr int64_t kTokens = 3, kE = 4, kOut = 5;

std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = u(gen);
  return v;
}

Tensor random_tensor(Shape shape, uint32_t seed) {
  return Tensor::from_vector<float>(shape, random_values(static_cast<size_t>(numel(shape)), seed));
}

Tensor int64s(Shape shape, std::vector<int64_t> v) { return Tensor::from_vector<int64_t>(shape, v); }

// What can stand between the two linear layers.
struct Between {
  bool relu = false;              // an activation: nothing to fold
  bool second_reader = false;     // the first layer's output is also a graph output
  bool merge_rows = false;        // first a Reshape to [-1, 2E]: two rows in one
  bool move_features = false;     // Transpose [2, 1, 0] moves the feature axis
  bool wide_first = false;        // the first layer is E -> E + 2
};

// x [tokens * batch, E] -> Gemm(W1, b1, transB) -> Reshape [tokens, -1, E]
// (E read from the Gemm's own shape, as PyTorch's attention export does) ->
// Transpose [1, 0, 2] -> Flatten -> Gemm(W2 [kOut, tokens * E], b2) -> y.
std::string two_layers(const Between& between) {
  const int64_t n1 = between.wide_first ? kE + 2 : kE;
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1, kE}).output("y");
  if (between.second_reader) b.output("h");
  b.initializer("w1", random_tensor({n1, kE}, 1)).initializer("b1", random_tensor({n1}, 2));
  b.initializer("w2", random_tensor({kOut, kTokens * n1}, 3)).initializer("b2", random_tensor({kOut}, 4));
  b.initializer("one", int64s({}, {1})).initializer("axis0", int64s({1}, {0}));
  b.initializer("lead", int64s({2}, {kTokens, -1})).initializer("merge", int64s({2}, {-1, 2 * n1}));
  set_int(b.node("Gemm", {"x", "w1", "b1"}, {"h"}), "transB", 1);
  std::string t = "h";
  if (between.relu) {
    b.node("Relu", {"h"}, {"hr"});
    t = "hr";
  }
  b.node("Shape", {"h"}, {"shape"});
  b.node("Gather", {"shape", "one"}, {"e"});
  b.node("Unsqueeze", {"e", "axis0"}, {"e1"});
  set_int(b.node("Concat", {"lead", "e1"}, {"target"}), "axis", 0);
  if (between.merge_rows) {
    b.node("Reshape", {t, "merge"}, {"r"});  // [tokens * batch / 2, 2E]
    b.node("Reshape", {"r", "target"}, {"rt"});
  } else {
    b.node("Reshape", {t, "target"}, {"rt"});
  }
  set_ints(b.node("Transpose", {"rt"}, {"tr"}), "perm",
           between.move_features ? std::vector<int64_t>{2, 1, 0} : std::vector<int64_t>{1, 0, 2});
  b.node("Flatten", {"tr"}, {"flat"});
  set_int(b.node("Gemm", {"flat", "w2", "b2"}, {"y"}), "transB", 1);
  return b.bytes();
}

// The same function in double precision, straight from the weights.
std::vector<double> reference(const Between& between, const std::vector<float>& x, int64_t batch) {
  const int64_t n1 = between.wide_first ? kE + 2 : kE;
  const auto w1 = random_values(n1 * kE, 1), b1 = random_values(n1, 2);
  const auto w2 = random_values(kOut * kTokens * n1, 3), b2 = random_values(kOut, 4);
  std::vector<double> h(kTokens * batch * n1);
  for (int64_t r = 0; r < kTokens * batch; ++r)
    for (int64_t j = 0; j < n1; ++j) {
      double s = b1[j];
      for (int64_t k = 0; k < kE; ++k) s += double(x[r * kE + k]) * w1[j * kE + k];
      h[r * n1 + j] = between.relu ? std::max(s, 0.0) : s;
    }
  std::vector<double> y(batch * kOut);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t o = 0; o < kOut; ++o) {
      double s = b2[o];
      for (int64_t t = 0; t < kTokens; ++t)  // row t * batch + b of h is token t of sample b
        for (int64_t j = 0; j < n1; ++j) s += h[(t * batch + b) * n1 + j] * w2[o * kTokens * n1 + t * n1 + j];
      y[b * kOut + o] = s;
    }
  return y;
}

int gemms(const std::string& bytes) { return Model::load_bytes(bytes)->op_counts()["Gemm"]; }

void expect_function(const Between& between, int64_t batch) {
  Session session(Model::load_bytes(two_layers(between)));
  const auto x = random_values(kTokens * batch * kE, 9);
  const Tensor y = session.run({{"x", Tensor::from_vector<float>({kTokens * batch, kE}, x)}}).at("y");
  ASSERT_EQ(y.shape(), (Shape{batch, kOut}));
  const auto want = reference(between, x, batch);
  for (int64_t i = 0; i < batch * kOut; ++i) EXPECT_NEAR(y.data<float>()[i], want[i], 1e-5) << i;
}

}  // namespace

TEST(FoldLinear, FoldsTheAttentionTailIntoTheNextLayer) {
  EXPECT_EQ(gemms(two_layers({})), 1) << "the square Gemm is folded away";
  for (int64_t batch : {1, 2, 7}) expect_function({}, batch);
}

TEST(FoldLinear, LeavesGraphsWhereFoldingWouldChangeTheFunction) {
  const Between cases[] = {
      {/*relu=*/true}, {false, /*second_reader=*/true}, {false, false, false, false, /*wide_first=*/true}};
  for (const Between& c : cases) {
    EXPECT_EQ(gemms(two_layers(c)), 2);
    expect_function(c, 2);
  }
}

TEST(FoldLinear, NeedsTheFeatureAxisToStayLast) {
  // Transpose [2, 1, 0] puts the features first: the second Gemm would then
  // contract over samples (at batch 4, K = 12 fits), which no fold of W1
  // into W2 reproduces.
  Between moved;
  moved.move_features = true;
  EXPECT_EQ(gemms(two_layers(moved)), 2);
}

TEST(FoldLinear, FoldsOnlyWhatTheShapesProve) {
  // A Reshape to the constant [-1, 2E] keeps whole feature blocks, but its
  // last entry is not E: the pass does not reason about such merges and
  // leaves the graph as it is, which stays correct.
  Between merged;
  merged.merge_rows = true;
  EXPECT_EQ(gemms(two_layers(merged)), 2);
  expect_function(merged, 2);
}

TEST(FoldLinear, FoldsADirectPairWithoutSecondBias) {
  // Linear -> Linear, the second as [K, N] (transB 0) and without bias; the
  // first stored either way.
  for (int trans_first : {0, 1}) {
    OnnxBuilder b;
    b.input("x", DType::Float32, {-1, kE}).output("y");
    b.initializer("w1", random_tensor({kE, kE}, 5)).initializer("b1", random_tensor({kE}, 6));
    b.initializer("w2", random_tensor({kE, kOut}, 7));
    set_int(b.node("Gemm", {"x", "w1", "b1"}, {"h"}), "transB", trans_first);
    b.node("Gemm", {"h", "w2"}, {"y"});
    auto model = Model::load_bytes(b.bytes());
    EXPECT_EQ(model->op_counts()["Gemm"], 1);
    const auto x = random_values(3 * kE, 8);
    const auto w1 = random_values(kE * kE, 5), b1 = random_values(kE, 6), w2 = random_values(kE * kOut, 7);
    Session session(model);
    const Tensor y = session.run({{"x", Tensor::from_vector<float>({3, kE}, x)}}).at("y");
    for (int64_t r = 0; r < 3; ++r)
      for (int64_t o = 0; o < kOut; ++o) {
        double s = 0;
        for (int64_t j = 0; j < kE; ++j) {
          double h = b1[j];
          for (int64_t k = 0; k < kE; ++k) h += double(x[r * kE + k]) * (trans_first ? w1[j * kE + k] : w1[k * kE + j]);
          s += h * w2[j * kOut + o];
        }
        EXPECT_NEAR(y.data<float>()[r * kOut + o], s, 1e-5) << "transB " << trans_first;
      }
  }
}

TEST(FoldLinear, FoldsStorefusesOwnAttentionTail) {
  // As storefuse's exporter writes it: out-projection on [B, T, E] as
  // Add(MatMul(x, Transpose(W1)), b1), Flatten, Gemm.
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1, kTokens, kE}).output("y");
  b.initializer("w1", random_tensor({kE, kE}, 11)).initializer("b1", random_tensor({kE}, 12));
  b.initializer("w2", random_tensor({kOut, kTokens * kE}, 13)).initializer("b2", random_tensor({kOut}, 14));
  set_ints(b.node("Transpose", {"w1"}, {"w1t"}), "perm", {1, 0});
  b.node("MatMul", {"x", "w1t"}, {"xw"});
  b.node("Add", {"xw", "b1"}, {"h"});
  set_int(b.node("Flatten", {"h"}, {"flat"}), "axis", 1);
  set_int(b.node("Gemm", {"flat", "w2", "b2"}, {"y"}), "transB", 1);
  auto model = Model::load_bytes(b.bytes());
  EXPECT_EQ(model->op_counts().count("MatMul"), 0u) << "the out-projection is folded away";
  EXPECT_EQ(model->op_counts().count("Transpose"), 0u);
  const int64_t batch = 3;
  const auto x = random_values(batch * kTokens * kE, 15);
  const auto w1 = random_values(kE * kE, 11), b1 = random_values(kE, 12);
  const auto w2 = random_values(kOut * kTokens * kE, 13), b2 = random_values(kOut, 14);
  Session session(model);
  const Tensor y = session.run({{"x", Tensor::from_vector<float>({batch, kTokens, kE}, x)}}).at("y");
  for (int64_t s = 0; s < batch; ++s)
    for (int64_t o = 0; o < kOut; ++o) {
      double sum = b2[o];
      for (int64_t t = 0; t < kTokens; ++t)
        for (int64_t j = 0; j < kE; ++j) {
          double h = b1[j];
          for (int64_t k = 0; k < kE; ++k) h += double(x[(s * kTokens + t) * kE + k]) * w1[j * kE + k];
          sum += h * w2[o * kTokens * kE + t * kE + j];
        }
      EXPECT_NEAR(y.data<float>()[s * kOut + o], sum, 1e-5);
    }
}

TEST(FoldLinear, LeavesZeroWidthLayersAlone) {
  // A square layer of width 0 is still square: the pass must not divide the
  // next layer's inputs into blocks of 0 features (found by fuzzing the loader).
  for (int64_t k2 : {0, 4}) {
    OnnxBuilder b;
    b.input("x", DType::Float32, {-1, 0}).output("y");
    b.initializer("w1", Tensor(DType::Float32, {0, 0})).initializer("b1", Tensor(DType::Float32, {0}));
    b.initializer("w2", random_tensor({k2, kOut}, 7));
    b.node("Gemm", {"x", "w1", "b1"}, {"h"});
    b.node("Gemm", {"h", "w2"}, {"y"});
    try {
      auto model = Model::load_bytes(b.bytes());
      EXPECT_EQ(model->op_counts()["Gemm"], 2);
    } catch (const storefuse::Error&) {
      // A model the loader rejects is fine too; a crash is not.
    }
  }
}
