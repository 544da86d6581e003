// Packed weights and the dot-product kernels: every instruction set this CPU
// runs against a double-precision reference over shape sweeps, and int8 /
// float16 weight-only models (the exporter's DequantizeLinear and Cast
// patterns) against the same model with the weights widened to float32 by
// the test, through the reference kernels. Fixed seeds.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "dot_kernels.h"
#include "kernel_check.h"

using namespace storefuse::infer;
using namespace storefuse::infer::testing;

namespace {

// Reference: out[r, n] = sum_k a[r, k] * w[n, k] in double.
std::vector<double> reference_dots(const std::vector<float>& w, int64_t ldw, int64_t n, int64_t k,
                                   const std::vector<float>& a, int64_t lda, int64_t m) {
  std::vector<double> out(static_cast<size_t>(m * n));
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) s += static_cast<double>(a[r * lda + p]) * w[j * ldw + p];
      out[r * n + j] = s;
    }
  return out;
}

template <class W>
void check_kernel(DotKernel<W> kernel, const std::vector<W>& stored, const std::vector<float>& widened, int64_t ldw,
                  int64_t n, int64_t k, const std::vector<float>& a, int64_t lda, int64_t m,
                  const std::string& params) {
  SCOPED_TRACE(params);
  const int64_t ldo = n + 3;
  std::vector<float> out(static_cast<size_t>(m * ldo), -7.0f);
  kernel(stored.data(), ldw, n, k, a.data(), lda, m, out.data(), ldo);
  const std::vector<double> want = reference_dots(widened, ldw, n, k, a, lda, m);
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t j = 0; j < n; ++j) {
      double magnitude = 0;
      for (int64_t p = 0; p < k; ++p) magnitude += std::abs(a[r * lda + p] * widened[j * ldw + p]);
      ASSERT_NEAR(out[r * ldo + j], want[r * n + j], 1e-6 * (1 + magnitude)) << "row " << r << " col " << j;
    }
    for (int64_t j = n; j < ldo; ++j) ASSERT_EQ(out[r * ldo + j], -7.0f) << "wrote past the columns";
  }
}

}  // namespace

TEST(PackedWeights, EveryDotKernelMatchesDoublePrecision) {
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::uniform_int_distribution<int> byte(-127, 127);
  const auto kernel_sets = available_dot_kernels();
  ASSERT_FALSE(kernel_sets.empty());
  EXPECT_STREQ(kernel_sets.front().isa, "portable");
  for (const DotKernels& set : kernel_sets) {
    int shapes = 0;
    for (int64_t m = 1; m <= kDotRows; ++m)
      for (int64_t n : {1, 3, 5, 17, 70})
        for (int64_t k : {1, 7, 8, 16, 33, 130, 1000}) {
          const int64_t ldw = k + 5, lda = k + 2;  // strided rows catch indexing slips
          std::vector<float> a(static_cast<size_t>(m * lda)), wf(static_cast<size_t>(n * ldw));
          for (float& x : a) x = dist(rng);
          std::vector<int8_t> wq(wf.size());
          std::vector<uint16_t> wh(wf.size());
          std::vector<float> wq_wide(wf.size()), wh_wide(wf.size());
          for (size_t i = 0; i < wf.size(); ++i) {
            wf[i] = dist(rng);
            wq[i] = static_cast<int8_t>(byte(rng));
            wq_wide[i] = wq[i];
            wh[i] = to_float16(dist(rng)).bits;
            wh_wide[i] = to_float(Float16{wh[i]});
          }
          const std::string params = std::string(set.isa) + " m=" + std::to_string(m) +
                                     " n=" + std::to_string(n) + " k=" + std::to_string(k);
          check_kernel<float>(set.f32, wf, wf, ldw, n, k, a, lda, m, params + " float32");
          check_kernel<int8_t>(set.i8, wq, wq_wide, ldw, n, k, a, lda, m, params + " int8");
          check_kernel<uint16_t>(set.f16, wh, wh_wide, ldw, n, k, a, lda, m, params + " float16");
          ++shapes;
        }
    std::printf("[ kernels  ] dot %s: %d shapes x float32, int8, float16 compared\n", set.isa, shapes);
  }
}

namespace {

enum class Storage { Int8, Int8ZeroPoint, Int8PerTensor, Float16 };

struct WeightModels {
  OnnxBuilder stored;   // weights as the exporter stores them
  OnnxBuilder widened;  // the same weights widened to float32 by the test
};

// y = relu(x W1^T + b1) -> MatMul with W2 (stored [out, in], Transpose'd), for
// x: [batch, k]. W1 feeds a Gemm with transB = 1, W2 a MatMul, as in the
// exporter's `linear` (export/graph_builder.cpp).
WeightModels weight_models(Storage storage, int64_t k, int64_t hidden, int64_t n, std::mt19937& rng) {
  WeightModels models;
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::uniform_int_distribution<int> byte(-127, 127);
  for (OnnxBuilder* b : {&models.stored, &models.widened}) b->input("x", DType::Float32, {-1, k}).output("y");
  auto add_weight = [&](const std::string& name, int64_t rows, int64_t cols) {
    Tensor wide(DType::Float32, {rows, cols});
    if (storage == Storage::Float16) {
      Tensor h(DType::Float16, {rows, cols});
      for (int64_t i = 0; i < h.numel(); ++i) {
        h.data<Float16>()[i] = to_float16(dist(rng));
        wide.data<float>()[i] = to_float(h.data<Float16>()[i]);
      }
      models.stored.initializer(name + "_fp16", h);
      set_int(models.stored.node("Cast", {name + "_fp16"}, {name}), "to", 1);
    } else {
      const bool per_tensor = storage == Storage::Int8PerTensor;
      Tensor q(DType::Int8, {rows, cols});
      Tensor scale(DType::Float32, per_tensor ? Shape{} : Shape{rows});
      Tensor zero(DType::Int8, per_tensor ? Shape{} : Shape{rows});
      for (int64_t i = 0; i < scale.numel(); ++i) {
        scale.data<float>()[i] = 0.001f + 0.02f * std::abs(dist(rng));
        zero.data<int8_t>()[i] = storage == Storage::Int8ZeroPoint ? static_cast<int8_t>(byte(rng) / 8) : 0;
      }
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
          const int8_t v = static_cast<int8_t>(byte(rng));
          const int64_t ch = per_tensor ? 0 : r;
          q.data<int8_t>()[r * cols + c] = v;
          wide.data<float>()[r * cols + c] =
              static_cast<float>(v - zero.data<int8_t>()[ch]) * scale.data<float>()[ch];
        }
      models.stored.initializer(name + "_q", q).initializer(name + "_scale", scale).initializer(name + "_zero", zero);
      set_int(models.stored.node("DequantizeLinear", {name + "_q", name + "_scale", name + "_zero"}, {name}), "axis",
              0);
    }
    models.widened.initializer(name, wide);
  };
  add_weight("w1", hidden, k);
  add_weight("w2", n, hidden);
  Tensor bias(DType::Float32, {hidden});
  for (int64_t i = 0; i < hidden; ++i) bias.data<float>()[i] = dist(rng);
  for (OnnxBuilder* b : {&models.stored, &models.widened}) {
    b->initializer("b1", bias);
    set_int(b->node("Gemm", {"x", "w1", "b1"}, {"h"}), "transB", 1);
    b->node("Relu", {"h"}, {"hr"});
    set_ints(b->node("Transpose", {"w2"}, {"w2t"}), "perm", {1, 0});
    b->node("MatMul", {"hr", "w2t"}, {"y"});
  }
  return models;
}

const char* name(Storage s) {
  switch (s) {
    case Storage::Int8: return "int8";
    case Storage::Int8ZeroPoint: return "int8 with zero points";
    case Storage::Int8PerTensor: return "int8 per tensor";
    default: return "float16";
  }
}

}  // namespace

TEST(PackedWeights, WeightOnlyModelsMatchDequantizeThenFloatGemm) {
  std::mt19937 rng(33);
  for (Storage storage : {Storage::Int8, Storage::Int8ZeroPoint, Storage::Int8PerTensor, Storage::Float16})
    for (int64_t k : {7, 64, 300})
      for (int64_t n : {1, 10, 33}) {
        WeightModels models = weight_models(storage, k, 48, n, rng);
        auto stored = Model::load_bytes(models.stored.bytes());
        auto widened = Model::load_bytes(models.widened.bytes());
        // The stored precision is what the model keeps.
        const std::string format = storage == Storage::Float16 ? "float16" : "int8";
        EXPECT_EQ(stored->packed_weight_counts(), (std::map<std::string, int>{{format, 2}})) << name(storage);
        EXPECT_LT(stored->weight_bytes(), widened->weight_bytes() * 6 / 10) << name(storage);
        for (int64_t batch : {1, 2, 4, 5, 64})
          for (int threads : {1, 2}) {
            SCOPED_TRACE(std::string(name(storage)) + " k=" + std::to_string(k) + " n=" + std::to_string(n) +
                         " batch=" + std::to_string(batch) + " threads=" + std::to_string(threads));
            const Tensor x = random_tensor({batch, k}, rng);
            SessionOptions fast_options, reference_options;
            fast_options.threads = threads;
            reference_options.reference_kernels = true;
            Session fast(stored, fast_options), stored_reference(stored, reference_options),
                reference(widened, reference_options);
            const Tensor want = reference.run({{"x", x}}).at("y");
            for (Session* s : {&fast, &stored_reference}) {
              for (int run = 0; run < 2; ++run) {  // the second run uses the memory plan
                const Tensor got = s->run({{"x", x}}).at("y");
                ASSERT_EQ(got.shape(), want.shape());
                for (int64_t i = 0; i < want.numel(); ++i) {
                  const float w = want.data<float>()[i];
                  ASSERT_NEAR(got.data<float>()[i], w, 1e-4f * (1 + std::abs(w))) << "y[" << i << "]";
                }
              }
            }
          }
      }
}

TEST(PackedWeights, ConstantFloatWeightsAreHeldOnce) {
  // A [K, N] MatMul weight is transposed once at load; the original is freed.
  std::mt19937 rng(5);
  OnnxBuilder b;
  b.input("x", DType::Float32, {-1, 256}).output("y");
  b.initializer("w", random_tensor({256, 512}, rng));
  b.node("MatMul", {"x", "w"}, {"y"});
  auto model = Model::load_bytes(b.bytes());
  EXPECT_EQ(model->weight_bytes(), size_t{256} * 512 * 4);
  EXPECT_EQ(model->packed_weight_counts(), (std::map<std::string, int>{{"float32", 1}}));
  for (int64_t batch : {1, 3, 64}) expect_fast_matches_reference(b, {{"x", random_tensor({batch, 256}, rng)}}, "batch=" + std::to_string(batch));
}

TEST(PackedWeights, UnsupportedLayoutsFallBackToFloat32) {
  // A scale along K (axis 1 of a [N, K] Gemm weight) cannot be applied per
  // output column: the runtime widens the weights at load and stays exact.
  std::mt19937 rng(9);
  OnnxBuilder stored, widened;
  for (OnnxBuilder* b : {&stored, &widened}) b->input("x", DType::Float32, {-1, 4}).output("y");
  Tensor q = Tensor::from_vector<int8_t>({3, 4}, {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12});
  Tensor scale = Tensor::from_vector<float>({4}, {0.5f, 0.25f, 2.0f, 1.0f});
  std::vector<float> wide(12);
  for (int i = 0; i < 12; ++i) wide[i] = static_cast<float>(q.data<int8_t>()[i]) * scale.data<float>()[i % 4];
  stored.initializer("q", q).initializer("s", scale);
  set_int(stored.node("DequantizeLinear", {"q", "s"}, {"w"}), "axis", 1);
  widened.initializer("w", Tensor::from_vector<float>({3, 4}, wide));
  for (OnnxBuilder* b : {&stored, &widened}) set_int(b->node("Gemm", {"x", "w"}, {"y"}), "transB", 1);
  auto model = Model::load_bytes(stored.bytes());
  EXPECT_EQ(model->packed_weight_counts(), (std::map<std::string, int>{{"float32", 1}}));
  const Tensor x = random_tensor({2, 4}, rng);
  Session a(model), b(Model::load_bytes(widened.bytes()));
  const Tensor got = a.run({{"x", x}}).at("y"), want = b.run({{"x", x}}).at("y");
  for (int64_t i = 0; i < want.numel(); ++i) EXPECT_FLOAT_EQ(got.data<float>()[i], want.data<float>()[i]);
}
