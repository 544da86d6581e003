// The panel GEMM (float32 weights packed in 32-column panels): every kernel
// set this CPU runs against a double-precision reference over shape sweeps
// (odd and tile-multiple m, n, k; N tails inside a panel; K blocked and not;
// every part of the epilogue), on 1 and 2 threads, A packed in row tiles
// and read in place. Fixed seeds; every parameter is printed on failure.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "dot_kernels.h"
#include "panel_gemm.h"
#include "storefuse/infer/process.h"

using namespace storefuse::infer;

namespace {

struct Case {
  int64_t m, n, k;
  bool nk;  // W given as [N, K] (else [K, N])
  GemmEpilogue e;
  int threads;
};

std::string describe(const PanelKernels& set, const Case& c) {
  return std::string(set.isa) + " m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) +
         " k=" + std::to_string(c.k) + " nk=" + std::to_string(c.nk) + " alpha=" + std::to_string(c.e.alpha) +
         " beta=" + std::to_string(c.e.beta) + " bias=" + std::to_string(c.e.bias != nullptr) +
         " relu=" + std::to_string(c.e.relu) + " threads=" + std::to_string(c.threads);
}

void check(const PanelKernels& set, Case c, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const int64_t lda = c.k + 3, ldc = c.n + 5;  // strided rows catch indexing slips
  std::vector<float> w(static_cast<size_t>(c.n * c.k)), a(static_cast<size_t>(c.m * lda)), bias(c.n);
  for (float& x : w) x = dist(rng);
  for (float& x : a) x = dist(rng);
  for (float& x : bias) x = dist(rng);
  if (c.e.bias) c.e.bias = bias.data();
  const std::string params = describe(set, c);
  SCOPED_TRACE(params);
  // W [N, K] as the kernels see it, whichever way it was given.
  auto weight = [&](int64_t j, int64_t p) { return c.nk ? w[j * c.k + p] : w[p * c.n + j]; };
  const PanelWeights panels(w.data(), c.n, c.k, c.nk);
  std::vector<float> round_trip(static_cast<size_t>(c.n * c.k));
  panels.unpack(0, c.n, round_trip.data());
  for (int64_t j = 0; j < c.n; ++j)
    for (int64_t p = 0; p < c.k; ++p) ASSERT_EQ(round_trip[j * c.k + p], weight(j, p)) << "unpack " << j << "," << p;

  std::vector<float> out(static_cast<size_t>(c.m * ldc)), before;
  for (float& x : out) x = c.e.beta != 0 ? dist(rng) : NAN;  // beta 0: C must not be read
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = c.n; j < ldc; ++j) out[i * ldc + j] = -7.0f;
  before = out;
  tbb::task_arena arena(c.threads);
  arena.execute([&] { panels.multiply(a.data(), lda, c.m, out.data(), ldc, c.e, &set); });
  // Rows read in place instead of packed in tiles (what runs for a single
  // tile of rows): the same sums in the same order, so the same bits.
  PanelKernels in_place = set;
  in_place.f32_packed = nullptr;
  std::vector<float> unpacked = before;
  arena.execute([&] { panels.multiply(a.data(), lda, c.m, unpacked.data(), ldc, c.e, &in_place); });
  for (size_t i = 0; i < out.size(); ++i) {
    if (!(std::isnan(out[i]) && std::isnan(unpacked[i]))) {
      ASSERT_EQ(out[i], unpacked[i]) << "packed A, element " << i;
    }
  }
  for (int64_t i = 0; i < c.m; ++i) {
    for (int64_t j = 0; j < c.n; ++j) {
      double sum = 0, magnitude = 0;
      for (int64_t p = 0; p < c.k; ++p) {
        sum += static_cast<double>(a[i * lda + p]) * weight(j, p);
        magnitude += std::abs(static_cast<double>(a[i * lda + p]) * weight(j, p));
      }
      double want = c.e.alpha * sum;
      if (c.e.beta != 0) want += c.e.beta * static_cast<double>(before[i * ldc + j]);
      if (c.e.bias) want += c.e.bias_scale * static_cast<double>(bias[j]);
      if (c.e.relu && want < 0) want = 0;
      ASSERT_NEAR(out[i * ldc + j], want, 2e-6 * (1 + magnitude)) << "row " << i << " col " << j;
    }
    for (int64_t j = c.n; j < ldc; ++j) ASSERT_EQ(out[i * ldc + j], -7.0f) << "wrote past the columns";
  }
}

}  // namespace

TEST(PanelGemm, EveryKernelSetMatchesDoublePrecision) {
  std::mt19937 rng(23);
  const auto sets = available_panel_kernels();
  ASSERT_FALSE(sets.empty());
  EXPECT_STREQ(sets.front().isa, "portable");
  int variant = 0;
  for (const PanelKernels& set : sets) {
    ASSERT_GE(set.rows, 1);
    const int first = variant;
    for (int64_t m : {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 25, 64})
      for (int64_t n : {1, 5, 16, 31, 32, 33, 70})
        for (int64_t k : {0, 1, 7, 16, 33, 257, 600}) {
          // The epilogue's parts and the layouts cycle through the cases.
          const int v = variant++;
          Case c{m, n, k, v % 2 == 0, GemmEpilogue{}, 1 + (v / 2) % 2};
          c.e.alpha = v % 3 == 0 ? 1.0f : 0.75f;
          c.e.beta = v % 5 < 2 ? 0.0f : (v % 5 == 2 ? 1.0f : -0.5f);
          c.e.bias = v % 4 < 2 ? nullptr : &c.e.alpha;  // replaced by the bias vector in check()
          c.e.bias_scale = v % 7 == 0 ? 1.0f : 1.5f;
          c.e.relu = v % 6 >= 3;
          check(set, c, rng);
          if (HasFatalFailure()) return;
        }
    // Says which sets ran (under qemu-aarch64: that NEON did).
    std::printf("[ kernels  ] panel GEMM %s: %d shapes compared\n", set.isa, variant - first);
  }
}

// The set a process runs is the best one the CPU has (what kernel_info()
// reports, and the last of the available ones); on arm64 that is NEON.
TEST(PanelGemm, TheCpusBestKernelSetIsChosen) {
  const KernelInfo info = kernel_info();
  EXPECT_EQ(info.isa, panel_kernels().isa);
  EXPECT_EQ(info.isa, dot_kernels().isa);
  EXPECT_EQ(info.isa, available_panel_kernels().back().isa);
  EXPECT_EQ(info.isa, available_dot_kernels().back().isa);
#if defined(__aarch64__)
  EXPECT_EQ(info.isa, "neon") << info.cpu_features;
#endif
  std::printf("[ kernels  ] chosen: %s (cpu: %s)\n", info.isa.c_str(), info.cpu_features.c_str());
}

// Products large enough to split across threads, both ways: by panels
// (n > 32) and by rows (one panel, many rows); 2 threads equal 1 exactly
// (each output is computed by one thread in the same order).
TEST(PanelGemm, ThreadsSplitWithoutChangingAnyOutput) {
  std::mt19937 rng(29);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (const auto& shape : std::vector<std::array<int64_t, 3>>{{64, 512, 300}, {200, 20, 700}, {3, 1000, 800}}) {
    const int64_t m = shape[0], n = shape[1], k = shape[2];  // (lambdas cannot capture bindings in C++17)
    std::vector<float> w(static_cast<size_t>(n * k)), a(static_cast<size_t>(m * k)), bias(n);
    for (float& x : w) x = dist(rng);
    for (float& x : a) x = dist(rng);
    for (float& x : bias) x = dist(rng);
    const PanelWeights panels(w.data(), n, k, true);
    GemmEpilogue e;
    e.bias = bias.data();
    e.relu = true;
    std::vector<float> one(static_cast<size_t>(m * n)), two(one.size());
    tbb::task_arena(1).execute([&] { panels.multiply(a.data(), k, m, one.data(), n, e); });
    tbb::task_arena(2).execute([&] { panels.multiply(a.data(), k, m, two.data(), n, e); });
    EXPECT_EQ(one, two) << "m=" << m << " n=" << n << " k=" << k;
  }
}

// Products with B computed at run time, packed per call (attention's
// per-head products): every kernel set against double precision, B with a
// row stride wider than n, tails inside a panel and past one.
TEST(PanelGemm, SmallProductsMatchDoublePrecision) {
  std::mt19937 rng(43);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> scratch;
  for (const PanelKernels& set : available_panel_kernels())
    for (int64_t m : {1, 4, 7, 13})
      for (int64_t n : {1, 4, 31, 33, 64})
        for (int64_t k : {0, 1, 4, 64}) {
          const int64_t lda = k + 1, ldb = n + 2, ldc = n + 3;
          std::vector<float> a(static_cast<size_t>(m * lda)), b(static_cast<size_t>(std::max<int64_t>(k, 1) * ldb));
          for (float& x : a) x = dist(rng);
          for (float& x : b) x = dist(rng);
          std::vector<float> c(static_cast<size_t>(m * ldc), -7.0f);
          panel_gemm_small(a.data(), lda, m, b.data(), ldb, n, k, c.data(), ldc, scratch, &set);
          const std::string params = std::string(set.isa) + " m=" + std::to_string(m) + " n=" + std::to_string(n) +
                                     " k=" + std::to_string(k);
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) {
              double want = 0;
              for (int64_t p = 0; p < k; ++p) want += static_cast<double>(a[i * lda + p]) * b[p * ldb + j];
              ASSERT_NEAR(c[i * ldc + j], want, 1e-5 * (1 + k)) << params << " row " << i << " col " << j;
            }
            for (int64_t j = n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], -7.0f) << params << " wrote past the columns";
          }
        }
}
