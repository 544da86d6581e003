// Where predictions and events go: one writer thread takes them from a
// bounded queue (full: dropped and counted, never waited for), derives the
// events (events.h), appends both to their JSONL files (whole lines,
// flushed after each batch) and publishes the events, QoS 1, to
// PREFIX/STORE/CAMERA/events (predictions to .../prediction when asked).
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

#include "events.h"
#include "stream_config.h"
#include "stream_metrics.h"

namespace storefuse::infer::stream {

class MqttClient;

class Outputs {
 public:
  // Opens (appends to) the configured files: Error(Io) naming the file.
  Outputs(const StreamConfig& config, StreamMetrics& metrics);
  ~Outputs();  // close()
  Outputs(const Outputs&) = delete;
  Outputs& operator=(const Outputs&) = delete;

  void set_publisher(MqttClient* mqtt) { mqtt_ = mqtt; }
  // Called after each write with the newest window written per stream (scale-out).
  void set_progress(std::function<void(const std::string& stream, int64_t window)> progress) {
    progress_ = std::move(progress);
  }
  bool push(Prediction p);
  void late(json item);                // the side output of late items
  void forget(const std::string& stream);  // a stream that timed out: its event state goes
  size_t queued() const;
  void close();  // writes what is queued, flushes, stops the writer; idempotent

 private:
  struct Forget {
    std::string stream;
  };
  using Entry = std::variant<Prediction, json, Forget>;
  void loop();

  const StreamConfig& config_;
  StreamMetrics& metrics_;
  MqttClient* mqtt_ = nullptr;
  std::function<void(const std::string&, int64_t)> progress_;
  EventRules rules_;
  std::FILE* predictions_ = nullptr;
  std::FILE* events_ = nullptr;
  std::FILE* late_ = nullptr;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Entry> queue_;
  bool closing_ = false, busy_ = false;
  std::thread writer_;
};

}  // namespace storefuse::infer::stream
