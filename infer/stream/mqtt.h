// An MQTT 5 client on libmosquitto for the stream processor: subscribes,
// hands every message to a callback on its network thread, and publishes
// at least once. It reconnects by itself (1 s, doubling to 8 s) and
// subscribes again on every connect; what it publishes stays in a bounded
// outbox until the broker acknowledges it (QoS 1) and is sent again after a
// reconnect, so a broker that goes away and comes back loses nothing the
// client still holds (duplicates are possible, which is what at-least-once
// means; receivers de-duplicate by the events' ids).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

struct mosquitto;

namespace storefuse::infer::stream {

struct MqttClientOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;  // "": made from the host name and pid
  int keepalive_s = 30;
  int qos = 1;  // of the subscriptions
  // Topic filters ($share/GROUP/... included), each with an MQTT 5
  // subscription identifier (1..): a message says which one it came by.
  std::vector<std::pair<std::string, int>> subscriptions;
  size_t outbox_capacity = 100000;         // unacknowledged publishes held
  // A will the broker publishes if this client vanishes (empty topic: none).
  std::string will_topic, will_payload;
  bool will_retain = false;
};

struct MqttCounters {
  std::atomic<uint64_t> connects{0}, disconnects{0};
  std::atomic<uint64_t> received{0}, published{0}, acknowledged{0}, resent{0}, outbox_dropped{0};
};

// storefuse-HOST-PID: the client id of a client given none.
std::string default_client_id();

class MqttClient {
 public:
  // subscription: the identifier of the subscription it matched (0: none).
  using OnMessage = std::function<void(std::string_view topic, std::string_view payload, int subscription)>;
  using OnConnect = std::function<void()>;  // after every (re)connect, on the network thread

  // Error(Usage) for a bad option; nothing connects before start().
  MqttClient(MqttClientOptions options, OnMessage on_message, OnConnect on_connect = {});
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Starts the network thread; connecting (and reconnecting) goes on in it.
  void start();
  // Queues a QoS 1 message; false (counted) when the outbox is full.
  bool publish(const std::string& topic, std::string payload, bool retain = false);
  void subscribe(const std::string& filter, int id = 0);  // now and after every reconnect
  void unsubscribe(const std::string& filter);
  bool connected() const { return connected_.load(); }
  size_t outstanding() const;
  // Waits up to `drain` for the outbox to empty, disconnects cleanly (no
  // will), stops the network thread.
  void stop(std::chrono::milliseconds drain = std::chrono::milliseconds(2000));
  const MqttCounters& counters() const { return counters_; }
  const std::string& client_id() const { return options_.client_id; }

 private:
  struct Pending {
    std::string topic, payload;
    bool retain = false;
    int mid = -1;          // -1: not handed to the broker on the current connection
    uint64_t epoch = 0;    // the connection it was sent on
  };
  static void on_connect_cb(mosquitto*, void*, int, int, const void*);
  static void on_disconnect_cb(mosquitto*, void*, int, const void*);
  static void on_publish_cb(mosquitto*, void*, int, int, const void*);
  static void on_message_cb(mosquitto*, void*, const void*, const void*);
  void send(uint64_t seq);
  void connected_again();

  MqttClientOptions options_;
  OnMessage on_message_;
  OnConnect on_connect_;
  mosquitto* mosq_ = nullptr;
  bool started_ = false;
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> epoch_{0};
  mutable std::mutex mutex_;
  std::map<uint64_t, Pending> outbox_;  // by sequence: sent again in order
  std::map<int, uint64_t> by_mid_;
  std::set<int> early_acks_;  // acknowledged before send() recorded the mid
  uint64_t next_seq_ = 0;
  std::vector<std::pair<std::string, int>> filters_;
  void send_subscribe(const std::string& filter, int id);
  MqttCounters counters_;
};

}  // namespace storefuse::infer::stream
