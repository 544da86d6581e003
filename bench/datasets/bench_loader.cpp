// bench_loader: samples per second through the full training loader (read
// from an HDF5 file, shuffle, batch, prefetch) on a seed-shaped dataset:
// float32 visual 2048, audio 130, text 768, sensor 10, 50,000 samples.
//
//   build/bench/datasets/bench_loader                     # all configurations
//   build/bench/datasets/bench_loader --benchmark_filter='level:0'
//
// The files are written once to /tmp (about 600 MB each) and reused; they are
// read from the page cache after the first epoch, as in a real multi-epoch
// run on a machine whose memory holds the file. Each configuration is one
// warm-up epoch followed by 3 timed epochs, reported as min/median/max.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "storefuse/datasets/dataset_writer.h"
#include "storefuse/datasets/loader.h"

namespace fs = std::filesystem;
using namespace storefuse::datasets;

namespace {

constexpr int64_t kSamples = 50000;

FeatureSpec bench_spec() {
  std::vector<std::string> classes;
  for (int i = 0; i < 10; ++i) classes.push_back("class" + std::to_string(i));
  return seed_vector_spec(classes);
}

// Normally distributed features: close to what encoders' inputs look like
// after normalisation, and (honestly) hard to compress.
fs::path bench_file(int level) {
  fs::path path = fs::temp_directory_path() /
                  ("storefuse-bench-loader-" + std::to_string(kSamples) + "-level" +
                   std::to_string(level) + ".h5");
  if (fs::exists(path)) return path;
  const FeatureSpec spec = bench_spec();
  WriterOptions options;
  options.compression_level = level;
  DatasetWriter writer(path, spec, {{"source", "bench_loader"}, {"seed", 1}}, options);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  const int64_t step = 1000;
  for (int64_t first = 0; first < kSamples; first += step) {
    Batch b = Batch::allocate(spec, step, true);
    for (Modality m : kModalities) {
      float* p = b.input(m).as<float>();
      for (int64_t i = 0; i < step * spec[m].numel(); ++i) p[i] = normal(rng);
    }
    for (int64_t r = 0; r < step; ++r) {
      std::fill_n(&b.mask[r * kNumModalities], kNumModalities, 1);
      b.behavior[r] = (first + r) % 10;
      b.dwell_s[r] = float((first + r) % 120);
      b.engagement[r] = float((first + r) % 100) / 100.0f;
      b.sample_id[r] = first + r;
      b.customer_id[r] = (first + r) / 4;
      b.store_id[r] = static_cast<int32_t>((first + r) % 20);
      b.camera_id[r] = static_cast<int32_t>((first + r) % 8);
      b.timestamp[r] = 1.7e9 + double(first + r);
    }
    writer.append(b);
  }
  writer.close();
  return path;
}

void BM_LoaderEpoch(benchmark::State& state) {
  const int level = static_cast<int>(state.range(0));
  LoaderOptions options;
  options.batch_size = 256;
  options.seed = 1;
  options.read_threads = static_cast<int>(state.range(1));
  auto reader = DatasetReader::open(bench_file(level));
  Loader loader({reader}, options);

  int64_t epoch = 0, samples = 0;
  auto run_epoch = [&] {
    loader.start_epoch(epoch++);
    int64_t n = 0;
    while (auto b = loader.next()) {
      benchmark::DoNotOptimize(b->input(Modality::Visual).data());
      n += b->rows;
    }
    return n;
  };
  run_epoch();  // warm-up: page cache, allocator
  for (auto _ : state) samples += run_epoch();

  state.counters["samples_per_s"] = benchmark::Counter(static_cast<double>(samples),
                                                       benchmark::Counter::kIsRate);
  state.counters["file_MB"] = static_cast<double>(reader->storage().file_bytes) / 1e6;
  state.counters["peak_buffer_MB"] = static_cast<double>(loader.peak_buffer_bytes()) / 1e6;
}

auto min_of = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
auto max_of = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };

}  // namespace

BENCHMARK(BM_LoaderEpoch)
    ->ArgNames({"level", "read_threads"})
    ->ArgsProduct({{0, 1, 4}, {1, 2}})
    ->Iterations(1)
    ->Repetitions(3)
    ->ComputeStatistics("min", min_of)
    ->ComputeStatistics("max", max_of)
    ->ReportAggregatesOnly(true)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
