// One live stream's event-time windows (docs/streaming.md, "Windows").
//
// Items arrive per modality, each stamped with its capture time (seconds,
// Unix time). Windows end every hop_s on a fixed grid (end = k * hop_s) and
// each modality looks back from a window's end over its own span: the
// video's window length, the model's audio clip, the POS lookback, the
// model's sensor window. Per modality a watermark trails the newest
// timestamp by that modality's out-of-orderness bound. A window closes when
// the lowest watermark of the stream's active sources passes its end, or a
// deadline after the leading source passed it; a source is idle (left out
// of that minimum, its modality masked if it has nothing in the window)
// when it lags the leading source by more than idle_lag_s of event time or
// sent nothing for idle_wall_s. Late items (for a window already closed)
// are counted; with allowed lateness they revise the windows they belong to.
//
// No thread and no clock of its own: the caller passes the wall time, so
// tests drive it with a controlled clock.
//
//   StreamWindows w(options, params);
//   w.add_frame(ts, gray, now);  ... add_audio / add_text / add_sensor
//   for (ClosedWindow& c : w.poll(now)) ... c.media is the pipeline's SampleMedia
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "storefuse/datasets/batch.h"
#include "storefuse/pipeline/feature_pipeline.h"

namespace storefuse::infer::stream {

using WallClock = std::chrono::steady_clock;
constexpr int kModalities = datasets::kNumModalities;

enum class LatePolicy { Count, Revise };
enum class CloseReason { Watermark, Deadline, Flush };
const char* to_string(CloseReason r);

struct WindowOptions {
  double length_s = 4.0;   // the video's lookback: frames in [end - length_s, end)
  double hop_s = 1.0;      // a window ends every hop_s
  double text_lookback_s = 4.0;
  // Wall seconds after the leading source passed a window's end before it
  // closes without the others.
  double deadline_s = 2.0;
  // Per modality: event seconds behind the leading source past which a
  // source is idle. POS lines are sparse: by default they never hold a
  // window back (a line that comes after its window closed is late).
  std::array<double, kModalities> idle_lag_s{2.0, 2.0, 0.5, 3.0};
  double idle_wall_s = 5.0;  // wall seconds without an item: idle
  double allowed_lateness_s = 0.0;  // with LatePolicy::Revise
  LatePolicy late = LatePolicy::Count;
  // Per modality (visual, audio, text, sensor): how far out of order its
  // items may come; the watermark trails its newest timestamp by this much.
  std::array<double, kModalities> out_of_order_s{0.25, 0.25, 1.0, 1.0};
  size_t max_items = 20000;  // per modality buffer; past it the oldest go (counted)
  // Items kept this much longer than the open windows need them, so that
  // windows already closed can be closed again (rewind): a standby's.
  double keep_s = 0.0;
};

// What the window's modalities were given from (the media of a window is
// SampleMedia, the feature pipeline's input).
struct ClosedWindow {
  int64_t index = 0;  // end = index * hop_s
  double start_s = 0, end_s = 0;
  int revision = 0;   // 0, then 1, 2, ... for windows revised by late items
  CloseReason reason = CloseReason::Watermark;
  pipeline::SampleMedia media;
  std::string visit;  // the visit id of the window's newest item that had one
  std::array<bool, kModalities> incomplete{};  // active at a deadline close, its watermark short of the end
  WallClock::time_point closed;
};

struct WindowCounters {
  uint64_t late_items = 0;      // arrived after a window they belong to closed
  uint64_t late_dropped = 0;    // ... and belonged to no window still open or revisable
  uint64_t revisions = 0;
  uint64_t overflow_items = 0;  // dropped by max_items
  uint64_t empty_windows = 0;   // closed with nothing in them: not emitted
  uint64_t duplicates = 0;      // an item with the capture time (and text) of one held: dropped
};

class StreamWindows {
 public:
  StreamWindows(WindowOptions options, pipeline::PipelineParams params);

  // One decoded frame (H*W gray, the params' size).
  void add_frame(double ts, std::vector<uint8_t> gray, WallClock::time_point now, const std::string& visit = {});
  // Mono samples at rate_hz, the first captured at ts.
  void add_audio(double ts, int rate_hz, std::vector<float> samples, WallClock::time_point now,
                 const std::string& visit = {});
  void add_text(double ts, std::string line, WallClock::time_point now, const std::string& visit = {});
  // One reading per channel of the params' sensor channels (NaN: dropped reading).
  void add_sensor(double ts, std::vector<float> values, WallClock::time_point now, const std::string& visit = {});

  // The windows that close at `now`, oldest first, revisions after them.
  // flush: also every window up to the newest item (SIGTERM, a dead stream).
  std::vector<ClosedWindow> poll(WallClock::time_point now, bool flush = false);

  double watermark(int modality) const;  // -inf before its first item
  bool idle(int modality, WallClock::time_point now) const;
  WallClock::time_point last_arrival() const { return last_arrival_; }
  const WindowCounters& counters() const { return counters_; }
  // Closes windows from index k again on the next poll (no earlier than the
  // items kept allow: keep_s). Returns the index it rewound to.
  int64_t rewind(int64_t k);

 private:
  struct Source {
    double max_ts = -std::numeric_limits<double>::infinity();
    WallClock::time_point last;
    bool seen = false;
  };
  template <class T>
  struct Item {
    double ts;
    T value;
    std::string visit;
  };
  struct Audio {
    int rate;
    std::vector<float> samples;
  };

  double end_of(int64_t k) const { return static_cast<double>(k) * options_.hop_s; }
  double lookback(int m) const { return lookback_[static_cast<size_t>(m)]; }
  // Registers the item's arrival; false when it is late and needed by no
  // window still open or revisable (the caller does not store it).
  bool arrive(int m, double ts, double span, WallClock::time_point now);
  template <class T>
  void store(std::deque<Item<T>>& q, Item<T> item);
  ClosedWindow build(int64_t k, CloseReason reason, WallClock::time_point now) const;
  void prune();

  WindowOptions options_;
  pipeline::PipelineParams params_;
  std::array<double, kModalities> lookback_{};
  std::array<Source, kModalities> sources_{};
  std::deque<Item<std::vector<uint8_t>>> frames_;
  std::deque<Item<Audio>> audio_;
  std::deque<Item<std::string>> text_;
  std::deque<Item<std::vector<float>>> sensor_;
  int64_t next_ = std::numeric_limits<int64_t>::min();  // index of the next window to close
  std::map<int64_t, WallClock::time_point> passed_;     // when the leading source passed a window's end
  std::map<int64_t, int> revision_;                     // closed windows revisable by late items
  std::map<int64_t, bool> to_revise_;
  WallClock::time_point last_arrival_{};
  WindowCounters counters_;
};

}  // namespace storefuse::infer::stream
