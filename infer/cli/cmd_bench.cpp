// storefuse-infer bench: latency and throughput of a model on random inputs,
// for every batch size x thread count. Warms up, repeats, prints min /
// median / p99 latency and samples per second, then the load time, the
// bytes of weights the loaded model keeps and the process's peak resident
// memory.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>

#include "command.h"
#include "environment.h"
#include "storefuse/core/error.h"
#include "storefuse/infer/process.h"
#include "storefuse/infer/session.h"

namespace storefuse::infer::cli {

namespace {

// Random inputs with the batch axis (the only dynamic dimension allowed) set.
std::map<std::string, Tensor> random_inputs(const Model& model, int batch) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::map<std::string, Tensor> inputs;
  for (const ValueInfo& v : model.inputs()) {
    Shape shape = v.shape;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] >= 0) continue;
      if (d != 0)
        throw Error(ErrorKind::Unsupported, "input '" + v.name + "' has a dynamic dimension " + std::to_string(d),
                    "storefuse-infer bench", "bench fills in the batch axis (dimension 0) only");
      shape[d] = batch;
    }
    Tensor t(v.dtype, shape);  // zeros; floats get random values
    if (v.dtype == DType::Float32) std::generate_n(t.data<float>(), t.numel(), [&] { return dist(rng); });
    inputs[v.name] = t;
  }
  return inputs;
}

struct Stats {
  double min_ms, median_ms, p99_ms, samples_per_s;
};

Stats measure(Session& session, const std::map<std::string, Tensor>& inputs, int batch, int warmup, int repeats) {
  for (int i = 0; i < warmup; ++i) session.run(inputs);
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    session.run(inputs);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  double total = 0;
  for (double m : ms) total += m;
  std::sort(ms.begin(), ms.end());
  const size_t p99 = std::min(ms.size() - 1, static_cast<size_t>(0.99 * static_cast<double>(ms.size())));
  return {ms.front(), ms[ms.size() / 2], ms[p99], batch * repeats / (total / 1000.0)};
}

// CPU time of the calling thread, in ms: on a shared machine the load time
// in wall-clock terms includes waiting for a core.
double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// A field of /proc/self/status in MB (VmRSS, VmHWM), or -1 where there is none.
double proc_status_mb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == field + ":") {
      double kb = 0;
      in >> kb;
      return kb / 1024.0;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

}  // namespace

int run_bench(const std::vector<std::string>& args) {
  po::options_description options("bench options");
  options.add_options()
      ("model,m", po::value<std::string>()->required(), "ONNX model file")
      ("batch,b", po::value<std::string>()->default_value("1"), "batch sizes, comma-separated (e.g. 1,8,64)")
      ("threads,t", po::value<std::string>()->default_value("1"), "thread counts, comma-separated; 0 = all cores")
      ("warmup", po::value<int>()->default_value(10), "untimed runs before measuring")
      ("repeats,r", po::value<int>()->default_value(100), "timed runs per configuration")
      ("reference", po::bool_switch(), "use the plain reference kernels")
      ("profile", po::bool_switch(), "print time per op type for each configuration, and of each load step");
  add_load_options(options);
  po::variables_map vm;
  if (!parse_args("bench", "--model MODEL.onnx [--batch 1,8,64] [--threads 1,2]", options, args, vm)) return 0;
  const int warmup = vm["warmup"].as<int>(), repeats = vm["repeats"].as<int>();
  if (warmup < 0 || repeats < 1)
    throw Error(ErrorKind::Usage, "--warmup must be >= 0 and --repeats >= 1", "storefuse-infer bench");
  const std::vector<int> batches = parse_int_list(vm["batch"].as<std::string>(), "batch");
  const std::vector<int> threads = parse_int_list(vm["threads"].as<std::string>(), "threads", true);

  const double rss_before_mb = proc_status_mb("VmRSS");
  const auto load_start = std::chrono::steady_clock::now();
  const double load_cpu_start = thread_cpu_ms();
  auto model = Model::load(vm["model"].as<std::string>(), load_options(vm));
  const double load_cpu_ms = thread_cpu_ms() - load_cpu_start;
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - load_start).count();
  const double rss_loaded_mb = proc_status_mb("VmRSS");
  const KernelInfo kernels = kernel_info();
  std::printf("kernels: %s (cpu: %s)%s\n", kernels.isa.c_str(), kernels.cpu_features.c_str(),
              vm["reference"].as<bool>() ? ", not used: --reference" : "");
  std::printf("%6s %8s %10s %10s %10s %12s\n", "batch", "threads", "min_ms", "median_ms", "p99_ms", "samples/s");
  for (int batch : batches) {
    const auto inputs = random_inputs(*model, batch);
    for (int t : threads) {
      SessionOptions session_options = cli::session_options(t);
      session_options.reference_kernels = vm["reference"].as<bool>();
      session_options.profile = vm["profile"].as<bool>();
      Session session(model, session_options);
      const Stats s = measure(session, inputs, batch, warmup, repeats);
      std::printf("%6d %8d %10.3f %10.3f %10.3f %12.1f\n", batch, t, s.min_ms, s.median_ms, s.p99_ms,
                  s.samples_per_s);
      if (session_options.profile) {
        for (const OpProfile& p : session.profile())
          std::printf("    %-20s %8lld calls %10.3f ms/run\n", p.op_type.c_str(), static_cast<long long>(p.calls),
                      p.total_ms / (warmup + repeats));
      }
    }
  }
  std::string packed;
  for (const auto& [format, count] : model->packed_weight_counts())
    packed += (packed.empty() ? "" : ", ") + std::to_string(count) + " " + format;
  std::printf("load %.1f ms (%.1f ms CPU); weights %.1f MB (packed matrices: %s); resident memory: %.1f MB "
              "before loading, +%.1f MB loaded, +%.1f MB after the runs, peak +%.1f MB\n",
              load_ms, load_cpu_ms, static_cast<double>(model->weight_bytes()) / (1024.0 * 1024.0),
              packed.empty() ? "none" : packed.c_str(), rss_before_mb, rss_loaded_mb - rss_before_mb,
              proc_status_mb("VmRSS") - rss_before_mb, proc_status_mb("VmHWM") - rss_before_mb);
  if (vm["profile"].as<bool>()) {
    std::printf("load steps:");
    for (const LoadPhase& p : model->load_profile()) std::printf(" %s %.1f ms", p.name.c_str(), p.ms);
    std::printf("\n");
  }
  return 0;
}

}  // namespace storefuse::infer::cli
