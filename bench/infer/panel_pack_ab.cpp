// The panel GEMM with A packed in row tiles against A read in place, in one
// process, alternating pair by pair (this machine's speed drifts by half
// between seconds, so separate runs do not compare): prints the min and
// median time of each and their ratios.
//   build/bench/infer/panel_pack_ab M N K [THREADS] [PAIRS]
//   e.g. 256 1536 512 2 (attention's in-projection at batch 64)
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "panel_gemm.h"

using namespace storefuse::infer;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s M N K [THREADS=1] [PAIRS=300]\n", argv[0]);
    return 2;
  }
  const int64_t m = std::atol(argv[1]), n = std::atol(argv[2]), k = std::atol(argv[3]);
  const int threads = argc > 4 ? std::atoi(argv[4]) : 1, pairs = argc > 5 ? std::atoi(argv[5]) : 300;
  if (m < 1 || n < 1 || k < 1 || threads < 1 || pairs < 1) {
    std::fprintf(stderr, "M, N, K, THREADS and PAIRS must be positive\n");
    return 2;
  }
  std::vector<float> a(m * k), b(n * k), c(m * n);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-1, 1);
  for (float& x : a) x = d(rng);
  for (float& x : b) x = d(rng);
  const PanelWeights w(b.data(), n, k, true);
  PanelKernels packed = panel_kernels(), in_place = packed;
  in_place.f32_packed = nullptr;
  tbb::task_arena arena(threads);
  auto time = [&](const PanelKernels& kernels) {
    const auto t0 = std::chrono::steady_clock::now();
    arena.execute([&] {
      for (int i = 0; i < 5; ++i) w.multiply(a.data(), k, m, c.data(), n, GemmEpilogue{}, &kernels);
    });
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / 5;
  };
  for (int i = 0; i < 5; ++i) time(packed), time(in_place);
  std::vector<double> tp, ti;
  for (int i = 0; i < pairs; ++i) tp.push_back(time(packed)), ti.push_back(time(in_place));
  std::sort(tp.begin(), tp.end());
  std::sort(ti.begin(), ti.end());
  const double mac = double(m) * n * k / 1e3;  // per microsecond -> G/s
  std::printf("%ld x %ld x %ld, %d threads, %s, %d pairs: packed min %.0f median %.0f us (%.1f GMAC/s at min); "
              "in place min %.0f median %.0f us (%.1f); packed / in place: min %.3f, median %.3f\n",
              m, n, k, threads, packed.isa, pairs, tp[0], tp[pairs / 2], mac / tp[0], ti[0], ti[pairs / 2],
              mac / ti[0], tp[0] / ti[0], tp[pairs / 2] / ti[pairs / 2]);
}
