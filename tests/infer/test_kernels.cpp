// Fast kernels against the reference kernels over shape sweeps, fixed seed.
#include "kernel_check.h"

using namespace storefuse::infer;
using namespace storefuse::infer::testing;

TEST(Kernels, GemmFastMatchesReference) {
  std::mt19937 rng(7);
  for (int64_t m : {1, 3, 64, 130})
    for (int64_t n : {1, 17, 256})
      for (int64_t k : {1, 5, 300})
        for (int trans_a : {0, 1})
          for (int trans_b : {0, 1})
            for (int with_c : {0, 1}) {
              OnnxBuilder b;
              b.input("a", DType::Float32, {-1, -1}).input("b", DType::Float32, {-1, -1}).output("y");
              std::vector<std::string> ins{"a", "b"};
              if (with_c) ins.push_back("c");
              auto& node = b.node("Gemm", ins, {"y"});
              set_int(node, "transA", trans_a);
              set_int(node, "transB", trans_b);
              set_float(node, "alpha", 0.75f);
              set_float(node, "beta", 1.5f);
              std::map<std::string, Tensor> inputs{
                  {"a", random_tensor(trans_a ? Shape{k, m} : Shape{m, k}, rng)},
                  {"b", random_tensor(trans_b ? Shape{n, k} : Shape{k, n}, rng)}};
              if (with_c) {
                b.input("c", DType::Float32, {-1});
                inputs["c"] = random_tensor({n}, rng);
              }
              expect_fast_matches_reference(b, inputs,
                                            "m=" + std::to_string(m) + " n=" + std::to_string(n) +
                                                " k=" + std::to_string(k) + " transA=" + std::to_string(trans_a) +
                                                " transB=" + std::to_string(trans_b) + " C=" + std::to_string(with_c));
            }
}

TEST(Kernels, MatMulFastMatchesReference) {
  std::mt19937 rng(11);
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{5}, {5}},          {{3, 5}, {5}},        {{5}, {5, 4}},          {{2, 3, 5}, {5, 4}},
      {{2, 3, 5}, {2, 5, 4}}, {{2, 1, 3, 5}, {4, 5, 6}}, {{1, 64, 512}, {512, 1536}}, {{8, 4, 64}, {8, 64, 4}}};
  for (const auto& [sa, sb] : cases) {
    OnnxBuilder b;
    b.input("a", DType::Float32, Shape(sa.size(), -1)).input("b", DType::Float32, Shape(sb.size(), -1)).output("y");
    b.node("MatMul", {"a", "b"}, {"y"});
    expect_fast_matches_reference(b, {{"a", random_tensor(sa, rng)}, {"b", random_tensor(sb, rng)}},
                                  "a=" + to_string(sa) + " b=" + to_string(sb));
  }
}
