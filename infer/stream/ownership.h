// Scale-out: several `stream` processes of one group (inputs.mqtt.share_group)
// share the streams, each stream owned by one process at a time
// (docs/streaming.md, "Scale-out").
//
// - Every process subscribes to PREFIX/+/+/+ through the MQTT 5 shared
//   subscription $share/GROUP/...: the broker hands each message to one of
//   them. That copy only assigns streams: a process that receives one for a
//   stream nobody owns claims it (a retained PREFIX/_group/GROUP/owner/S/C
//   naming it) and subscribes to the stream's topics directly. When two
//   claim at once, the claim the broker kept wins and the other gives way.
// - Processes announce themselves with a retained .../members/ID and a will
//   that clears it, so all see a process that dies (the broker publishes the
//   will as soon as its connection drops).
// - Each owned stream has a standby: the live process that rendezvous
//   hashing ranks next. It takes the stream's messages too and keeps its
//   windows' items, without running them. The owner publishes, retained,
//   the last window whose outputs are written (.../progress/S/C). When the
//   owner dies, the standby claims the stream and runs every window after
//   that one from what it kept: no window is lost; the ones the owner wrote
//   after its last progress message come twice, with the same event ids.
// - A standby that subscribes after the owner claimed a stream has missed its
//   first messages: it says so (.../ready/S/C), and the owner republishes
//   what it kept of the stream since its claim (.../handoff/S/C). Items that
//   arrive both ways are kept once (same capture time).
// Subscription identifiers tell a shared copy from a direct one.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "mqtt.h"
#include "processor.h"
#include "stream_config.h"

namespace storefuse::infer::stream {

class Ownership {
 public:
  static constexpr int kShared = 1, kDirect = 2, kControl = 3;

  Ownership(const StreamConfig& config, Processor& processor);
  // Adds the subscriptions and the will to the client's options; sets the
  // processor's filters.
  void configure(MqttClientOptions& options);
  void set_client(MqttClient* client) { client_ = client; }
  // True when the message was this class's (control, or a shared copy that
  // only assigns); false: the processor takes it.
  bool on_message(std::string_view topic, std::string_view payload, int subscription);
  void on_connect();  // announces this member again and repeats its claims
  // SIGTERM: leave() stops taking messages; the caller flushes and writes
  // the outputs (progress is published); depart() then clears this member,
  // and the others take its streams from their progress.
  void leave();
  void depart();
  // The outputs of window `index` of `stream` are written.
  void progress(const std::string& stream, int64_t index);
  size_t owned() const;
  size_t members() const;

 private:
  std::string control(const std::string& what) const { return control_ + what; }
  std::string owner_of(const std::string& stream) const;      // "" when none live
  // The live member rendezvous hashing ranks first for the stream, leaving
  // out `except` ("" : none): a dead owner's successor, a live owner's standby.
  std::string ranked_first(const std::string& stream, const std::string& except) const;
  void claim(const std::string& stream, bool takeover);
  void update(const std::string& stream);  // subscriptions and roles of one stream
  void reassign();

  const StreamConfig& config_;
  Processor& processor_;
  MqttClient* client_ = nullptr;
  std::string self_, control_, group_;
  mutable std::mutex mutex_;
  std::set<std::string> members_;
  std::map<std::string, std::string> owners_;
  std::map<std::string, int64_t> progress_;
  std::set<std::string> subscribed_, owned_;
  // Messages of streams claimed here, kept until their standby is ready.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> early_;
  static constexpr size_t kMaxEarly = 20000;
  bool leaving_ = false;
};

}  // namespace storefuse::infer::stream
