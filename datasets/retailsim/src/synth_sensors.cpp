// The zone's ten IoT channels (features::SensorParams::retail_defaults())
// over a 60 s window, read about once a second with jitter and dropouts.
// Event channels respond to the behaviour's sensor cue (world.h); other
// shoppers, the store's climate and its lighting add the nuisances.
#include <algorithm>
#include <cmath>
#include <limits>

#include "storefuse/retailsim/media.h"
#include "storefuse/retailsim/rng.h"

namespace storefuse::retailsim {
namespace {

enum Ch { Shelf, Proximity, Door, Gate, Queue, Motion, Temperature, Humidity, Light, Cart, kChannels };

// A step that starts at `at` and, when `until` > at, reverts there.
double step(double t, double at, double until, double height) {
  return t >= at && (until <= at || t < until) ? height : 0.0;
}

struct Event { double at, until, height; };

}  // namespace

features::SensorSeries synth_sensors(const RetailSimConfig& cfg, const StoreProfile& store, const Visit& v) {
  Rng r(cfg.seed, static_cast<uint64_t>(v.index), Stream::Sensor);
  const double n = cfg.noise.sensor;
  const SensorCue cue = sensor_cue(v.behavior);

  std::vector<Event> shelf;  // weight changes, kg
  auto take = [&](double kg) { shelf.push_back({r.uniform(10, 50), 0, -kg}); };
  if (cue == SensorCue::TakeAndPay || cue == SensorCue::TakeUnpaid) {
    for (int i = 0; i < std::max(1, std::min(v.basket_items, 3)); ++i) take(r.uniform(0.2, 2.0));
  } else if (cue == SensorCue::Restock) {
    shelf.push_back({r.uniform(10, 40), 0, r.uniform(2.0, 6.0)});
  } else if (cue == SensorCue::AtShelf || r.bernoulli(0.2)) {
    // Lifted to look at, put back: a dip with no net change.
    int lifts = cue == SensorCue::AtShelf ? static_cast<int>(r.integer(2, 3)) : 1;
    for (int i = 0; i < lifts; ++i) {
      double at = r.uniform(5, 50);
      shelf.push_back({at, at + r.uniform(3, 8), -r.uniform(0.2, 1.5)});
    }
  }
  if (r.bernoulli(0.1 * v.crowd * n)) take(r.uniform(0.2, 1.0));  // someone else took an item

  double near = cue == SensorCue::AtShelf ? r.uniform(0.7, 0.95)
                : cue == SensorCue::Restock ? r.uniform(0.6, 0.9)
                : cue == SensorCue::TakeAndPay || cue == SensorCue::TakeUnpaid ? r.uniform(0.3, 0.5)
                : v.behavior == Behavior::Browsing ? r.uniform(0.05, 0.3)
                : r.uniform(0.0, 0.25);
  std::vector<Event> door;  // open intervals
  int others = static_cast<int>(r.poisson(6.0 * v.crowd));
  for (int i = 0; i < others; ++i) {
    double at = r.uniform(0, 57);
    door.push_back({at, at + 3, 1});
  }
  // The door is the store's entrance: every customer passes it at some
  // point, so the visit's own passage is only a little likelier for those
  // who leave during the window.
  const bool leaves = video_cue(v.behavior) == VideoCue::FastTransit || v.behavior == Behavior::Abandoning;
  if (v.behavior != Behavior::StaffActivity && r.bernoulli(leaves ? 0.6 : 0.4)) {
    double at = r.uniform(0, 57);
    door.push_back({at, at + 3, 1});
  }
  double gate_at = -1;
  if (cue == SensorCue::TakeUnpaid ? r.bernoulli(0.96) : r.bernoulli(store.false_alarm_rate)) gate_at = r.uniform(45, 58);
  const double queue = cue == SensorCue::CheckoutQueue ? v.queue_people : v.queue_people * 0.8;

  features::SensorSeries s;
  s.channels = kChannels;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> row(kChannels);
  double t = r.uniform(0, 0.5);
  while (t < 60.0) {
    double w = store.shelf_base_kg;
    for (const auto& e : shelf) w += step(t, e.at, e.until, e.height);
    row[Shelf] = static_cast<float>(w + 0.02 * n * r.normal());
    row[Proximity] = r.bernoulli(near) ? 1.0f : 0.0f;
    bool open = false;
    for (const auto& e : door) open = open || step(t, e.at, e.until, 1) > 0;
    row[Door] = open ? 1.0f : 0.0f;
    row[Gate] = gate_at >= 0 && t >= gate_at && t < gate_at + 2 ? 1.0f : 0.0f;
    row[Queue] = static_cast<float>(std::max(0.0, std::round(queue + 0.7 * n * r.normal())));
    // The PIR sees the whole zone: mostly the crowd, a little of the
    // tracked person's agitation.
    row[Motion] = static_cast<float>(std::clamp(0.4 * v.crowd + 0.2 * v.arousal + 0.1 * n * r.normal(), 0.0, 1.0));
    row[Temperature] = static_cast<float>(store.temperature_c + 0.3 * std::sin(v.hour / 24 * 6.283) + 0.1 * n * r.normal());
    row[Humidity] = static_cast<float>(store.humidity_pct + 0.5 * n * r.normal());
    row[Light] = static_cast<float>(store.light_lux * (1 + 0.02 * n * r.normal()));
    row[Cart] = v.has_cart && r.bernoulli(0.9) ? 1.0f : 0.0f;
    for (auto& x : row) {
      if (r.bernoulli(0.02 * n)) x = nan;  // a dropped reading
    }
    s.add_row(v.timestamp + t, row);
    t += r.uniform(0.8, 1.2);
  }
  return s;
}

}  // namespace storefuse::retailsim
