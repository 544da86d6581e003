// The server's Prometheus metrics (text exposition format 0.0.4), named
// after Triton's nv_inference_*: counters of requests, inferences, batches
// and durations, and histograms of queue time, compute time and batch size,
// one series per model, version and variant. Updates are lock-free; a new
// series takes a lock once.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace storefuse::infer::serve {

// Cumulative buckets with fixed upper bounds, in the unit the bounds give.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  void write(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // one per bound, then +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micro_{0};  // sum x 1e6, in the bounds' unit
};

// What one model version (under one variant) counts.
struct ModelSeries {
  ModelSeries();
  std::atomic<uint64_t> request_success{0};
  std::atomic<uint64_t> request_failure{0};    // failed after admission (bad input, run error)
  std::atomic<uint64_t> request_rejected{0};   // 503: queue full, draining
  std::atomic<uint64_t> request_timeout{0};    // deadline passed in the queue
  std::atomic<uint64_t> shadow_success{0};     // shadow copies answered (only logged)
  std::atomic<uint64_t> shadow_shed{0};        // shadow copies not run: the queue was half full
  std::atomic<uint64_t> inference_count{0};    // rows
  std::atomic<uint64_t> exec_count{0};         // Session::run calls
  std::atomic<uint64_t> request_duration_us{0};
  std::atomic<uint64_t> queue_duration_us{0};
  std::atomic<uint64_t> compute_duration_us{0};
  Histogram queue_seconds;
  Histogram compute_seconds;
  Histogram request_seconds;
  Histogram batch_size;
};

class Metrics {
 public:
  // The series of (model, version, variant); created on first use, never
  // removed (an unloaded version's totals stay, as Prometheus expects).
  ModelSeries& series(const std::string& model, const std::string& version, const std::string& variant = "");
  // Server-wide counters.
  std::atomic<uint64_t> http_requests{0};
  std::atomic<uint64_t> http_errors{0};  // 4xx and 5xx answers
  std::atomic<uint64_t> open_connections{0};
  std::atomic<uint64_t> refused_connections{0};
  std::atomic<uint64_t> log_dropped{0};   // prediction log entries dropped
  std::atomic<uint64_t> log_written{0};
  std::string text() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<ModelSeries>> series_;  // by label string
};

}  // namespace storefuse::infer::serve
