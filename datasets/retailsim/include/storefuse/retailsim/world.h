// The simulated world: hidden variables of a store visit, drawn per sample,
// from which every modality and every label is derived (docs/retailsim.md
// draws the causal graph). Nothing here renders media; media.h does.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "storefuse/retailsim/config.h"

namespace storefuse::retailsim {

enum class Behavior {
  Browsing, ComparingProducts, Purchasing, Concealment, Queueing,
  SeekingAssistance, ReturningItem, PassingThrough, Abandoning, StaffActivity,
};
constexpr int kNumBehaviors = 10;
const std::vector<std::string>& behavior_names();  // "browsing", ... in enum order

// What each modality can tell apart: behaviours with the same cue in a
// modality look alike there (docs/retailsim.md, "No single modality is
// enough"). Every pair of behaviours differs in at least two modalities, so
// losing one modality never makes two of them identical.
enum class VideoCue { AisleWander, PickAndGo, InQueue, WithStaff, AtServiceDesk, FastTransit };
enum class AudioCue { Quiet, CheckoutBeeps, Conversation, DoorChime, SingleVoice, Restocking };
enum class TextCue { None, Sale, Return, AssistRequest, StaffTask, VoidedSale };
enum class SensorCue { Baseline, AtShelf, TakeAndPay, TakeUnpaid, CheckoutQueue, Restock };
VideoCue video_cue(Behavior b);
AudioCue audio_cue(Behavior b);
TextCue text_cue(Behavior b);
SensorCue sensor_cue(Behavior b);

// Per store: its look, sound and climate, and how its customers' behaviour
// mix departs from the configured one. Drawn from (seed, store id) alone.
struct StoreProfile {
  int id = 0;
  double light_gain = 1.0;          // video brightness factor
  double light_lux = 500;           // the light sensor's level
  std::array<double, 3> floor_bgr{};  // floor colour
  std::array<double, 2> camera_shift_px{};  // per camera (two per store)
  std::array<double, 2> camera_angle_deg{};
  double pixel_noise = 4.0;         // sd of per-pixel noise, 0..255 units
  double ambient_level = 0.02;      // audio noise amplitude
  double hum_hz = 50;               // mains hum (50 or 60 Hz)
  double temperature_c = 21, humidity_pct = 45;
  double shelf_base_kg = 30;
  double crowd_base = 0.4;          // busyness, 0..1
  double price_level = 1.0;         // multiplies item prices
  double false_alarm_rate = 0.02;   // gate alarms with nobody stealing
  std::vector<double> class_tilt;   // multiplies the class weights
};

std::vector<StoreProfile> make_stores(const RetailSimConfig& cfg);

// One visit. The hidden variables are what the oracle sees.
struct Visit {
  int64_t index = 0;        // global sample index (train, val, test in turn)
  Split split = Split::Train;
  int store = 0;
  int camera = 0;           // 0 or 1 within the store; camera_id = store * 2 + camera
  int64_t customer_id = 0;
  double timestamp = 0;     // seconds since the Unix epoch
  double hour = 12;         // local time of day

  Behavior behavior = Behavior::Browsing;  // the true intent
  int label = 0;                           // after label noise
  double arousal = 0.5;     // 0..1: carried by speech pitch/energy, motion
  double crowd = 0.4;       // 0..1: other people, door traffic, queue
  int queue_people = 0;     // people ahead at the checkout
  int basket_items = 0;     // items taken / bought / returned
  double basket_value = 0;  // currency units
  int interactions = 0;     // product pick-ups and conversations
  bool has_cart = false;

  double dwell_clean_s = 0, dwell_s = 0;           // before / after noise
  double engagement_clean = 0, engagement = 0;
  int missing = -1;         // modality index hidden in this sample, or -1
};

// Everything about sample `index` except media: store, time, behaviour,
// hidden variables, targets, label noise and the missing modality.
Visit sample_visit(const RetailSimConfig& cfg, const std::vector<StoreProfile>& stores, int64_t index);

// The documented target functions of the hidden variables (no noise).
double dwell_clean_s(const Visit& v);
double engagement_clean(const Visit& v);

}  // namespace storefuse::retailsim
