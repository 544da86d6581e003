// The prediction log (`serve --prediction-log FILE`): one line per answered
// row, written by one background thread from a bounded queue. A request
// never waits for it: when the queue is full the entry is dropped and
// counted (Metrics::log_dropped). The file is JSON Lines (.jsonl) or CSV
// (.csv), in the shape `storefuse abtest analyse --log` reads (customer_id,
// variant, outcome, time), rotated by size: FILE -> FILE.1 -> ... FILE.keep,
// each file whole lines only (a CSV file starts with its header).
//
//   PredictionLog log(options, metrics);
//   log.append(std::move(entry));  // false: dropped
//   log.close();                   // writes what is queued, flushes
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "metrics.h"
#include "storefuse/infer/tensor.h"

namespace storefuse::infer::serve {

struct PredictionLogOptions {
  std::string path;                       // .jsonl / .ndjson or .csv
  size_t queue_capacity = 10000;          // entries waiting for the writer
  uint64_t max_bytes = uint64_t(100) << 20;  // a file past this is rotated
  int keep = 3;                           // rotated files kept: FILE.1 .. FILE.keep
};

// One answer (of one request, all its rows); formatted on the writer thread.
struct PredictionEntry {
  double time_s = 0;               // Unix time of the answer
  std::string request_id;
  std::string model, version;
  std::string unit_id;             // "" when the request had none
  std::string experiment, variant; // "" when the model is not routed
  bool shadow = false;             // the shadow variant's answer: never sent to the client
  double latency_ms = 0;
  std::optional<double> outcome;   // request parameter `outcome`, when given
  std::map<std::string, Tensor> outputs;
  std::shared_ptr<const std::vector<std::string>> class_names;  // of behavior_logits
};

class PredictionLog {
 public:
  // Opens (appends to) the file; Error(Usage) for an unknown extension,
  // Error(Io) if it cannot be opened.
  PredictionLog(PredictionLogOptions options, Metrics& metrics);
  ~PredictionLog();  // close()
  PredictionLog(const PredictionLog&) = delete;
  PredictionLog& operator=(const PredictionLog&) = delete;

  // Queues the entry; false (and counted) when the queue is full or closed.
  bool append(PredictionEntry entry);
  // Writes everything queued, flushes, stops the writer. Idempotent.
  void close();

 private:
  void write_loop();
  void write(const std::string& lines, size_t count);
  void rotate();
  void open_file();
  std::string format(const PredictionEntry& e);

  PredictionLogOptions options_;
  Metrics& metrics_;
  bool csv_ = false;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  std::vector<std::string> csv_columns_;  // the output columns of the current CSV file

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<PredictionEntry> queue_;
  bool closing_ = false;
  std::thread writer_;
};

}  // namespace storefuse::infer::serve
