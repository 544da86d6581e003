#include "window.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "storefuse/features/audio_resample.h"
#include "storefuse/features/sensor.h"
#include "storefuse/features/visual.h"

namespace storefuse::infer::stream {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kVisual = static_cast<int>(datasets::Modality::Visual);
constexpr int kAudio = static_cast<int>(datasets::Modality::Audio);
constexpr int kText = static_cast<int>(datasets::Modality::Text);
constexpr int kSensor = static_cast<int>(datasets::Modality::Sensor);

// The window index whose end is the first grid point strictly after t.
int64_t first_after(double t, double hop) { return static_cast<int64_t>(std::floor(t / hop)) + 1; }

}  // namespace

const char* to_string(CloseReason r) {
  switch (r) {
    case CloseReason::Watermark: return "watermark";
    case CloseReason::Deadline: return "deadline";
    case CloseReason::Flush: return "flush";
  }
  return "?";
}

StreamWindows::StreamWindows(WindowOptions options, pipeline::PipelineParams params)
    : options_(options), params_(std::move(params)) {
  lookback_[kVisual] = options_.length_s;
  lookback_[kAudio] = params_.clip_s;
  lookback_[kText] = options_.text_lookback_s;
  lookback_[kSensor] = params_.sensor.window_s;
}

double StreamWindows::watermark(int m) const {
  const Source& s = sources_[static_cast<size_t>(m)];
  return s.seen ? s.max_ts - options_.out_of_order_s[static_cast<size_t>(m)] : -kInf;
}

bool StreamWindows::idle(int m, WallClock::time_point now) const {
  const Source& s = sources_[static_cast<size_t>(m)];
  if (!s.seen) return true;
  if (std::chrono::duration<double>(now - s.last).count() > options_.idle_wall_s) return true;
  double leading = -kInf;
  for (int k = 0; k < kModalities; ++k) leading = std::max(leading, watermark(k));
  return leading - watermark(m) > options_.idle_lag_s[static_cast<size_t>(m)];
}

bool StreamWindows::arrive(int m, double ts, double span, WallClock::time_point now) {
  const double hop = options_.hop_s;
  if (next_ == std::numeric_limits<int64_t>::min()) next_ = first_after(ts, hop);
  Source& s = sources_[static_cast<size_t>(m)];
  s.max_ts = std::max(s.seen ? s.max_ts : -kInf, ts + span);
  s.seen = true;
  s.last = now;
  last_arrival_ = now;
  const int64_t first = first_after(ts, hop);
  if (first >= next_) return true;
  ++counters_.late_items;
  // The windows holding any part of it end in (ts, ts + span + lookback].
  const int64_t last = static_cast<int64_t>(std::floor((ts + span + lookback(m)) / hop));
  bool revised = false;
  if (options_.late == LatePolicy::Revise) {
    for (int64_t k = first; k <= std::min(last, next_ - 1); ++k) {
      if (revision_.count(k)) {
        to_revise_[k] = true;
        revised = true;
      }
    }
  }
  if (last >= next_ || revised) return true;
  ++counters_.late_dropped;
  return false;
}

template <class T>
void StreamWindows::store(std::deque<Item<T>>& q, Item<T> item) {
  auto at = q.end();
  while (at != q.begin() && std::prev(at)->ts > item.ts) --at;  // in order, usually at the end
  // The same item twice (QoS 1 delivers at least once; a handover resends):
  // one capture time holds one frame, chunk or reading, or one such POS line.
  for (auto same = at; same != q.begin() && std::prev(same)->ts == item.ts; --same) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (std::prev(same)->value != item.value) continue;
    }
    ++counters_.duplicates;
    return;
  }
  q.insert(at, std::move(item));
  if (q.size() > options_.max_items) {
    q.pop_front();
    ++counters_.overflow_items;
  }
}

void StreamWindows::add_frame(double ts, std::vector<uint8_t> gray, WallClock::time_point now, const std::string& visit) {
  if (arrive(kVisual, ts, 0.0, now)) store(frames_, {ts, std::move(gray), visit});
}

void StreamWindows::add_audio(double ts, int rate_hz, std::vector<float> samples, WallClock::time_point now,
                              const std::string& visit) {
  const double span = static_cast<double>(samples.size()) / rate_hz;
  if (arrive(kAudio, ts, span, now)) store(audio_, {ts, Audio{rate_hz, std::move(samples)}, visit});
}

void StreamWindows::add_text(double ts, std::string line, WallClock::time_point now, const std::string& visit) {
  if (arrive(kText, ts, 0.0, now)) store(text_, {ts, std::move(line), visit});
}

void StreamWindows::add_sensor(double ts, std::vector<float> values, WallClock::time_point now, const std::string& visit) {
  if (arrive(kSensor, ts, 0.0, now)) store(sensor_, {ts, std::move(values), visit});
}

std::vector<ClosedWindow> StreamWindows::poll(WallClock::time_point now, bool flush) {
  std::vector<ClosedWindow> out;
  if (next_ == std::numeric_limits<int64_t>::min()) return out;
  const double hop = options_.hop_s;
  double leading = -kInf, newest = -kInf;
  for (int m = 0; m < kModalities; ++m) {
    leading = std::max(leading, watermark(m));
    if (sources_[static_cast<size_t>(m)].seen) newest = std::max(newest, sources_[static_cast<size_t>(m)].max_ts);
  }
  double lowest_active = kInf;
  bool any_active = false;
  for (int m = 0; m < kModalities; ++m) {
    if (idle(m, now)) continue;
    any_active = true;
    lowest_active = std::min(lowest_active, watermark(m));
  }
  // Windows before the oldest item buffered hold nothing: skip them at once
  // (a stream that was silent for an hour does not close 3600 empty windows).
  double earliest = kInf;
  if (!frames_.empty()) earliest = std::min(earliest, frames_.front().ts);
  if (!audio_.empty()) earliest = std::min(earliest, audio_.front().ts);
  if (!text_.empty()) earliest = std::min(earliest, text_.front().ts);
  if (!sensor_.empty()) earliest = std::min(earliest, sensor_.front().ts);
  if (earliest < kInf) {
    const int64_t skip_to = first_after(earliest, hop);  // the windows before it end at or before `earliest`
    if (skip_to > next_) {
      counters_.empty_windows += static_cast<uint64_t>(skip_to - next_);
      for (auto it = passed_.begin(); it != passed_.end() && it->first < skip_to;) it = passed_.erase(it);
      next_ = skip_to;
    }
  }
  const int64_t flush_to = newest > -kInf ? first_after(newest, hop) : next_ - 1;
  // When the leading source first passed each window's end: one entry per
  // poll, for the newest window it has passed; the windows before it were
  // passed at that time or earlier.
  if (leading > -kInf) {
    const int64_t k = static_cast<int64_t>(std::floor(leading / hop));
    if (k >= next_) passed_.emplace(k, now);
  }
  const int64_t by_watermark = any_active ? static_cast<int64_t>(std::floor(lowest_active / hop)) : next_ - 1;
  for (;;) {
    const double end = end_of(next_);
    CloseReason reason;
    auto passed = passed_.lower_bound(next_);
    const bool overdue = passed != passed_.end() &&
                         std::chrono::duration<double>(now - passed->second).count() >= options_.deadline_s;
    if (next_ <= by_watermark) {
      reason = CloseReason::Watermark;
    } else if (overdue) {
      reason = CloseReason::Deadline;
    } else if (flush && next_ <= flush_to) {
      reason = CloseReason::Flush;
    } else {
      break;
    }
    ClosedWindow w = build(next_, reason, now);
    bool any = false;
    for (bool p : w.media.present) any = any || p;
    if (any) {
      out.push_back(std::move(w));
      if (options_.late == LatePolicy::Revise) revision_[next_] = 0;
    } else {
      ++counters_.empty_windows;
      // Nothing before `end` is in a later window: the next window with
      // anything in it is the first after the oldest item at or past `end`.
      // The empty ones up to it that may close now are skipped at once.
      double after = kInf;
      auto oldest_from = [&](const auto& q) {
        for (auto it = q.rbegin(); it != q.rend() && it->ts >= end; ++it) after = std::min(after, it->ts);
      };
      oldest_from(frames_);
      oldest_from(audio_);
      oldest_from(text_);
      oldest_from(sensor_);
      int64_t closable = by_watermark;
      if (overdue) closable = std::max(closable, passed->first);
      if (flush) closable = std::max(closable, flush_to);
      const int64_t skip_to = std::min(after < kInf ? first_after(after, hop) : closable + 1, closable + 1);
      if (skip_to > next_ + 1) {
        counters_.empty_windows += static_cast<uint64_t>(skip_to - next_ - 1);
        next_ = skip_to - 1;
      }
    }
    ++next_;
    passed_.erase(passed_.begin(), passed_.lower_bound(next_));
  }
  for (const auto& [k, unused] : to_revise_) {
    auto r = revision_.find(k);
    if (r == revision_.end()) continue;
    ClosedWindow w = build(k, CloseReason::Watermark, now);
    w.revision = ++r->second;
    ++counters_.revisions;
    out.push_back(std::move(w));
  }
  to_revise_.clear();
  // Revisable while within the allowed lateness of the last window closed.
  const double last_closed = end_of(next_ - 1);
  for (auto it = revision_.begin(); it != revision_.end() && end_of(it->first) + options_.allowed_lateness_s < last_closed;)
    it = revision_.erase(it);
  prune();
  return out;
}

ClosedWindow StreamWindows::build(int64_t k, CloseReason reason, WallClock::time_point now) const {
  ClosedWindow w;
  w.index = k;
  w.end_s = end_of(k);
  w.start_s = w.end_s - options_.length_s;
  w.reason = reason;
  w.closed = now;
  double newest_visit_ts = -kInf;
  auto visit_of = [&](double ts, const std::string& visit) {
    if (!visit.empty() && ts >= newest_visit_ts) {
      newest_visit_ts = ts;
      w.visit = visit;
    }
  };
  auto in_window = [&](int m, double ts) { return ts >= w.end_s - lookback(m) && ts < w.end_s; };
  pipeline::SampleMedia& media = w.media;

  std::vector<const Item<std::vector<uint8_t>>*> frames;
  for (const auto& f : frames_) {
    if (!in_window(kVisual, f.ts)) continue;
    frames.push_back(&f);
    visit_of(f.ts, f.visit);
  }
  if (!frames.empty()) {
    const features::VisualParams& vp = params_.visual;
    const size_t pixels = static_cast<size_t>(vp.frame_pixels());
    media.frames.resize(static_cast<size_t>(vp.frames) * pixels);
    const std::vector<int> pick = features::sample_frame_indices(static_cast<int>(frames.size()), vp.frames);
    for (int t = 0; t < vp.frames; ++t) {
      const auto& f = *frames[static_cast<size_t>(pick[static_cast<size_t>(t)])];
      std::copy_n(f.value.data(), pixels, media.frames.data() + t * pixels);
      uint64_t key;  // one frame per capture time (store drops a second)
      std::memcpy(&key, &f.ts, sizeof key);
      media.frame_keys.push_back(key);
    }
    media.present[kVisual] = true;
  }

  // Audio: the samples in [end - clip_s, end) on the grid of their source
  // rate (the newest chunk's), gaps silent, then as load_sample: resampled
  // to the MFCC rate and cut or padded to clip_s.
  const double clip = lookback(kAudio), from = w.end_s - clip;
  int rate = 0;
  for (auto it = audio_.rbegin(); it != audio_.rend() && !rate; ++it)
    if (it->ts < w.end_s) rate = it->value.rate;
  if (rate > 0) {
    std::vector<float> clip_samples(static_cast<size_t>(std::llround(clip * rate)), 0.0f);
    bool any = false;
    for (const auto& c : audio_) {
      if (c.value.rate != rate || c.ts >= w.end_s) continue;
      const int64_t offset = std::llround((c.ts - from) * rate);
      const int64_t n = static_cast<int64_t>(c.value.samples.size());
      const int64_t lo = std::max<int64_t>(0, -offset);
      const int64_t hi = std::min<int64_t>(n, static_cast<int64_t>(clip_samples.size()) - offset);
      for (int64_t i = lo; i < hi; ++i) clip_samples[static_cast<size_t>(offset + i)] = c.value.samples[static_cast<size_t>(i)];
      if (hi > lo) {
        any = true;
        visit_of(c.ts, c.visit);
      }
    }
    if (any) {
      const int target = params_.mfcc.sample_rate_hz;
      if (rate != target) clip_samples = features::resample_audio(clip_samples, rate, target);
      clip_samples.resize(static_cast<size_t>(std::llround(params_.clip_s * target)), 0.0f);
      media.audio = std::move(clip_samples);
      media.present[kAudio] = true;
    }
  }

  for (const auto& t : text_) {
    if (!in_window(kText, t.ts)) continue;
    media.text += (media.present[kText] ? "\n" : "") + t.value;
    media.present[kText] = true;
    visit_of(t.ts, t.visit);
  }

  features::SensorSeries series;
  series.channels = params_.sensor.num_channels();
  for (const auto& s : sensor_) {
    if (!in_window(kSensor, s.ts)) continue;
    series.add_row(s.ts, s.value);
    visit_of(s.ts, s.visit);
  }
  if (series.rows() > 0) {
    media.sensor_window = features::resample_window(series, params_.sensor);
    media.present[kSensor] = true;
  }

  if (reason == CloseReason::Deadline)
    for (int m = 0; m < kModalities; ++m) w.incomplete[static_cast<size_t>(m)] = !idle(m, now) && watermark(m) < w.end_s;
  return w;
}

int64_t StreamWindows::rewind(int64_t k) {
  if (next_ == std::numeric_limits<int64_t>::min() || k >= next_) return next_;
  const int64_t earliest = next_ - static_cast<int64_t>(std::floor(options_.keep_s / options_.hop_s));
  next_ = std::max(k, earliest);
  passed_.clear();
  return next_;
}

void StreamWindows::prune() {
  int64_t oldest = next_;
  if (!revision_.empty()) oldest = std::min(oldest, revision_.begin()->first);
  const double needed_from = end_of(oldest) - options_.keep_s;
  auto drop = [&](auto& q, int m) {
    while (!q.empty() && q.front().ts + lookback(m) < needed_from - options_.hop_s) q.pop_front();
  };
  drop(frames_, kVisual);
  // A chunk's last sample counts, not its first.
  while (!audio_.empty() &&
         audio_.front().ts + static_cast<double>(audio_.front().value.samples.size()) / audio_.front().value.rate +
                 lookback(kAudio) < needed_from - options_.hop_s)
    audio_.pop_front();
  drop(text_, kText);
  drop(sensor_, kSensor);
}

}  // namespace storefuse::infer::stream
