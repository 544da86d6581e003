// Hidden variables of a visit and the target functions; docs/retailsim.md
// has the causal graph and the tables these numbers come from.
#include "storefuse/retailsim/world.h"

#include <algorithm>
#include <cmath>

#include "storefuse/retailsim/rng.h"

namespace storefuse::retailsim {
namespace {

using B = Behavior;

struct BehaviorTraits {
  double dwell_base_s;    // median dwell before the multipliers
  double arousal;         // mean arousal
  double engagement_bias; // logit offset
  double cart_prob;
  int items_min, items_extra;  // basket items: min + Poisson(extra)
};

// In Behavior order.
constexpr BehaviorTraits kTraits[kNumBehaviors] = {
    {30, 0.30, 0.0, 0.30, 0, 1},    // browsing
    {55, 0.45, 1.0, 0.30, 1, 1},    // comparing_products
    {60, 0.40, 0.5, 0.85, 1, 3},    // purchasing
    {25, 0.60, -0.3, 0.20, 1, 1},   // concealment
    {70, 0.50, -0.5, 0.85, 2, 4},   // queueing
    {55, 0.55, 0.8, 0.30, 0, 1},    // seeking_assistance
    {65, 0.55, 0.3, 0.10, 1, 1},    // returning_item
    {8, 0.35, -2.0, 0.05, 0, 0},    // passing_through
    {85, 0.75, -1.0, 0.85, 2, 4},   // abandoning
    {260, 0.30, -0.5, 0.70, 2, 6},  // staff_activity
};

// Busyness over the day: a lunch and an evening peak on a floor.
double day_curve(double hour) {
  auto bump = [](double h, double at, double width) { return std::exp(-0.5 * std::pow((h - at) / width, 2)); };
  return 0.25 + 0.5 * bump(hour, 12.5, 1.2) + 0.6 * bump(hour, 18.0, 1.5);
}

double clamp01(double x) { return std::min(1.0, std::max(0.0, x)); }

}  // namespace

const std::vector<std::string>& behavior_names() {
  static const std::vector<std::string> names = {
      "browsing", "comparing_products", "purchasing", "concealment", "queueing",
      "seeking_assistance", "returning_item", "passing_through", "abandoning", "staff_activity"};
  return names;
}

VideoCue video_cue(Behavior b) {
  switch (b) {
    case B::Browsing: case B::ComparingProducts: return VideoCue::AisleWander;
    case B::Purchasing: case B::Concealment: return VideoCue::PickAndGo;
    case B::Queueing: case B::Abandoning: return VideoCue::InQueue;
    case B::SeekingAssistance: case B::StaffActivity: return VideoCue::WithStaff;
    case B::ReturningItem: return VideoCue::AtServiceDesk;
    case B::PassingThrough: return VideoCue::FastTransit;
  }
  return VideoCue::AisleWander;
}

AudioCue audio_cue(Behavior b) {
  switch (b) {
    case B::Browsing: return AudioCue::Quiet;
    case B::Purchasing: case B::Concealment: case B::Queueing: return AudioCue::CheckoutBeeps;
    case B::SeekingAssistance: case B::ReturningItem: return AudioCue::Conversation;
    case B::PassingThrough: case B::Abandoning: return AudioCue::DoorChime;
    case B::ComparingProducts: return AudioCue::SingleVoice;
    case B::StaffActivity: return AudioCue::Restocking;
  }
  return AudioCue::Quiet;
}

TextCue text_cue(Behavior b) {
  switch (b) {
    case B::Purchasing: return TextCue::Sale;
    case B::ReturningItem: return TextCue::Return;
    case B::SeekingAssistance: return TextCue::AssistRequest;
    case B::StaffActivity: return TextCue::StaffTask;
    case B::Abandoning: return TextCue::VoidedSale;
    default: return TextCue::None;
  }
}

SensorCue sensor_cue(Behavior b) {
  switch (b) {
    case B::Browsing: case B::ReturningItem: case B::PassingThrough: return SensorCue::Baseline;
    case B::ComparingProducts: case B::SeekingAssistance: return SensorCue::AtShelf;
    case B::Purchasing: return SensorCue::TakeAndPay;
    case B::Concealment: return SensorCue::TakeUnpaid;
    case B::Queueing: case B::Abandoning: return SensorCue::CheckoutQueue;
    case B::StaffActivity: return SensorCue::Restock;
  }
  return SensorCue::Baseline;
}

std::vector<StoreProfile> make_stores(const RetailSimConfig& cfg) {
  std::vector<StoreProfile> stores(cfg.stores);
  const double d = cfg.store_drift;
  for (int i = 0; i < cfg.stores; ++i) {
    Rng r(cfg.seed, static_cast<uint64_t>(i), Stream::Store);
    StoreProfile& s = stores[i];
    s.id = i;
    s.light_gain = std::exp(0.18 * d * r.normal());
    s.light_lux = 500 * s.light_gain * std::exp(0.05 * r.normal());
    for (auto& c : s.floor_bgr) c = std::clamp(170 + 25 * d * r.normal(), 90.0, 240.0);
    for (int cam = 0; cam < 2; ++cam) {
      s.camera_shift_px[cam] = 3.0 * d * r.normal();
      s.camera_angle_deg[cam] = 4.0 * d * r.normal();
    }
    s.pixel_noise = 4.0 * cfg.noise.video * std::exp(0.3 * d * r.normal());
    s.ambient_level = 0.015 * cfg.noise.audio * std::exp(0.35 * d * r.normal());
    s.hum_hz = r.bernoulli(0.5) ? 50 : 60;
    s.temperature_c = 21 + 1.5 * d * r.normal();
    s.humidity_pct = 45 + 6 * d * r.normal();
    s.shelf_base_kg = r.uniform(20, 40);
    s.crowd_base = clamp01(0.4 + 0.15 * d * r.normal());
    s.price_level = std::exp(0.2 * d * r.normal());
    s.false_alarm_rate = 0.02 * cfg.noise.sensor * std::exp(0.5 * d * r.normal());
    s.class_tilt.resize(kNumBehaviors);
    // Stores differ in their behaviour mix: a factor exp(0.3 * drift * z) per class.
    for (auto& t : s.class_tilt) t = std::exp(0.3 * d * r.normal());
  }
  return stores;
}

double dwell_clean_s(const Visit& v) {
  const BehaviorTraits& t = kTraits[static_cast<int>(v.behavior)];
  double queue_factor = (v.behavior == B::Purchasing || v.behavior == B::Queueing || v.behavior == B::Abandoning)
                            ? 1.0 + 0.15 * v.queue_people : 1.0;
  double s = t.dwell_base_s * (1.0 + 0.1 * v.basket_items) * queue_factor * (1.15 - 0.3 * v.arousal);
  return std::clamp(s, 5.0, 900.0);
}

double engagement_clean(const Visit& v) {
  const BehaviorTraits& t = kTraits[static_cast<int>(v.behavior)];
  double logit = -0.5 + t.engagement_bias + 1.0 * (v.arousal - 0.5) + 0.3 * v.interactions +
                 0.5 * std::log(dwell_clean_s(v) / 60.0);
  return 1.0 / (1.0 + std::exp(-logit));
}

Visit sample_visit(const RetailSimConfig& cfg, const std::vector<StoreProfile>& stores, int64_t index) {
  Visit v;
  v.index = index;
  for (Split s : kSplits) {
    if (index >= cfg.split_begin(s)) v.split = s;
  }
  Rng r(cfg.seed, static_cast<uint64_t>(index), Stream::Hidden);
  auto ids = cfg.split_stores(v.split);
  v.store = ids[r.integer(static_cast<int64_t>(ids.size()))];
  const StoreProfile& store = stores[v.store];
  v.camera = static_cast<int>(r.integer(2));

  // Opening hours 8:00-22:00 over the 90 days from 2024-03-01 (UTC).
  const int64_t day = r.integer(90);
  v.hour = r.uniform(8.0, 22.0);
  v.timestamp = 1709251200.0 + day * 86400.0 + v.hour * 3600.0;
  v.crowd = clamp01(store.crowd_base * day_curve(v.hour) * 1.6 + 0.08 * r.normal());

  std::vector<double> w(kNumBehaviors, 1.0);
  if (!cfg.class_weights.empty()) w = cfg.class_weights;
  for (int c = 0; c < kNumBehaviors; ++c) w[c] *= store.class_tilt[c];
  v.behavior = static_cast<Behavior>(r.choice(w));
  const BehaviorTraits& t = kTraits[static_cast<int>(v.behavior)];

  v.customer_id = v.behavior == B::StaffActivity
                      ? v.store * 1000000LL + 900000 + r.integer(40)   // a store's staff
                      : v.store * 1000000LL + r.integer(5000);         // returning customers recur
  v.arousal = clamp01(t.arousal + 0.12 * r.normal());
  const bool at_checkout = v.behavior == B::Queueing || v.behavior == B::Abandoning;
  v.queue_people = static_cast<int>(at_checkout ? 3 + r.poisson(4.0 * v.crowd) : r.poisson(1.5 * v.crowd));
  if (at_checkout) v.arousal = clamp01(v.arousal + 0.03 * v.queue_people);  // waiting irritates
  v.basket_items = t.items_min + static_cast<int>(r.poisson(t.items_extra));
  for (int i = 0; i < v.basket_items; ++i) v.basket_value += store.price_level * r.lognormal(2.0, 0.8);
  v.has_cart = r.bernoulli(t.cart_prob);
  v.interactions = v.basket_items + (audio_cue(v.behavior) == AudioCue::Conversation ? 2 : 0) +
                   (v.behavior == B::ComparingProducts ? 2 : 0);

  Rng targets(cfg.seed, static_cast<uint64_t>(index), Stream::Targets);
  v.dwell_clean_s = dwell_clean_s(v);
  v.dwell_s = std::clamp(v.dwell_clean_s * std::exp(cfg.dwell_noise * targets.normal()), 5.0, 900.0);
  v.engagement_clean = engagement_clean(v);
  v.engagement = clamp01(v.engagement_clean + cfg.engagement_noise * targets.normal());

  Rng noise(cfg.seed, static_cast<uint64_t>(index), Stream::LabelNoise);
  v.label = static_cast<int>(v.behavior);
  if (noise.bernoulli(cfg.label_noise)) {
    // Symmetric noise: any of the other nine classes, equally likely.
    v.label = (v.label + 1 + static_cast<int>(noise.integer(kNumBehaviors - 1))) % kNumBehaviors;
  }
  Rng missing(cfg.seed, static_cast<uint64_t>(index), Stream::Missing);
  if (missing.bernoulli(cfg.missing_rate)) v.missing = static_cast<int>(missing.integer(4));
  return v;
}

}  // namespace storefuse::retailsim
