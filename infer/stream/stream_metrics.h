// What `storefuse-infer stream` counts, served as Prometheus text on
// /metrics beside the model's nv_inference_* series (serve/metrics.h):
// messages by kind and malformed ones by reason, windows closed by reason,
// late, dropped and revised windows, events by type, per-stage latency
// histograms and the CPU seconds of each stage.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "../serve/metrics.h"

namespace storefuse::infer::stream {

enum class Stage { Decode, Features, Model, Output };
constexpr int kStages = 4;
const char* to_string(Stage s);

struct StreamMetrics {
  StreamMetrics();
  serve::Metrics model;  // the model instance's series
  std::array<std::atomic<uint64_t>, 4> messages{};   // by Kind
  std::atomic<uint64_t> streams{0};                   // open now
  std::atomic<uint64_t> streams_refused{0};           // past limits.max_streams
  std::atomic<uint64_t> takeover_windows_lost{0};     // a takeover's windows older than the items kept
  std::array<std::atomic<uint64_t>, 3> windows_closed{};  // by CloseReason
  std::atomic<uint64_t> windows_empty{0}, windows_dropped_features{0}, windows_dropped_model{0}, outputs_dropped{0};
  std::atomic<uint64_t> late_items{0}, late_dropped{0}, revisions{0}, overflow_items{0}, duplicates{0};
  std::atomic<uint64_t> predictions{0};
  std::array<std::atomic<uint64_t>, 4> events{};      // by event_types()
  std::atomic<uint64_t> events_unpublished{0};
  std::array<std::atomic<uint64_t>, kStages> cpu_ns{};
  serve::Histogram close_to_prediction_seconds, features_seconds, model_queue_seconds, model_seconds, decode_seconds;

  void malformed(const std::string& reason);
  uint64_t malformed_total() const;
  std::string text(const std::string& extra = {}) const;  // extra: lines appended (the MQTT client's)

 private:
  mutable std::mutex mutex_;
  std::map<std::string, uint64_t> malformed_;  // by reason
};

// CPU time of the calling thread, in ns.
uint64_t thread_cpu_ns();

}  // namespace storefuse::infer::stream
