// Sessions: input checks, sharing one model across threads, profiling.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

#include "onnx_builder.h"
#include "storefuse/core/error.h"
#include "storefuse/infer/session.h"

using namespace storefuse;
using namespace storefuse::infer;
using storefuse::infer::testing::OnnxBuilder;
using storefuse::infer::testing::set_int;
using storefuse::infer::testing::set_ints;

namespace {

// y = relu(x @ w + b), x: [batch, 3], w: [3, 2]
std::shared_ptr<const Model> small_mlp() {
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1, 3}).output("y");
  b.initializer("w", Tensor::from_vector<float>({3, 2}, {1, -1, 2, 0, 0, 1}));
  b.initializer("b", Tensor::from_vector<float>({2}, {0.5f, -10}));
  b.node("MatMul", {"x", "w"}, {"xw"});
  b.node("Add", {"xw", "b"}, {"z"});
  b.node("Relu", {"z"}, {"y"});
  return Model::load_bytes(b.bytes());
}

ErrorKind run_error(Session& session, const std::map<std::string, Tensor>& inputs) {
  try {
    session.run(inputs);
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::Runtime;
}

}  // namespace

TEST(Session, RunsAGraph) {
  Session session(small_mlp());
  auto out = session.run({{"x", Tensor::from_vector<float>({2, 3}, {1, 2, 3, 0, 0, 20})}});
  const Tensor& y = out.at("y");
  ASSERT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(y.data<float>()[0], 5.5f);  // 1 + 4 + 0 + 0.5
  EXPECT_EQ(y.data<float>()[1], 0.0f);  // -1 + 0 + 3 - 10 < 0
  EXPECT_EQ(y.data<float>()[3], 10.0f);
}

TEST(Session, ChecksInputs) {
  Session session(small_mlp());
  EXPECT_EQ(run_error(session, {}), ErrorKind::Data);
  EXPECT_EQ(run_error(session, {{"x", Tensor(DType::Int64, {1, 3})}}), ErrorKind::Data);
  EXPECT_EQ(run_error(session, {{"x", Tensor(DType::Float32, {1, 4})}}), ErrorKind::Data);
  EXPECT_EQ(run_error(session, {{"x", Tensor(DType::Float32, {1, 3})}, {"extra", Tensor()}}), ErrorKind::Data);
}

TEST(Session, RejectsNonFiniteInputsNamingInputAndRow) {
  Session session(small_mlp());
  for (float bad : {NAN, INFINITY, -INFINITY}) {
    Tensor x = Tensor::from_vector<float>({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    x.data<float>()[7] = bad;
    try {
      session.run({{"x", x}});
      FAIL() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Data);
      const std::string what = e.what();
      EXPECT_NE(what.find(std::isnan(bad) ? "NaN in row 2" : "Inf in row 2"), std::string::npos) << what;
      EXPECT_EQ(e.where(), "input 'x'");
    }
  }
  // A long input with the NaN far from the start, past the first block.
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1, 1000}).output("y");
  b.node("Relu", {"x"}, {"y"});
  Session wide(Model::load_bytes(b.bytes()));
  Tensor x(DType::Float32, {5, 1000});
  x.data<float>()[3999] = NAN;
  EXPECT_EQ(run_error(wide, {{"x", x}}), ErrorKind::Data);
  x.data<float>()[3999] = 1;
  EXPECT_NO_THROW(wide.run({{"x", x}}));
  // Let through when asked.
  SessionOptions options;
  options.reject_non_finite = false;
  Session lenient(small_mlp(), options);
  EXPECT_NO_THROW(lenient.run({{"x", Tensor::from_vector<float>({1, 3}, {NAN, 0, 0})}}));
}

TEST(Session, ManySessionsShareOneModelAcrossThreads) {
  auto model = small_mlp();
  std::vector<std::thread> threads;
  std::vector<float> results(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Session session(model);
      for (int i = 0; i < 50; ++i) {
        auto out = session.run({{"x", Tensor::from_vector<float>({1, 3}, {float(t), 0, 0})}});
        results[t] = out.at("y").data<float>()[0];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(results[t], t + 0.5f);
}

TEST(Session, ProfilesOpTypes) {
  SessionOptions options;
  options.profile = true;
  Session session(small_mlp(), options);
  session.run({{"x", Tensor(DType::Float32, {4, 3})}});
  session.run({{"x", Tensor(DType::Float32, {4, 3})}});
  auto profile = session.profile();
  ASSERT_EQ(profile.size(), 2u);  // MatMul (with the Add's bias fused in), Relu
  for (const OpProfile& p : profile) EXPECT_EQ(p.calls, 2) << p.op_type;
}

TEST(Session, KernelErrorsNameTheNode) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1}).input("s", DType::Int64, {1}).output("y");
  b.node("Reshape", {"x", "s"}, {"y"}, "bad_reshape");
  Session session(Model::load_bytes(b.bytes()));
  try {
    session.run({{"x", Tensor(DType::Float32, {6})}, {"s", Tensor::from_vector<int64_t>({1}, {4})}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Data);
    EXPECT_EQ(e.where(), "node 'bad_reshape' (Reshape)");
  }
}

TEST(Session, OutputsSurviveLaterRunsThatReuseTheArena) {
  // y is a view (Reshape) of an intermediate: it must not live in the arena.
  OnnxBuilder b;
  b.input("x", DType::Float32, {2, 2}).output("y");
  b.initializer("shape", Tensor::from_vector<int64_t>({1}, {4}));
  b.node("Relu", {"x"}, {"r"});
  b.node("Sigmoid", {"r"}, {"s"});
  b.node("Reshape", {"s", "shape"}, {"y"});
  Session session(Model::load_bytes(b.bytes()));
  std::vector<std::map<std::string, Tensor>> kept;
  for (float v : {0.0f, 1.0f, 2.0f, 3.0f})
    kept.push_back(session.run({{"x", Tensor::from_vector<float>({2, 2}, {v, v, v, v})}}));
  for (int i = 0; i < 4; ++i) {
    const float want = 1.0f / (1.0f + std::exp(-static_cast<float>(i)));
    for (int j = 0; j < 4; ++j) EXPECT_FLOAT_EQ(kept[i].at("y").data<float>()[j], want) << "run " << i;
  }
}

TEST(Session, PlansPerInputShape) {
  Session session(small_mlp());
  for (int batch : {1, 5, 1, 5, 3}) {
    Tensor x(DType::Float32, {batch, 3});
    for (int i = 0; i < batch; ++i) x.data<float>()[i * 3] = static_cast<float>(i);
    auto y = session.run({{"x", x}}).at("y");
    ASSERT_EQ(y.shape(), (Shape{batch, 2}));
    for (int i = 0; i < batch; ++i) EXPECT_EQ(y.data<float>()[i * 2], i + 0.5f) << "batch " << batch;
  }
}

TEST(Session, OutputsNeverShareTheModelsConstants) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {1}).output("w_out").output("y");
  b.initializer("w", Tensor::from_vector<float>({2}, {1, 2}));
  b.initializer("shape", Tensor::from_vector<int64_t>({2}, {2, 1}));
  b.node("Reshape", {"w", "shape"}, {"w_out"});  // folded: a view of the weights
  b.node("Mul", {"x", "w"}, {"y"});
  Session session(Model::load_bytes(b.bytes()));
  auto first = session.run({{"x", Tensor::from_vector<float>({1}, {1})}});
  first.at("w_out").data<float>()[0] = 100;  // the caller owns what it gets
  auto second = session.run({{"x", Tensor::from_vector<float>({1}, {1})}});
  EXPECT_EQ(second.at("w_out").data<float>()[0], 1);
  EXPECT_EQ(second.at("y").data<float>()[0], 1);
}

TEST(Session, ShapeComputationsFollowTheInputShapes) {
  // y = reshape(x, [batch, 2, 3]) with batch read from x's shape at run time;
  // the Shape -> Gather -> Unsqueeze -> Concat chain runs once per shape.
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1, 6}).output("y");
  b.initializer("zero", Tensor::from_vector<int64_t>({}, {0}));
  b.initializer("axes", Tensor::from_vector<int64_t>({1}, {0}));
  b.initializer("rest", Tensor::from_vector<int64_t>({2}, {2, 3}));
  b.node("Shape", {"x"}, {"shape"});
  b.node("Gather", {"shape", "zero"}, {"batch"});
  b.node("Unsqueeze", {"batch", "axes"}, {"batch_1d"});
  set_int(b.node("Concat", {"batch_1d", "rest"}, {"target"}), "axis", 0);
  b.node("Reshape", {"x", "target"}, {"y"});
  Session session(Model::load_bytes(b.bytes()));
  for (int64_t batch : {1, 4, 1, 4, 4, 2}) {
    Tensor x(DType::Float32, {batch, 6});
    x.data<float>()[batch * 6 - 1] = static_cast<float>(batch);
    Tensor y = session.run({{"x", x}}).at("y");
    ASSERT_EQ(y.shape(), (Shape{batch, 2, 3})) << "batch " << batch;
    EXPECT_EQ(y.data<float>()[batch * 6 - 1], batch);
  }
}

TEST(Session, FlushesSubnormalsDuringRunsOnly) {
  // y = x * 1 over 1M floats (split across both threads) and a Gemm whose
  // weights hold a subnormal: with flush_denormals (the default) subnormal
  // inputs read as zero on every thread, the weight is packed as zero, and
  // the calling thread's floating-point settings are restored after the run.
  constexpr int64_t n = 1 << 20;
  const float tiny = 1e-39f;  // subnormal
  ASSERT_LT(tiny, std::numeric_limits<float>::min());
  OnnxBuilder b;
  b.input("x", DType::Float32, {n}).input("v", DType::Float32, {1, 2}).output("y").output("g");
  b.initializer("one", Tensor::from_vector<float>({1}, {1.0f}));
  b.initializer("w", Tensor::from_vector<float>({2, 1}, {tiny, 1.0f}));
  b.node("Mul", {"x", "one"}, {"y"});
  b.node("Gemm", {"v", "w"}, {"g"});
  auto model = Model::load_bytes(b.bytes());
  const Tensor x = Tensor::from_vector<float>({n}, std::vector<float>(n, tiny));
  const Tensor v = Tensor::from_vector<float>({1, 2}, {1e30f, 0.0f});
  for (bool flush : {true, false}) {
    SessionOptions options;
    options.threads = 2;
    options.flush_denormals = flush;
    Session session(model, options);
    const auto out = session.run({{"x", x}, {"v", v}});
    int64_t zeros = 0;
    for (int64_t i = 0; i < n; ++i) zeros += out.at("y").data<float>()[i] == 0.0f;
    EXPECT_EQ(zeros, flush ? n : 0) << "flush " << flush;
    // The packed weight is zero either way (panel packing flushes it): 1e30 * 1e-39 would be 1e-9.
    EXPECT_EQ(out.at("g").data<float>()[0], 0.0f);
    volatile float t = tiny;
    EXPECT_GT(t * 1.0f, 0.0f) << "the calling thread keeps IEEE subnormals after a run";
  }
}

// RunOptions::outputs: only the steps the requested outputs need run (the
// profile counts them), run() returns those outputs alone, and each
// selection agrees with a run of every output.
TEST(Session, ComputesOnlyTheRequestedOutputs) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1, 2}).output("mean").output("doubled").output("both");
  auto& mean = b.node("ReduceMean", {"x"}, {"mean"});
  set_ints(mean, "axes", {1});
  b.node("Add", {"x", "x"}, {"doubled"});
  b.node("Relu", {"doubled"}, {"relu"});
  b.node("Mul", {"relu", "relu"}, {"both"});
  auto model = Model::load_bytes(b.bytes());
  SessionOptions options;
  options.profile = true;
  const std::map<std::string, Tensor> in = {{"x", Tensor::from_vector<float>({2, 2}, {1, -2, 3, 4})}};
  Session all(model);
  const auto every = all.run(in);
  ASSERT_EQ(every.size(), 3u);

  Session session(model, options);
  auto out = session.run(in, {{"doubled"}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.at("doubled").data<float>()[1], -4.0f);
  std::map<std::string, int64_t> calls;
  for (const auto& p : session.profile()) calls[p.op_type] = p.calls;
  EXPECT_EQ(calls, (std::map<std::string, int64_t>{{"Add", 1}}));

  out = session.run(in, {{"both", "mean"}});
  ASSERT_EQ(out.size(), 2u);
  for (const auto& [name, t] : out) {
    for (int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(t.data<float>()[i], every.at(name).data<float>()[i]) << name;
  }
  for (int repeat = 0; repeat < 2; ++repeat) {  // planned runs with each selection
    EXPECT_EQ(session.run(in, {{"doubled"}}).size(), 1u);
    EXPECT_EQ(session.run(in).size(), 3u);
  }
  try {
    session.run(in, {{"logits"}});
    FAIL() << "no error for an output the model does not have";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
    EXPECT_NE(std::string(e.what()).find("the model's outputs are: mean, doubled, both"), std::string::npos) << e.what();
  }
}

// Loading with fold_linear off keeps the layers as in the file; the results
// agree with the folded model.
TEST(Session, LoadOptionsKeepLayersUnfolded) {
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1, 2}).output("y");
  b.initializer("w1", Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4}));
  b.initializer("b1", Tensor::from_vector<float>({2}, {0, 0}));
  b.initializer("w2", Tensor::from_vector<float>({2, 1}, {0.5f, -1}));
  b.node("Gemm", {"x", "w1", "b1"}, {"h"});
  b.node("Gemm", {"h", "w2"}, {"y"});
  const std::map<std::string, Tensor> in = {{"x", Tensor::from_vector<float>({1, 2}, {1, 1})}};
  LoadOptions keep;
  keep.fold_linear = false;
  auto unfolded = Model::load_bytes(b.bytes(), ".", keep), folded = Model::load_bytes(b.bytes());
  EXPECT_EQ(unfolded->op_counts().at("Gemm"), 2);
  EXPECT_EQ(folded->op_counts().at("Gemm"), 1);
  Session a(unfolded), c(folded);
  EXPECT_FLOAT_EQ(a.run(in).at("y").data<float>()[0], -4.0f);  // h = [4, 6]; 2 - 6
  EXPECT_FLOAT_EQ(c.run(in).at("y").data<float>()[0], -4.0f);
}
