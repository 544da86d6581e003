// Per-window predictions and the store events derived from them
// (docs/streaming.md, "Outputs"). Events follow seed 001's schema: an id, the
// store, camera and visit, a type, the window's end as timestamp, a
// confidence and a sequence number. Each is emitted when its condition
// becomes true for a stream (not on every window while it holds):
//
//   BEHAVIOUR_CHANGE  the predicted behaviour differs from the stream's previous window
//   HIGH_ENGAGEMENT   engagement >= events.high_engagement
//   LONG_DWELL        predicted dwell >= events.long_dwell_s
//   SECURITY_FLAG     P(events.security_flag.class) >= its min_probability
//
// Ids and sequence numbers come from the stream and the window alone (not
// from the process), so a window's event has the same id whichever process
// computes it: a consumer de-duplicates by id.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "stream_config.h"
#include "storefuse/core/json.h"

namespace storefuse::infer::stream {

struct Prediction {
  std::string store, camera, visit;
  int64_t index = 0;  // the window: end = index * hop
  double start_s = 0, end_s = 0;
  int revision = 0;
  std::string close;  // watermark, deadline, flush
  std::string behavior;
  std::vector<std::pair<std::string, double>> probabilities;  // class order
  double dwell_s = 0, engagement = 0;
  std::array<bool, kModalities> present{}, incomplete{};
  double latency_ms = 0;  // window close -> prediction
  double wait_ms = 0;  // close -> its features began (the feature queue)
  double features_ms = 0, queue_ms = 0, model_ms = 0;
  int64_t batch_rows = 0;
  bool seed = false;  // run to rebuild the event state after a takeover: not written

  std::string stream() const { return store + "/" + camera; }
  json to_json() const;
};

struct Event {
  std::string id, type, store, camera, visit;
  double timestamp = 0;  // the window's end
  double confidence = 0;
  int64_t sequence = 0;
  int64_t window = 0;
  std::string behavior;
  json to_json() const;
};

const std::vector<std::string>& event_types();

class EventRules {
 public:
  explicit EventRules(EventOptions options) : options_(std::move(options)) {}
  // The events of one window's prediction (none for a revision), in the
  // order of event_types(). Windows of a stream are expected in order; an
  // older one than the last seen changes no state.
  std::vector<Event> update(const Prediction& p);
  void forget(const std::string& stream) { state_.erase(stream); }

 private:
  struct State {
    int64_t last = INT64_MIN;
    std::string behavior;
    bool engaged = false, dwelling = false, flagged = false;
  };
  EventOptions options_;
  std::map<std::string, State> state_;
};

// FNV-1a 64 of the bytes (event ids, and scale-out's rendezvous ranks).
uint64_t fnv1a64(std::string_view bytes);
// 16 hex digits of FNV-1a 64 over "stream|window|type".
std::string event_id(const std::string& stream, int64_t window, const std::string& type);

}  // namespace storefuse::infer::stream
