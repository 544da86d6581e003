#include "metrics.h"

#include <charconv>

#include "v2_codec.h"

namespace storefuse::infer::serve {

namespace {

std::string number(double v) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}

// Prometheus label values escape backslash, quote and newline.
std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

const std::vector<double>& latency_bounds() {
  static const std::vector<double> b = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
  return b;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<uint64_t>(value * 1e6 + 0.5), std::memory_order_relaxed);
}

void Histogram::write(std::string& out, const std::string& name, const std::string& labels) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += name + "_bucket{" + labels + (labels.empty() ? "" : ",") + "le=\"" + (i < bounds_.size() ? number(bounds_[i]) : "+Inf") + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  const std::string braced = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braced + " " + number(static_cast<double>(sum_micro_.load()) / 1e6) + "\n";
  out += name + "_count" + braced + " " + std::to_string(count_.load()) + "\n";
}

ModelSeries::ModelSeries()
    : queue_seconds(latency_bounds()),
      compute_seconds(latency_bounds()),
      request_seconds(latency_bounds()),
      batch_size({1, 2, 4, 8, 16, 32, 64, 128}) {}

ModelSeries& Metrics::series(const std::string& model, const std::string& version, const std::string& variant) {
  std::string labels = "model=\"" + label_value(model) + "\",version=\"" + label_value(version) + "\"";
  if (!variant.empty()) labels += ",variant=\"" + label_value(variant) + "\"";
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = series_[labels];
  if (!slot) slot = std::make_unique<ModelSeries>();
  return *slot;
}

std::string Metrics::text() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mutex_);
  auto counter = [&](const char* name, const char* help, auto field) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
    for (const auto& [labels, s] : series_) out += std::string(name) + "{" + labels + "} " + std::to_string(((*s).*field).load()) + "\n";
  };
  counter("nv_inference_request_success", "Successful inference requests", &ModelSeries::request_success);
  counter("nv_inference_request_failure", "Failed inference requests (bad input or a failed run)", &ModelSeries::request_failure);
  counter("storefuse_inference_request_rejected", "Requests refused with 503 (queue full or draining)", &ModelSeries::request_rejected);
  counter("storefuse_inference_request_timeout", "Requests whose deadline passed while queued", &ModelSeries::request_timeout);
  counter("storefuse_inference_shadow_success", "Shadow copies answered (their answers only logged)", &ModelSeries::shadow_success);
  counter("storefuse_inference_shadow_shed", "Shadow copies shed because the shadow's queue was half full", &ModelSeries::shadow_shed);
  counter("nv_inference_count", "Inferences (batch rows) performed", &ModelSeries::inference_count);
  counter("nv_inference_exec_count", "Model executions (batches) performed", &ModelSeries::exec_count);
  counter("nv_inference_request_duration_us", "Cumulative request duration, queue and compute", &ModelSeries::request_duration_us);
  counter("nv_inference_queue_duration_us", "Cumulative time requests waited in the queue", &ModelSeries::queue_duration_us);
  counter("nv_inference_compute_infer_duration_us", "Cumulative time in Session::run, per request", &ModelSeries::compute_duration_us);
  auto histogram = [&](const char* name, const char* help, auto field) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " histogram\n";
    for (const auto& [labels, s] : series_) ((*s).*field).write(out, name, labels);
  };
  histogram("nv_inference_queue_duration_seconds", "Time from admission to the start of the run", &ModelSeries::queue_seconds);
  histogram("nv_inference_compute_duration_seconds", "Time of the batch's Session::run", &ModelSeries::compute_seconds);
  histogram("nv_inference_request_duration_seconds", "Time from admission to the answer", &ModelSeries::request_seconds);
  histogram("nv_inference_batch_size", "Rows per model execution", &ModelSeries::batch_size);
  auto gauge = [&](const char* name, const char* type, const char* help, uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " + std::to_string(v) + "\n";
  };
  gauge("storefuse_http_requests_total", "counter", "HTTP requests answered", http_requests.load());
  gauge("storefuse_http_errors_total", "counter", "HTTP answers with a 4xx or 5xx status", http_errors.load());
  gauge("storefuse_http_open_connections", "gauge", "Open client connections", open_connections.load());
  gauge("storefuse_http_refused_connections_total", "counter", "Connections refused at the connection limit", refused_connections.load());
  gauge("storefuse_prediction_log_written_total", "counter", "Prediction log entries written", log_written.load());
  gauge("storefuse_prediction_log_dropped_total", "counter", "Prediction log entries dropped because the writer fell behind", log_dropped.load());
  return out;
}

}  // namespace storefuse::infer::serve
