#include "events.h"

#include <cstdio>

namespace storefuse::infer::stream {

namespace {

const char* kModalityNames[kModalities] = {"visual", "audio", "text", "sensor"};

}  // namespace

const std::vector<std::string>& event_types() {
  static const std::vector<std::string> types = {"BEHAVIOUR_CHANGE", "HIGH_ENGAGEMENT", "LONG_DWELL", "SECURITY_FLAG"};
  return types;
}

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;  // the offset basis
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;  // the prime
  }
  return h;
}

std::string event_id(const std::string& stream, int64_t window, const std::string& type) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx",
                static_cast<unsigned long long>(fnv1a64(stream + "|" + std::to_string(window) + "|" + type)));
  return out;
}

json Prediction::to_json() const {
  json probs = json::object();
  for (const auto& [name, p] : probabilities) probs[name] = p;
  json modalities = json::object();
  for (int m = 0; m < kModalities; ++m) modalities[kModalityNames[m]] = bool(present[size_t(m)]);
  json j{{"stream", stream()}, {"store", store},           {"camera", camera},       {"visit", visit},
         {"window", index},    {"window_start", start_s},  {"window_end", end_s},    {"revision", revision},
         {"close", close},     {"behavior", behavior},     {"probabilities", probs}, {"dwell_s", dwell_s},
         {"engagement", engagement}, {"modalities", modalities}, {"latency_ms", latency_ms},
         {"wait_ms", wait_ms}, {"features_ms", features_ms}, {"queue_ms", queue_ms}, {"model_ms", model_ms}, {"batch_rows", batch_rows}};
  json late = json::array();
  for (int m = 0; m < kModalities; ++m)
    if (incomplete[size_t(m)]) late.push_back(kModalityNames[m]);
  if (!late.empty()) j["incomplete"] = late;
  return j;
}

json Event::to_json() const {
  return json{{"event_id", id},       {"type", type},           {"store", store},   {"camera", camera},
              {"visit", visit},       {"timestamp", timestamp}, {"confidence", confidence},
              {"sequence", sequence}, {"window", window},       {"behavior", behavior}};
}

std::vector<Event> EventRules::update(const Prediction& p) {
  std::vector<Event> out;
  if (p.revision > 0) return out;
  State& s = state_[p.stream()];
  if (p.index <= s.last) return out;
  const bool first = s.last == INT64_MIN;
  s.last = p.index;
  double p_class = 0, p_security = 0;
  for (const auto& [name, v] : p.probabilities) {
    if (name == p.behavior) p_class = v;
    if (name == options_.security_class) p_security = v;
  }
  auto emit = [&](size_t type, double confidence) {
    Event e;
    e.type = event_types()[type];
    e.id = event_id(p.stream(), p.index, e.type);
    e.store = p.store;
    e.camera = p.camera;
    e.visit = p.visit;
    e.timestamp = p.end_s;
    e.confidence = confidence;
    e.window = p.index;
    e.sequence = p.index * 4 + static_cast<int64_t>(type);
    e.behavior = p.behavior;
    out.push_back(std::move(e));
  };
  if (options_.behaviour_change && !first && p.behavior != s.behavior) emit(0, p_class);
  s.behavior = p.behavior;
  auto edge = [&](bool now, bool& was, size_t type, double confidence) {
    if (now && !was) emit(type, confidence);
    was = now;
  };
  edge(p.engagement >= options_.high_engagement, s.engaged, 1, p.engagement);
  edge(p.dwell_s >= options_.long_dwell_s, s.dwelling, 2, p_class);
  edge(p_security >= options_.security_probability, s.flagged, 3, p_security);
  return out;
}

}  // namespace storefuse::infer::stream
