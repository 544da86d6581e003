// MFCC extraction speed on one core, as milliseconds per second of audio.
// Peer: bench/features/torchaudio_mfcc_bench.py (same parameters and
// signal length). Each benchmark runs 5 repetitions and prints their
// min / median / max.
//
//   build-mfcc/bench/features/bench_mfcc --benchmark_filter=Mfcc16k
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "storefuse/features/audio_resample.h"
#include "storefuse/features/fft.h"
#include "storefuse/features/mfcc.h"

using namespace storefuse::features;

namespace {

constexpr double kSeconds = 10.0;

// Chirp from 50 Hz to 0.45 x the rate plus white noise, fixed seed.
std::vector<float> test_signal(int rate) {
  std::vector<float> x(static_cast<std::size_t>(rate * kSeconds));
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  const double f0 = 50, f1 = 0.45 * rate;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    x[i] = static_cast<float>(0.3 * std::sin(2 * M_PI * (f0 * t + (f1 - f0) * t * t / (2 * kSeconds)))) + noise(rng);
  }
  return x;
}

// CPU time of this thread, so that other load on the machine does not count.
double thread_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

// Milliseconds of CPU per second of audio, over the timed loop.
void audio_rate_counter(benchmark::State& state, double cpu_ms) {
  state.counters["ms_per_audio_s"] = cpu_ms / (static_cast<double>(state.iterations()) * kSeconds);
}

void min_median_max(benchmark::internal::Benchmark* b) {
  b->Repetitions(5)
      ->DisplayAggregatesOnly(true)
      ->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); })
      ->ComputeStatistics("max", [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); })
      ->Unit(benchmark::kMillisecond);
}

void run_mfcc(benchmark::State& state, const MfccParams& params) {
  const MfccExtractor mfcc(params);
  const auto x = test_signal(params.sample_rate_hz);
  std::vector<float> out(static_cast<std::size_t>(params.n_mfcc) * mfcc.num_frames(x.size()));
  const double start = thread_cpu_ms();
  for (auto _ : state) {
    mfcc.compute(x.data(), x.size(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
  audio_rate_counter(state, thread_cpu_ms() - start);
}

// The headline: 16 kHz, n_fft 400 (25 ms), hop 160 (10 ms), 40 mels, 13 MFCC,
// Hann, centred with reflect padding, decibels with top_db 80 (MfccParams{}).
void BM_Mfcc16k(benchmark::State& state) { run_mfcc(state, MfccParams{}); }
BENCHMARK(BM_Mfcc16k)->Apply(min_median_max);

// A non-power-of-two odd FFT (551 = 19 x 29) at 22.05 kHz, 64 mels, 20 MFCC.
void BM_Mfcc22k_nfft551(benchmark::State& state) {
  MfccParams p;
  p.sample_rate_hz = 22050;
  p.n_fft = p.win_length = 551;
  p.hop_length = 220;
  p.n_mels = 64;
  p.n_mfcc = 20;
  run_mfcc(state, p);
}
BENCHMARK(BM_Mfcc22k_nfft551)->Apply(min_median_max);

// One RealFft::forward call: kLanes real transforms of length n.
void BM_RealFft(benchmark::State& state) {
  const RealFft fft(static_cast<int>(state.range(0)));
  std::vector<float> in(static_cast<std::size_t>(fft.size()) * RealFft::kLanes, 0.5f);
  std::vector<float> re(fft.bins() * RealFft::kLanes), im(re.size()), scratch(fft.scratch_floats());
  for (auto _ : state) {
    fft.forward(in.data(), re.data(), im.data(), scratch.data());
    benchmark::DoNotOptimize(re.data());
  }
  state.counters["transforms"] =
      benchmark::Counter(RealFft::kLanes, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_RealFft)->Arg(400)->Arg(512)->Arg(551)->Arg(1024)->Arg(2048);

void BM_Resample44kTo16k(benchmark::State& state) {
  const auto x = test_signal(44100);
  const double start = thread_cpu_ms();
  for (auto _ : state) benchmark::DoNotOptimize(resample_audio(x, 44100, 16000).data());
  audio_rate_counter(state, thread_cpu_ms() - start);
}
BENCHMARK(BM_Resample44kTo16k)->Apply(min_median_max);

}  // namespace

BENCHMARK_MAIN();
