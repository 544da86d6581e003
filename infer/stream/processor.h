// The stream processor: messages in (from any input thread), per-stream
// event-time windows (window.h), the features of each closed window through
// the model's own feature pipeline on feature threads, windows of many
// streams run together by the model server's batcher (serve/batcher.h:
// ModelInstance, max_batch and max_delay), predictions out (outputs.h).
// Every queue is bounded and what it drops is counted.
//
//   Processor p(config, model, metrics, outputs);
//   p.start();
//   p.on_message(topic, payload, "mqtt");      // from any thread
//   p.flush();                                 // SIGTERM: every open window, then waits for their predictions
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../serve/batcher.h"
#include "../serve/visits.h"
#include "outputs.h"
#include "stream_config.h"
#include "stream_metrics.h"
#include "window.h"

namespace storefuse::infer::stream {

class Processor {
 public:
  // Error(Usage) when the model carries no feature spec, (Model) when it
  // breaks the model contract.
  Processor(const StreamConfig& config, std::shared_ptr<const Model> model, StreamMetrics& metrics, Outputs& outputs);
  ~Processor();  // stop()
  Processor(const Processor&) = delete;
  Processor& operator=(const Processor&) = delete;

  void start();  // the timer and feature threads
  // One message; anything malformed is counted by reason and logged with
  // `input`, never thrown.
  void on_message(std::string_view topic, std::string_view payload, const char* input);
  // One frame from a video source, already decoded (its capture time).
  void on_frame(const std::string& stream, double ts, std::vector<uint8_t> gray);
  // Closes every open window (reason: flush) and waits, up to `limit`, for
  // their predictions to reach the outputs. False when some did not.
  bool flush(std::chrono::milliseconds limit = std::chrono::milliseconds(30000));
  void stop();

  // Scale-out: when set, messages of a stream it rejects are not processed.
  void set_owner_filter(std::function<bool(const std::string& stream)> owns) { owns_ = std::move(owns); }
  // Scale-out: when set, the windows of a stream it rejects are closed but
  // not run (a standby keeps the items).
  void set_emit_filter(std::function<bool(const std::string& stream)> emits) { emits_ = std::move(emits); }
  // A stream taken over: its windows from `from` (INT64_MIN: from where it
  // stands) are closed again and run.
  void resume(const std::string& stream, int64_t from);
  // Drops a stream's state without closing its windows (another process took it).
  void release(const std::string& stream);
  // Closes a stream's open windows now (a process handing it over).
  void flush_stream(const std::string& stream);

  const pipeline::PipelineParams& params() const { return visit_model_->pipeline().params(); }
  size_t in_flight() const { return in_flight_.load(); }
  size_t streams() const;

 private:
  struct Stream {
    std::mutex mutex;
    std::string store, camera, key;
    StreamWindows windows;
    WindowCounters seen;  // counters already added to the metrics
    int64_t seed_through = INT64_MIN;  // after a takeover: windows up to it only rebuild the event state
    // The visual parts of frames its windows share (a frame is in
    // length_s / hop_s windows): a window's worth, what the next one reuses.
    features::VisualMemo visual_memo;
    Stream(std::string s, std::string c, const WindowOptions& o, const pipeline::PipelineParams& p)
        : store(std::move(s)), camera(std::move(c)), key(store + "/" + camera), windows(o, p),
          visual_memo(p.visual, static_cast<size_t>(p.visual.frames)) {}
  };
  struct Task {
    std::shared_ptr<Stream> stream;
    ClosedWindow window;
    bool seed = false;
  };

  std::shared_ptr<Stream> find(const std::string& stream) const;  // nullptr: not open
  std::shared_ptr<Stream> find_or_open(const std::string& store, const std::string& camera);
  // With the stream locked: polls it and queues what closed.
  void poll_locked(Stream& s, WallClock::time_point now, bool flush);
  void enqueue(const std::shared_ptr<Stream>& s, std::vector<ClosedWindow> windows);
  void tick_loop();
  void feature_loop();
  void run(Task task);
  void bad_message(const std::string& reason, const std::string& problem, const char* input);

  const StreamConfig& config_;
  StreamMetrics& metrics_;
  Outputs& outputs_;
  serve::ModelSeries& series_;
  std::unique_ptr<serve::ModelInstance> instance_;
  const serve::VisitModel* visit_model_ = nullptr;
  std::map<std::string, int> channel_index_;  // sensor channel name -> column of the model's spec
  std::function<bool(const std::string&)> owns_, emits_;

  mutable std::mutex streams_mutex_;
  std::map<std::string, std::shared_ptr<Stream>> streams_;

  std::mutex tasks_mutex_;
  std::condition_variable tasks_wake_;
  std::deque<Task> tasks_;
  std::atomic<size_t> in_flight_{0};  // windows queued, in features, in the model or on their way to the outputs
  std::atomic<bool> stopping_{false};
  std::thread ticker_;
  std::vector<std::thread> feature_threads_;
};

}  // namespace storefuse::infer::stream
