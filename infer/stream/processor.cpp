#include "processor.h"

#include <chrono>
#include <cmath>
#include <iostream>

#include "../serve/server.h"
#include "message.h"
#include "storefuse/core/error.h"
#include "storefuse/pipeline/clip_decoder.h"

namespace storefuse::infer::stream {

namespace {

serve::BatchOptions batch_options(const StreamConfig& c) {
  serve::BatchOptions b;
  b.workers = c.model_workers;
  b.session.threads = 1;
  b.max_batch = c.max_batch;
  b.max_queue_delay_us = static_cast<int64_t>(c.max_delay_ms * 1000);
  b.queue_capacity = static_cast<int>(c.window_queue);
  return b;
}

// A short reason for the malformed counter's label, from the error's problem.
std::string reason_of(const Error& e, Kind kind) {
  const std::string& p = e.problem();
  if (e.kind() == ErrorKind::Unsupported) return "unsupported";
  if (p.find("topic") != std::string::npos || p.find("kind of item") != std::string::npos) return "topic";
  if (p.find("over the limit") != std::string::npos) return "too_large";
  if (p.find("'ts'") != std::string::npos) return "timestamp";
  if (e.kind() == ErrorKind::Data && kind == Kind::Frame && p.find("image") != std::string::npos) return "undecodable_frame";
  if (p.find("JSON") != std::string::npos || p.find("json") != std::string::npos) return "json";
  return "fields";
}

}  // namespace

Processor::Processor(const StreamConfig& config, std::shared_ptr<const Model> model, StreamMetrics& metrics, Outputs& outputs)
    : config_(config), metrics_(metrics), outputs_(outputs), series_(metrics.model.series("stream", "1")) {
  instance_ = std::make_unique<serve::ModelInstance>("stream", "1", std::move(model), batch_options(config), series_);
  visit_model_ = &serve::visit_model(*instance_);
  const auto& channels = visit_model_->pipeline().params().sensor.channels;
  for (size_t c = 0; c < channels.size(); ++c) channel_index_[channels[c].name] = static_cast<int>(c);
}

Processor::~Processor() { stop(); }

void Processor::start() {
  ticker_ = std::thread([this] { tick_loop(); });
  for (int i = 0; i < config_.feature_threads; ++i) feature_threads_.emplace_back([this] { feature_loop(); });
}

size_t Processor::streams() const {
  std::lock_guard<std::mutex> lock(streams_mutex_);
  return streams_.size();
}

void Processor::bad_message(const std::string& reason, const std::string& problem, const char* input) {
  metrics_.malformed(reason);
  static std::atomic<uint64_t> logged{0};
  const uint64_t n = ++logged;
  // The first 20, then one in 1000: a flood of bad messages does not flood the log.
  if (n <= 20 || n % 1000 == 0)
    std::cerr << "storefuse-infer stream: refused a message from " << input << " (" << reason << "): " << problem
              << (n > 20 ? " [" + std::to_string(n) + " refused so far]" : "") << "\n";
}

std::shared_ptr<Processor::Stream> Processor::find_or_open(const std::string& store, const std::string& camera) {
  const std::string key = store + "/" + camera;
  std::lock_guard<std::mutex> lock(streams_mutex_);
  auto it = streams_.find(key);
  if (it != streams_.end()) return it->second;
  if (static_cast<int>(streams_.size()) >= config_.max_streams) {
    ++metrics_.streams_refused;
    return nullptr;
  }
  auto s = std::make_shared<Stream>(store, camera, config_.window, params());
  streams_.emplace(key, s);
  metrics_.streams = streams_.size();
  return s;
}

void Processor::on_message(std::string_view topic, std::string_view payload, const char* input) {
  const uint64_t cpu = thread_cpu_ns();
  const auto started = WallClock::now();
  Kind kind = Kind::Pos;
  try {
    Message m = parse_message(topic, payload, config_.prefix, config_.message_limits);
    kind = m.kind;
    const double now_unix = serve::unix_time_s();
    if (m.ts > now_unix + config_.max_future_s)
      throw Error(ErrorKind::Data, "'ts' is " + std::to_string(m.ts - now_unix) + " s in the future", std::string(topic),
                  "stamp items with their capture time (limits.max_future_s)");
    if (m.ts < now_unix - config_.max_past_s)
      throw Error(ErrorKind::Data, "'ts' is " + std::to_string(now_unix - m.ts) + " s in the past", std::string(topic),
                  "stamp items with their capture time (limits.max_past_s)");
    if (owns_ && !owns_(m.stream())) return;
    ++metrics_.messages[static_cast<size_t>(m.kind)];
    // Decoded before the stream is locked: decoding is the costly part.
    std::vector<uint8_t> gray;
    std::vector<float> samples, values;
    if (m.kind == Kind::Frame) gray = pipeline::decode_image(m.bytes, params().visual);
    if (m.kind == Kind::Audio) {
      samples = pcm_samples(m);
      for (float v : samples)
        if (!std::isfinite(v)) throw Error(ErrorKind::Data, "the audio chunk holds a non-finite sample", std::string(topic));
    }
    if (m.kind == Kind::Sensor) {
      values.assign(channel_index_.size(), std::numeric_limits<float>::quiet_NaN());
      for (const auto& [name, v] : m.values) {
        auto c = channel_index_.find(name);
        if (c != channel_index_.end()) values[static_cast<size_t>(c->second)] = static_cast<float>(v);
      }
    }
    std::shared_ptr<Stream> s = find_or_open(m.store, m.camera);
    if (!s) {
      bad_message("stream_limit", "stream " + m.stream() + " is one past limits.max_streams", input);
      return;
    }
    const auto now = WallClock::now();
    {
      std::lock_guard<std::mutex> lock(s->mutex);
      switch (m.kind) {
        case Kind::Frame: s->windows.add_frame(m.ts, std::move(gray), now, m.visit); break;
        case Kind::Audio: s->windows.add_audio(m.ts, m.rate_hz, std::move(samples), now, m.visit); break;
        case Kind::Pos: s->windows.add_text(m.ts, std::move(m.line), now, m.visit); break;
        case Kind::Sensor: s->windows.add_sensor(m.ts, std::move(values), now, m.visit); break;
      }
      const uint64_t late_before = s->seen.late_items;
      poll_locked(*s, now, false);
      if (s->windows.counters().late_items > late_before && !config_.late.empty())
        outputs_.late(json{{"stream", m.stream()}, {"kind", to_string(m.kind)}, {"ts", m.ts}, {"visit", m.visit},
                           {"arrived", serve::unix_time_s()}});
    }
  } catch (const Error& e) {
    bad_message(reason_of(e, kind), e.what(), input);
  } catch (const std::exception& e) {
    bad_message("fields", e.what(), input);
  }
  metrics_.decode_seconds.observe(std::chrono::duration<double>(WallClock::now() - started).count());
  metrics_.cpu_ns[static_cast<size_t>(Stage::Decode)] += thread_cpu_ns() - cpu;
}

void Processor::on_frame(const std::string& stream, double ts, std::vector<uint8_t> gray) {
  const size_t slash = stream.find('/');
  std::shared_ptr<Stream> s = find_or_open(stream.substr(0, slash), stream.substr(slash + 1));
  if (!s) return;
  ++metrics_.messages[static_cast<size_t>(Kind::Frame)];
  const auto now = WallClock::now();
  std::lock_guard<std::mutex> lock(s->mutex);
  s->windows.add_frame(ts, std::move(gray), now);
  poll_locked(*s, now, false);
}

void Processor::poll_locked(Stream& s, WallClock::time_point now, bool flush) {
  std::vector<ClosedWindow> closed = s.windows.poll(now, flush);
  const WindowCounters& c = s.windows.counters();
  metrics_.late_items += c.late_items - s.seen.late_items;
  metrics_.late_dropped += c.late_dropped - s.seen.late_dropped;
  metrics_.revisions += c.revisions - s.seen.revisions;
  metrics_.overflow_items += c.overflow_items - s.seen.overflow_items;
  metrics_.windows_empty += c.empty_windows - s.seen.empty_windows;
  metrics_.duplicates += c.duplicates - s.seen.duplicates;
  s.seen = c;
  if (closed.empty()) return;
  std::shared_ptr<Stream> self = find(s.key);
  if (!self) return;  // released meanwhile
  enqueue(self, std::move(closed));
}

void Processor::enqueue(const std::shared_ptr<Stream>& s, std::vector<ClosedWindow> windows) {
  if (emits_ && !emits_(s->key)) return;  // a standby's: the owner runs them
  std::lock_guard<std::mutex> lock(tasks_mutex_);
  for (ClosedWindow& w : windows) {
    ++metrics_.windows_closed[static_cast<size_t>(w.reason)];
    if (tasks_.size() >= config_.window_queue) {
      ++metrics_.windows_dropped_features;
      continue;
    }
    ++in_flight_;
    const bool seed = w.index <= s->seed_through && w.revision == 0;
    tasks_.push_back(Task{s, std::move(w), seed});
  }
  tasks_wake_.notify_all();
}

void Processor::tick_loop() {
  while (!stopping_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::vector<std::shared_ptr<Stream>> all;
    {
      std::lock_guard<std::mutex> lock(streams_mutex_);
      for (const auto& [k, s] : streams_) all.push_back(s);
    }
    const auto now = WallClock::now();
    for (const auto& s : all) {
      bool timed_out;
      {
        std::lock_guard<std::mutex> lock(s->mutex);
        timed_out = std::chrono::duration<double>(now - s->windows.last_arrival()).count() > config_.stream_timeout_s;
        poll_locked(*s, now, timed_out);
      }
      if (timed_out) {  // flushed: its state goes
        {
          std::lock_guard<std::mutex> lock(streams_mutex_);
          streams_.erase(s->key);
          metrics_.streams = streams_.size();
        }
        outputs_.forget(s->key);
      }
    }
  }
}

void Processor::feature_loop() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(tasks_mutex_);
      tasks_wake_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    run(std::move(task));
  }
}

void Processor::run(Task task) {
  const uint64_t cpu = thread_cpu_ns();
  const auto started = WallClock::now();
  auto in = std::make_shared<serve::VisitInputs>();
  try {
    task.window.media.visual_memo = &task.stream->visual_memo;
    *in = visit_model_->inputs(task.window.media);
  } catch (const std::exception& e) {
    bad_message("features", "window " + std::to_string(task.window.end_s) + " of " + task.stream->key + ": " + e.what(),
                "features");
    --in_flight_;
    return;
  }
  metrics_.features_seconds.observe(std::chrono::duration<double>(WallClock::now() - started).count());
  metrics_.cpu_ns[static_cast<size_t>(Stage::Features)] += thread_cpu_ns() - cpu;

  auto p = std::make_shared<Prediction>();
  p->store = task.stream->store;
  p->camera = task.stream->camera;
  p->visit = task.window.visit;
  p->index = task.window.index;
  p->start_s = task.window.start_s;
  p->end_s = task.window.end_s;
  p->revision = task.window.revision;
  p->seed = task.seed;
  p->close = to_string(task.window.reason);
  p->present = in->present;
  p->incomplete = task.window.incomplete;
  p->features_ms = in->features_ms;
  p->wait_ms = std::chrono::duration<double, std::milli>(started - task.window.closed).count();
  const WallClock::time_point closed = task.window.closed;

  serve::Job job;
  job.inputs = std::move(in->feeds);
  job.rows = in->rows;
  job.admitted = serve::Clock::now();
  job.deadline = serve::Clock::time_point::max();
  job.done = [this, p, in, closed](serve::JobResult&& r) {
    if (r.status == 200) {
      try {
        const json a = visit_model_->answer(r.outputs, *in);
        p->behavior = a["behavior"].get<std::string>();
        for (const auto& [name, v] : a["probabilities"].items()) p->probabilities.emplace_back(name, v.get<double>());
        p->dwell_s = a["dwell_s"].get<double>();
        p->engagement = a["engagement"].get<double>();
      } catch (const std::exception& e) {
        r.status = 500;
        r.error = e.what();
      }
    }
    if (r.status != 200) {
      bad_message("model", "window of " + p->stream() + ": " + r.error, "model");
    } else {
      p->queue_ms = r.queue_s * 1e3;
      p->model_ms = r.compute_s * 1e3;
      p->batch_rows = r.batch_rows;
      const double latency = std::chrono::duration<double>(WallClock::now() - closed).count();
      p->latency_ms = latency * 1e3;
      metrics_.close_to_prediction_seconds.observe(latency);
      metrics_.model_queue_seconds.observe(r.queue_s);
      metrics_.model_seconds.observe(r.compute_s);
      metrics_.cpu_ns[static_cast<size_t>(Stage::Model)] +=
          static_cast<uint64_t>(r.compute_s * 1e9 / static_cast<double>(std::max<int64_t>(1, r.batch_rows)));
      outputs_.push(std::move(*p));
    }
    --in_flight_;
  };
  // max_queue_wait is off: the model queue is bounded by window_queue.
  try {
    if (!instance_->submit(std::move(job))) {
      ++metrics_.windows_dropped_model;
      --in_flight_;
    }
  } catch (const std::exception& e) {
    bad_message("model", e.what(), "model");
    --in_flight_;
  }
}

std::shared_ptr<Processor::Stream> Processor::find(const std::string& stream) const {
  std::lock_guard<std::mutex> lock(streams_mutex_);
  auto it = streams_.find(stream);
  return it == streams_.end() ? nullptr : it->second;
}

void Processor::resume(const std::string& stream, int64_t from) {
  std::shared_ptr<Stream> s = find(stream);
  if (!s) return;
  std::lock_guard<std::mutex> lock(s->mutex);
  if (from != INT64_MIN) {
    // The window before `from` runs too, unwritten: the events' state (the
    // last behaviour, which thresholds hold) is then what the old owner had.
    const int64_t at = s->windows.rewind(from - 1);
    s->seed_through = at < from ? from - 1 : INT64_MIN;
    if (at >= from) {  // the owner's progress lagged more than the items kept
      metrics_.takeover_windows_lost += static_cast<uint64_t>(at - from);
      std::cerr << "storefuse-infer stream: took over " << stream << " from window " << from
                << ", but the items kept reach back to window " << at << " only: " << at - from
                << " windows are not run, and the events' state starts afresh (raise window.deadline_s: a standby keeps "
                   "max(10 s, 4 x deadline_s))\n";
    }
  }
  poll_locked(*s, WallClock::now(), false);
}

void Processor::release(const std::string& stream) {
  std::lock_guard<std::mutex> lock(streams_mutex_);
  streams_.erase(stream);
  metrics_.streams = streams_.size();
}

void Processor::flush_stream(const std::string& stream) {
  std::shared_ptr<Stream> s = find(stream);
  if (!s) return;
  std::lock_guard<std::mutex> lock(s->mutex);
  poll_locked(*s, WallClock::now(), true);
}

bool Processor::flush(std::chrono::milliseconds limit) {
  std::vector<std::string> keys;
  {
    std::lock_guard<std::mutex> lock(streams_mutex_);
    for (const auto& [k, s] : streams_) keys.push_back(k);
  }
  for (const std::string& k : keys) flush_stream(k);
  const auto until = WallClock::now() + limit;
  while (in_flight_.load() > 0 && WallClock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return in_flight_.load() == 0;
}

void Processor::stop() {
  if (stopping_.exchange(true)) return;
  tasks_wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  for (auto& t : feature_threads_) t.join();
  feature_threads_.clear();
  instance_.reset();  // finishes what is queued
}

}  // namespace storefuse::infer::stream
