#include "storefuse/core/error.h"
#include "storefuse/features/sensor.h"

namespace storefuse::features {
namespace {

const std::pair<SensorStat, const char*> kStats[] = {
    {SensorStat::Mean, "mean"}, {SensorStat::Max, "max"},     {SensorStat::Min, "min"},
    {SensorStat::Std, "std"},   {SensorStat::Delta, "delta"}, {SensorStat::Range, "range"}};

[[noreturn]] void bad(const std::string& field, const std::string& what) {
  throw Error(ErrorKind::Config, "sensor." + field + ": " + what, "sensor feature parameters",
              "see docs/features.md (Sensor)");
}

}  // namespace

const char* to_string(SensorStat s) {
  for (const auto& [v, name] : kStats) {
    if (v == s) return name;
  }
  return "?";
}

SensorStat sensor_stat_from_string(const std::string& name) {
  for (const auto& [v, n] : kStats) {
    if (name == n) return v;
  }
  bad("stat", "unknown statistic '" + name + "'; use mean, max, min, std, delta or range");
}

bool SensorParams::operator==(const SensorParams& o) const {
  return channels == o.channels && window_s == o.window_s && steps == o.steps;
}

SensorParams SensorParams::retail_defaults() {
  SensorParams p;
  // One statistic per channel, chosen for what the channel's events look like:
  // a shelf's weight matters by its net change (items taken or restocked),
  // event channels (gate reads, a cart tag) by whether they fired at all,
  // levels (queue, climate, light) by their mean.
  p.channels = {{"shelf_weight_kg", SensorStat::Delta}, {"shelf_proximity", SensorStat::Mean},
                {"door_open", SensorStat::Mean},        {"gate_rfid_unpaid", SensorStat::Max},
                {"queue_length", SensorStat::Mean},     {"motion_pir", SensorStat::Mean},
                {"temperature_c", SensorStat::Mean},    {"humidity_pct", SensorStat::Mean},
                {"light_lux", SensorStat::Mean},        {"cart_present", SensorStat::Max}};
  return p;
}

void validate(const SensorParams& p) {
  if (p.channels.empty()) bad("channels", "at least one channel is needed");
  for (size_t i = 0; i < p.channels.size(); ++i) {
    if (p.channels[i].name.empty()) bad("channels", "channel " + std::to_string(i) + " has no name");
    for (size_t k = 0; k < i; ++k) {
      if (p.channels[k].name == p.channels[i].name) bad("channels", "duplicate channel '" + p.channels[i].name + "'");
    }
  }
  if (!(p.window_s > 0)) bad("window_s", "must be > 0");
  if (p.steps < 1) bad("steps", "must be >= 1");
}

void to_json(json& j, const SensorParams& p) {
  json channels = json::array();
  for (const auto& c : p.channels) channels.push_back({{"name", c.name}, {"stat", to_string(c.stat)}});
  j = json{{"channels", channels}, {"window_s", p.window_s}, {"steps", p.steps},
           {"interpolation", "linear_hold_ends"}};
}

void from_json(const json& j, SensorParams& p) {
  if (!j.is_object()) bad("", "expected a JSON object");
  SensorParams out;
  for (const auto& [key, value] : j.items()) {
    if (key == "channels") {
      if (!value.is_array()) bad("channels", "expected a list");
      for (const auto& c : value) {
        if (!c.is_object() || !c.contains("name") || !c.contains("stat") || c.size() != 2) {
          bad("channels", "each channel is {\"name\": ..., \"stat\": ...}, got " + c.dump());
        }
        out.channels.push_back({c["name"].get<std::string>(), sensor_stat_from_string(c["stat"].get<std::string>())});
      }
    } else if (key == "window_s") {
      if (!value.is_number()) bad("window_s", "expected a number");
      out.window_s = value.get<double>();
    } else if (key == "steps") {
      if (!value.is_number_integer()) bad("steps", "expected an integer");
      out.steps = value.get<int>();
    } else if (key == "interpolation") {
      if (value != "linear_hold_ends") bad("interpolation", "only linear_hold_ends is supported");
    } else {
      bad(key, "unknown key");
    }
  }
  validate(out);
  p = out;
}

}  // namespace storefuse::features
