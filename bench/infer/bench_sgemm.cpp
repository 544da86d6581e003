// GEMM shapes of the seed network at small batch: cblas_sgemm against one
// cblas_sgemv per row, the reference loops, the runtime's sgemm_fast (B
// computed at run time) and its panel GEMM (B packed at load).
// BM_dot_kernels / BM_read: batch 1 over the seed network's 6M weights
// (24 MB float32, out of cache) with each dot-kernel set and weight type,
// and with the panel GEMM (BM_panel_gemv, the float32 path), beside a plain
// float32 read of the same bytes: batch-1 fp32 is bounded by how fast one
// core reads memory (bytes_per_second is the weight bytes).
//   build-infer/bench/infer/bench_infer_sgemm --benchmark_min_time=0.2
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "dot_kernels.h"
#include "panel_gemm.h"
#include "sgemm.h"
#include "storefuse/infer/process.h"

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

// The panel GEMM on weights packed at load (what Gemm / MatMul with constant
// weights run), on one thread; items are multiply-adds.
void BM_panel_gemm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  Operands o(m, n, k);
  const PanelWeights w(o.b.data(), n, k, state.range(3) != 0);
  GemmEpilogue e;
  tbb::task_arena one(1);  // on one thread
  for (auto _ : state) {
    one.execute([&] { w.multiply(o.a.data(), k, m, o.c.data(), n, e); });
    benchmark::DoNotOptimize(o.c.data());
  }
  state.SetItemsProcessed(state.iterations() * m * n * k);
  state.SetLabel(panel_kernels().isa);
}

// As BM_panel_gemm, cycling through copies of the weights that add up to
// 48 MB, so that each product finds its weights out of cache (as in a run
// of the whole network, 23 MB of weights).
void BM_panel_gemm_cold(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  Operands o(m, n, k);
  std::vector<PanelWeights> copies;
  for (int64_t bytes = 0; bytes < (48 << 20); bytes += n * k * 4) copies.emplace_back(o.b.data(), n, k, true);
  GemmEpilogue e;
  size_t next = 0;
  tbb::task_arena one(1);  // on one thread
  for (auto _ : state) {
    one.execute([&] { copies[next].multiply(o.a.data(), k, m, o.c.data(), n, e); });
    next = (next + 1) % copies.size();
    benchmark::DoNotOptimize(o.c.data());
  }
  state.SetItemsProcessed(state.iterations() * m * n * k);
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

constexpr int64_t kSeedRows = 6000, kSeedK = 1000;  // about the seed network's 6M weights

// Arguments: kernel set (0 portable, 1 avx2, 2 avx512), weight type (0 f32, 1 f16, 2 i8).
void BM_dot_kernels(benchmark::State& state) {
  const auto sets = available_dot_kernels();
  if (state.range(0) >= static_cast<int64_t>(sets.size())) {
    state.SkipWithError("this CPU lacks the instruction set");
    return;
  }
  const DotKernels& set = sets[state.range(0)];
  const int type = static_cast<int>(state.range(1));
  const size_t count = static_cast<size_t>(kSeedRows * kSeedK);
  std::vector<float> w32(type == 0 ? count : 0, 0.5f), a(kSeedK, 1.0f), out(64);
  std::vector<uint16_t> w16(type == 1 ? count : 0, 0x3800);
  std::vector<int8_t> w8(type == 2 ? count : 0, 3);
  for (auto _ : state) {
    for (int64_t j = 0; j < kSeedRows; j += 64) {
      const int64_t rows = std::min<int64_t>(64, kSeedRows - j);
      if (type == 0) set.f32(w32.data() + j * kSeedK, kSeedK, rows, kSeedK, a.data(), kSeedK, 1, out.data(), 64);
      if (type == 1) set.f16(w16.data() + j * kSeedK, kSeedK, rows, kSeedK, a.data(), kSeedK, 1, out.data(), 64);
      if (type == 2) set.i8(w8.data() + j * kSeedK, kSeedK, rows, kSeedK, a.data(), kSeedK, 1, out.data(), 64);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(count) * (type == 0 ? 4 : type == 1 ? 2 : 1));
  state.SetLabel(std::string(set.isa) + (type == 0 ? " float32" : type == 1 ? " float16" : " int8"));
}

// Batch 1 over the same 6M float32 weights in panels (kernel set as for
// BM_dot_kernels).
void BM_panel_gemv(benchmark::State& state) {
  const auto sets = available_panel_kernels();
  if (state.range(0) >= static_cast<int64_t>(sets.size())) {
    state.SkipWithError("this CPU lacks the instruction set");
    return;
  }
  std::vector<float> w(static_cast<size_t>(kSeedRows * kSeedK), 0.5f), a(kSeedK, 1.0f), out(kSeedRows);
  const PanelWeights panels(w.data(), kSeedRows, kSeedK, true);
  w = {};
  GemmEpilogue e;
  tbb::task_arena one(1);  // on one thread
  for (auto _ : state) {
    one.execute([&] { panels.multiply(a.data(), kSeedK, 1, out.data(), kSeedRows, e, &sets[state.range(0)]); });
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * kSeedRows * kSeedK * 4);
  state.SetLabel(sets[state.range(0)].isa);
}

void BM_read(benchmark::State& state) {
  std::vector<float> w(static_cast<size_t>(kSeedRows * kSeedK), 0.5f);
  for (auto _ : state) {
    float acc[16] = {};
    for (size_t i = 0; i < w.size(); i += 16)
      for (int l = 0; l < 16; ++l) acc[l] += w[i + l];
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(w.size() * 4));
}

}  // namespace

BENCHMARK(BM_dot_kernels)->ArgsProduct({{0, 1, 2}, {0, 1, 2}})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_panel_gemv)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_read)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cblas_sgemm)->Apply(args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cblas_sgemv_per_row)->Apply(args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_sgemm_fast)->Apply(args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_panel_gemm)->Apply(args)->Unit(benchmark::kMicrosecond);
// Every weight matrix of the seed network at batch 64 (m = 256 for the
// attention projections: 4 tokens per sample), weights [N, K].
BENCHMARK(BM_panel_gemm)
    ->ArgNames({"m", "n", "k", "nk"})
    ->Args({64, 512, 2048, 1})->Args({64, 256, 130, 1})->Args({64, 512, 256, 1})->Args({64, 512, 768, 1})
    ->Args({64, 512, 512, 1})->Args({64, 64, 10, 1})->Args({64, 512, 64, 1})->Args({256, 1536, 512, 0})
    ->Args({256, 512, 512, 1})->Args({64, 1024, 2048, 1})->Args({64, 512, 1024, 1})->Args({64, 256, 512, 1})
    ->Args({64, 10, 256, 1})->Args({64, 1, 256, 1})
    ->Unit(benchmark::kMicrosecond);
// Training's shapes (batch 256, weights [N, K]): whether the panel GEMM
// would beat OpenBLAS there (docs/training.md), both on one thread.
BENCHMARK(BM_cblas_sgemm)->ArgNames({"m", "n", "k", "nk"})->Args({256, 512, 2048, 1})->Args({256, 1024, 2048, 1})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_panel_gemm)->ArgNames({"m", "n", "k", "nk"})->Args({256, 512, 2048, 1})->Args({256, 1024, 2048, 1})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_panel_gemm_cold)
    ->ArgNames({"m", "n", "k"})
    ->Args({64, 512, 2048})->Args({64, 1024, 2048})->Args({64, 512, 512})->Args({256, 512, 512})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_sgemm_reference)->Args({4, 1536, 512, 0})->Args({1, 512, 2048, 1})->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
