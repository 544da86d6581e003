#include "outputs.h"

#include <cerrno>
#include <cstring>

#include "mqtt.h"
#include "storefuse/core/error.h"

namespace storefuse::infer::stream {

namespace {

std::FILE* open_jsonl(const std::filesystem::path& path) {
  if (path.empty()) return nullptr;
  std::FILE* f = std::fopen(path.string().c_str(), "a");
  if (!f)
    throw Error(ErrorKind::Io, std::string("cannot open the output file: ") + std::strerror(errno), path.string(),
                "check that its folder exists and is writable");
  return f;
}

}  // namespace

Outputs::Outputs(const StreamConfig& config, StreamMetrics& metrics)
    : config_(config), metrics_(metrics), rules_(config.events_options) {
  predictions_ = open_jsonl(config.predictions);
  events_ = open_jsonl(config.events);
  late_ = open_jsonl(config.late);
  writer_ = std::thread([this] { loop(); });
}

Outputs::~Outputs() { close(); }

bool Outputs::push(Prediction p) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closing_ || queue_.size() >= config_.output_queue) {
    ++metrics_.outputs_dropped;
    return false;
  }
  queue_.emplace_back(std::move(p));
  wake_.notify_one();
  return true;
}

void Outputs::late(json item) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closing_ || !late_ || queue_.size() >= config_.output_queue) return;
  queue_.emplace_back(std::move(item));
  wake_.notify_one();
}

void Outputs::forget(const std::string& stream) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.emplace_back(Forget{stream});
  wake_.notify_one();
}

size_t Outputs::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size() + (busy_ ? 1 : 0);
}

void Outputs::loop() {
  const bool publish = config_.publish_events || config_.publish_predictions;
  for (;;) {
    std::deque<Entry> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      busy_ = false;
      wake_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;
      batch.swap(queue_);
      busy_ = true;
    }
    const uint64_t cpu = thread_cpu_ns();
    std::string predictions, events, late;
    std::map<std::string, int64_t> newest;
    for (Entry& e : batch) {
      if (auto* f = std::get_if<Forget>(&e)) {
        rules_.forget(f->stream);
        continue;
      }
      if (auto* j = std::get_if<json>(&e)) {
        late += j->dump() + "\n";
        continue;
      }
      const Prediction& p = std::get<Prediction>(e);
      if (p.seed) {
        rules_.update(p);
        continue;
      }
      const std::string line = p.to_json().dump();
      predictions += line + "\n";
      ++metrics_.predictions;
      if (p.revision == 0) {
        auto [it, fresh] = newest.emplace(p.stream(), p.index);
        if (!fresh) it->second = std::max(it->second, p.index);
      }
      if (publish && mqtt_ && config_.publish_predictions)
        mqtt_->publish(config_.prefix + "/" + p.stream() + "/prediction", line);
      for (const Event& ev : rules_.update(p)) {
        const std::string event = ev.to_json().dump();
        events += event + "\n";
        for (size_t t = 0; t < event_types().size(); ++t)
          if (event_types()[t] == ev.type) ++metrics_.events[t];
        if (mqtt_ && config_.publish_events && !mqtt_->publish(config_.prefix + "/" + p.stream() + "/events", event))
          ++metrics_.events_unpublished;
      }
    }
    auto write = [](std::FILE* f, const std::string& s) {
      if (!f || s.empty()) return;
      std::fwrite(s.data(), 1, s.size(), f);
      std::fflush(f);
    };
    // Events first: a window's event is on disk before its prediction says it ran.
    write(events_, events);
    write(predictions_, predictions);
    write(late_, late);
    if (progress_)
      for (const auto& [stream, index] : newest) progress_(stream, index);
    metrics_.cpu_ns[static_cast<size_t>(Stage::Output)] += thread_cpu_ns() - cpu;
  }
}

void Outputs::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_ && !writer_.joinable()) return;
    closing_ = true;
    wake_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
  for (std::FILE** f : {&predictions_, &events_, &late_}) {
    if (*f) std::fclose(*f);
    *f = nullptr;
  }
}

}  // namespace storefuse::infer::stream
