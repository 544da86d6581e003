#include "mqtt.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "storefuse/core/error.h"

namespace storefuse::infer::stream {

namespace {

struct LibInit {
  LibInit() { mosquitto_lib_init(); }
};

void check(int rc, const std::string& what) {
  if (rc != MOSQ_ERR_SUCCESS) throw Error(ErrorKind::Usage, what + ": " + mosquitto_strerror(rc), "MQTT client");
}

}  // namespace

std::string default_client_id() {
  char host[64] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string("storefuse-") + host + "-" + std::to_string(::getpid());
}

MqttClient::MqttClient(MqttClientOptions options, OnMessage on_message, OnConnect on_connect)
    : options_(std::move(options)), on_message_(std::move(on_message)), on_connect_(std::move(on_connect)) {
  static LibInit init;
  if (options_.client_id.empty()) options_.client_id = default_client_id();
  filters_ = options_.subscriptions;
  // A clean start: this client's subscriptions are made again on every
  // connect, and what it must not lose is in its own outbox.
  mosq_ = mosquitto_new(options_.client_id.c_str(), true, this);
  if (!mosq_) throw Error(ErrorKind::Usage, "cannot create an MQTT client", "MQTT client");
  check(mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5), "MQTT 5");
  mosquitto_connect_v5_callback_set(mosq_, [](mosquitto* m, void* self, int rc, int flags, const mosquitto_property* p) {
    on_connect_cb(m, self, rc, flags, p);
  });
  mosquitto_disconnect_v5_callback_set(mosq_, [](mosquitto* m, void* self, int rc, const mosquitto_property* p) {
    on_disconnect_cb(m, self, rc, p);
  });
  mosquitto_publish_v5_callback_set(mosq_, [](mosquitto* m, void* self, int mid, int rc, const mosquitto_property* p) {
    on_publish_cb(m, self, mid, rc, p);
  });
  mosquitto_message_v5_callback_set(mosq_, [](mosquitto* m, void* self, const mosquitto_message* msg, const mosquitto_property* p) {
    on_message_cb(m, self, msg, p);
  });
  mosquitto_reconnect_delay_set(mosq_, 1, 8, true);
  if (!options_.will_topic.empty())
    check(mosquitto_will_set_v5(mosq_, options_.will_topic.c_str(), static_cast<int>(options_.will_payload.size()),
                                options_.will_payload.data(), 1, options_.will_retain, nullptr),
          "the will");
}

MqttClient::~MqttClient() {
  stop(std::chrono::milliseconds(0));
  mosquitto_destroy(mosq_);
}

void MqttClient::start() {
  // An unreachable broker is not an error here: the network thread keeps
  // trying, as it does after losing a connection.
  mosquitto_connect_bind_async(mosq_, options_.host.c_str(), options_.port, options_.keepalive_s, nullptr);
  check(mosquitto_loop_start(mosq_), "the MQTT network thread");
  started_ = true;
}

void MqttClient::on_connect_cb(mosquitto*, void* self, int rc, int, const void*) {
  auto* c = static_cast<MqttClient*>(self);
  if (rc != 0) return;  // refused: the network thread tries again
  c->connected_again();
}

void MqttClient::connected_again() {
  ++counters_.connects;
  const uint64_t epoch = ++epoch_;
  std::vector<std::pair<std::string, int>> filters;
  std::vector<uint64_t> resend;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    filters = filters_;
    by_mid_.clear();
    early_acks_.clear();
    for (auto& [seq, p] : outbox_) {  // unacknowledged on the last connection, or never sent
      if (p.mid >= 0 && p.epoch != epoch) ++counters_.resent;
      p.mid = -1;
      resend.push_back(seq);
    }
  }
  connected_ = true;
  for (const auto& [f, id] : filters) send_subscribe(f, id);
  if (on_connect_) on_connect_();
  for (uint64_t seq : resend) send(seq);
}

void MqttClient::on_disconnect_cb(mosquitto*, void* self, int, const void*) {
  auto* c = static_cast<MqttClient*>(self);
  c->connected_ = false;
  ++c->counters_.disconnects;
}

void MqttClient::on_publish_cb(mosquitto*, void* self, int mid, int, const void*) {
  auto* c = static_cast<MqttClient*>(self);
  std::lock_guard<std::mutex> lock(c->mutex_);
  auto it = c->by_mid_.find(mid);
  if (it == c->by_mid_.end()) {
    c->early_acks_.insert(mid);
    return;
  }
  c->outbox_.erase(it->second);
  c->by_mid_.erase(it);
  ++c->counters_.acknowledged;
}

void MqttClient::on_message_cb(mosquitto*, void* self, const void* message, const void* properties) {
  auto* c = static_cast<MqttClient*>(self);
  const auto* m = static_cast<const mosquitto_message*>(message);
  uint32_t id = 0;
  mosquitto_property_read_varint(static_cast<const mosquitto_property*>(properties), MQTT_PROP_SUBSCRIPTION_IDENTIFIER, &id,
                                 false);
  ++c->counters_.received;
  c->on_message_(m->topic ? std::string_view(m->topic) : std::string_view(),
                 std::string_view(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen)),
                 static_cast<int>(id));
}

void MqttClient::send_subscribe(const std::string& filter, int id) {
  mosquitto_property* props = nullptr;
  if (id > 0) mosquitto_property_add_varint(&props, MQTT_PROP_SUBSCRIPTION_IDENTIFIER, static_cast<uint32_t>(id));
  mosquitto_subscribe_v5(mosq_, nullptr, filter.c_str(), options_.qos, 0, props);
  mosquitto_property_free_all(&props);
}

bool MqttClient::publish(const std::string& topic, std::string payload, bool retain) {
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (outbox_.size() >= options_.outbox_capacity) {
      ++counters_.outbox_dropped;
      return false;
    }
    seq = next_seq_++;
    outbox_.emplace(seq, Pending{topic, std::move(payload), retain, -1, 0});
  }
  ++counters_.published;
  if (connected_) send(seq);
  return true;
}

void MqttClient::send(uint64_t seq) {
  std::string topic, payload;
  bool retain;
  uint64_t epoch = epoch_.load();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = outbox_.find(seq);
    if (it == outbox_.end() || it->second.mid >= 0) return;
    topic = it->second.topic;
    payload = it->second.payload;
    retain = it->second.retain;
  }
  int mid = -1;
  // Outside the lock: the network thread takes it in on_publish.
  const int rc = mosquitto_publish_v5(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1,
                                      retain, nullptr);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = outbox_.find(seq);
  if (it == outbox_.end()) return;
  if (rc != MOSQ_ERR_SUCCESS) return;  // not connected: sent on the next connect
  if (early_acks_.erase(mid)) {
    outbox_.erase(it);
    ++counters_.acknowledged;
    return;
  }
  it->second.mid = mid;
  it->second.epoch = epoch;
  by_mid_[mid] = seq;
}

void MqttClient::subscribe(const std::string& filter, int id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& f : filters_)
      if (f.first == filter) return;
    filters_.emplace_back(filter, id);
  }
  if (connected_) send_subscribe(filter, id);
}

void MqttClient::unsubscribe(const std::string& filter) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    filters_.erase(std::remove_if(filters_.begin(), filters_.end(), [&](const auto& f) { return f.first == filter; }),
                   filters_.end());
  }
  if (connected_) mosquitto_unsubscribe_v5(mosq_, nullptr, filter.c_str(), nullptr);
}

size_t MqttClient::outstanding() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return outbox_.size();
}

void MqttClient::stop(std::chrono::milliseconds drain) {
  if (!started_) return;
  const auto until = std::chrono::steady_clock::now() + drain;
  while (outstanding() > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  mosquitto_disconnect_v5(mosq_, MQTT_RC_NORMAL_DISCONNECTION, nullptr);
  mosquitto_loop_stop(mosq_, false);
  started_ = false;
  connected_ = false;
}

}  // namespace storefuse::infer::stream
