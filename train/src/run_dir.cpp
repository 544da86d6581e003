#include "storefuse/train/run_dir.h"

#include "storefuse/train/kernel_threads.h"

#include <ATen/Parallel.h>
#include <torch/version.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/version.h"

namespace storefuse::train {
namespace fs = std::filesystem;

void MetricsLog::truncate_for_resume(const fs::path& file, int64_t epoch, int64_t step) {
  if (!fs::exists(file)) return;
  std::ifstream in(file);
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json r = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (r.is_discarded()) continue;  // a line cut short by a kill
    const bool keep = r.value("kind", "") == "epoch" ? r.value("epoch", int64_t{0}) < epoch
                                                     : r.value("step", int64_t{0}) <= step;
    if (keep) kept += line + "\n";
  }
  write_file_atomic(file, kept);
}

MetricsLog::MetricsLog(const fs::path& file) : file_(std::fopen(file.c_str(), "a")) {
  if (!file_) throw Error(ErrorKind::Io, "cannot open for appending", file.string());
}

MetricsLog::~MetricsLog() { std::fclose(file_); }

void MetricsLog::write(const json& record) {
  std::string line = record.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

const std::vector<std::string>& timing_fields() {
  static const std::vector<std::string> fields = {"samples_per_s", "epoch_time_s", "time"};
  return fields;
}

json environment_json(uint64_t seed, const std::string& device) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return {{"storefuse_version", STOREFUSE_VERSION},
          {"torch_version", TORCH_VERSION},
          {"compiler", __VERSION__},
          {"intra_op_threads", at::get_num_threads()},
          {"inter_op_threads", at::get_num_interop_threads()},
          {"kernel_threads", kernel_threads()},
          {"parallel_info", at::get_parallel_info()},
          {"seed", seed},
          {"device", device},
          {"host", host},
          {"started", when}};
}

std::vector<RunSummary> list_runs(const fs::path& root) {
  std::vector<RunSummary> runs;
  if (!fs::is_directory(root)) return runs;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory() && fs::exists(entry.path() / "config.yaml")) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    RunSummary run;
    run.name = dir.filename().string();
    auto cfg = config::load(dir / "config.yaml");
    const auto& es = cfg["train"]["early_stopping"];
    run.best_metric = es["metric"].as_string();
    const bool maximise = es["mode"].as_string() == "max";
    std::ifstream in(dir / "metrics.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      json r = json::parse(line, nullptr, false);
      if (r.is_discarded() || r.value("kind", "") != "epoch") continue;
      ++run.epochs;
      run.last_epoch = r;
      // A NaN metric (a correlation of constant predictions) is written as null.
      if (!r.contains(run.best_metric) || !r[run.best_metric].is_number()) continue;
      const double v = r[run.best_metric].get<double>();
      if (run.best_epoch.is_null() ||
          (maximise ? v > run.best_epoch[run.best_metric].get<double>()
                    : v < run.best_epoch[run.best_metric].get<double>())) {
        run.best_epoch = r;
      }
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace storefuse::train
