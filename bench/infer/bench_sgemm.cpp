// GEMM shapes of the seed network at small batch: cblas_sgemm against one
// cblas_sgemv per row, the reference loops, and the runtime's sgemm_fast.
//   build-infer/bench/infer/bench_infer_sgemm --benchmark_min_time=0.2
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <random>
#include <vector>

#include "sgemm.h"

using namespace storefuse::infer;

namespace {

struct Operands {
  std::vector<float> a, b, c;
  Operands(int64_t m, int64_t n, int64_t k) : a(m * k), b(k * n), c(m * n) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> d(-1, 1);
    for (float& x : a) x = d(rng);
    for (float& x : b) x = d(rng);
  }
};

// Arguments: m, n, k, trans_b.
void args(benchmark::internal::Benchmark* b) {
  for (int64_t m : {1, 4, 8, 64}) {
    b->Args({m, 1536, 512, 0});  // attention in_proj (MatMul, weights [K, N])
    b->Args({m, 512, 2048, 1});  // visual encoder (Gemm transB, weights [N, K])
  }
}

void BM_cblas_sgemm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const bool tb = state.range(3);
  Operands o(m, n, k);
  use_single_threaded_blas();
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, o.a.data(), k,
                o.b.data(), tb ? k : n, 0.0f, o.c.data(), n);
    benchmark::DoNotOptimize(o.c.data());
  }
}

void BM_cblas_sgemv_per_row(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const bool tb = state.range(3);
  Operands o(m, n, k);
  use_single_threaded_blas();
  for (auto _ : state) {
    for (int64_t i = 0; i < m; ++i)
      cblas_sgemv(CblasRowMajor, tb ? CblasNoTrans : CblasTrans, tb ? n : k, tb ? k : n, 1.0f, o.b.data(),
                  tb ? k : n, o.a.data() + i * k, 1, 0.0f, o.c.data() + i * n, 1);
    benchmark::DoNotOptimize(o.c.data());
  }
}

void BM_sgemm_fast(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  Operands o(m, n, k);
  use_single_threaded_blas();
  const GemmShape s = dense_gemm(false, state.range(3), m, n, k);
  for (auto _ : state) {
    sgemm_fast(s, 1.0f, o.a.data(), o.b.data(), 0.0f, o.c.data());
    benchmark::DoNotOptimize(o.c.data());
  }
}

void BM_sgemm_reference(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  Operands o(m, n, k);
  const GemmShape s = dense_gemm(false, state.range(3), m, n, k);
  for (auto _ : state) {
    sgemm_reference(s, 1.0f, o.a.data(), o.b.data(), 0.0f, o.c.data());
    benchmark::DoNotOptimize(o.c.data());
  }
}

}  // namespace

BENCHMARK(BM_cblas_sgemm)->Apply(args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cblas_sgemv_per_row)->Apply(args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_sgemm_fast)->Apply(args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_sgemm_reference)->Args({4, 1536, 512, 0})->Args({1, 512, 2048, 1})->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
