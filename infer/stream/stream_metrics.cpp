#include "stream_metrics.h"

#include <cstdio>
#include <ctime>

#include "events.h"
#include "message.h"

namespace storefuse::infer::stream {

namespace {

std::vector<double> latency_bounds() { return {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5}; }

void counter(std::string& out, const std::string& name, const std::string& help, const std::string& labels, uint64_t v,
             bool header = true) {
  if (header) out += "# HELP " + name + " " + help + "\n# TYPE " + name + " counter\n";
  out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(v) + "\n";
}

}  // namespace

const char* to_string(Stage s) {
  switch (s) {
    case Stage::Decode: return "decode";
    case Stage::Features: return "features";
    case Stage::Model: return "model";
    case Stage::Output: return "output";
  }
  return "?";
}

StreamMetrics::StreamMetrics()
    : close_to_prediction_seconds(latency_bounds()), features_seconds(latency_bounds()),
      model_queue_seconds(latency_bounds()), model_seconds(latency_bounds()), decode_seconds(latency_bounds()) {}

void StreamMetrics::malformed(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++malformed_[reason];
}

uint64_t StreamMetrics::malformed_total() const {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t n = 0;
  for (const auto& [r, c] : malformed_) n += c;
  return n;
}

std::string StreamMetrics::text(const std::string& extra) const {
  std::string out = model.text();
  const Kind kinds[] = {Kind::Frame, Kind::Audio, Kind::Pos, Kind::Sensor};
  for (size_t k = 0; k < 4; ++k)
    counter(out, "storefuse_stream_messages_total", "Messages taken, by kind.", std::string("kind=\"") + to_string(kinds[k]) + "\"",
            messages[k], k == 0);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    out += "# HELP storefuse_stream_malformed_total Messages refused, by reason.\n# TYPE storefuse_stream_malformed_total counter\n";
    for (const auto& [reason, n] : malformed_) counter(out, "storefuse_stream_malformed_total", "", "reason=\"" + reason + "\"", n, false);
  }
  out += "# HELP storefuse_stream_streams Streams open.\n# TYPE storefuse_stream_streams gauge\nstorefuse_stream_streams " +
         std::to_string(streams.load()) + "\n";
  counter(out, "storefuse_stream_streams_refused_total", "Streams refused past limits.max_streams.", "", streams_refused);
  counter(out, "storefuse_stream_takeover_windows_lost_total",
          "Windows a takeover could not run again: older than the items the standby kept.", "", takeover_windows_lost);
  const char* reasons[] = {"watermark", "deadline", "flush"};
  for (size_t r = 0; r < 3; ++r)
    counter(out, "storefuse_stream_windows_closed_total", "Windows closed, by what closed them.",
            std::string("reason=\"") + reasons[r] + "\"", windows_closed[r], r == 0);
  counter(out, "storefuse_stream_windows_empty_total", "Windows closed with no item in them (not run).", "", windows_empty);
  counter(out, "storefuse_stream_windows_dropped_total", "Windows dropped, by the full queue.", "queue=\"features\"",
          windows_dropped_features);
  counter(out, "storefuse_stream_windows_dropped_total", "", "queue=\"model\"", windows_dropped_model, false);
  counter(out, "storefuse_stream_windows_dropped_total", "", "queue=\"output\"", outputs_dropped, false);
  counter(out, "storefuse_stream_late_items_total", "Items that came after a window they belong to closed.", "", late_items);
  counter(out, "storefuse_stream_late_dropped_total", "Late items no open or revisable window needed.", "", late_dropped);
  counter(out, "storefuse_stream_revisions_total", "Revised predictions of closed windows.", "", revisions);
  counter(out, "storefuse_stream_overflow_items_total", "Items dropped by window.max_items.", "", overflow_items);
  counter(out, "storefuse_stream_duplicate_items_total", "Items received twice (same capture time), kept once.", "", duplicates);
  counter(out, "storefuse_stream_predictions_total", "Window predictions written.", "", predictions);
  for (size_t t = 0; t < event_types().size(); ++t)
    counter(out, "storefuse_stream_events_total", "Events, by type.", "type=\"" + event_types()[t] + "\"", events[t], t == 0);
  counter(out, "storefuse_stream_events_unpublished_total", "Events the MQTT outbox had no room for (still in the JSONL file).",
          "", events_unpublished);
  out += "# HELP storefuse_stream_cpu_seconds_total CPU time by stage (model: its runs' time on one-thread sessions).\n"
         "# TYPE storefuse_stream_cpu_seconds_total counter\n";
  for (int s = 0; s < kStages; ++s) {
    char v[32];
    std::snprintf(v, sizeof v, "%.6f", static_cast<double>(cpu_ns[size_t(s)].load()) / 1e9);
    out += std::string("storefuse_stream_cpu_seconds_total{stage=\"") + to_string(static_cast<Stage>(s)) + "\"} " + v + "\n";
  }
  auto histogram = [&](const serve::Histogram& h, const std::string& name, const std::string& help) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
    h.write(out, name, "");
  };
  histogram(close_to_prediction_seconds, "storefuse_stream_close_to_prediction_seconds", "From a window's close to its prediction.");
  histogram(decode_seconds, "storefuse_stream_decode_seconds", "Parsing and decoding one message.");
  histogram(features_seconds, "storefuse_stream_features_seconds", "Features of one window.");
  histogram(model_queue_seconds, "storefuse_stream_model_queue_seconds", "A window's wait for a model worker.");
  histogram(model_seconds, "storefuse_stream_model_seconds", "The model run that computed a window.");
  return out + extra;
}

uint64_t thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

}  // namespace storefuse::infer::stream
