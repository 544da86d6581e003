#include "ownership.h"

#include <iostream>

#include "events.h"

namespace storefuse::infer::stream {

namespace {

uint64_t rank(const std::string& member, const std::string& stream) { return fnv1a64(member + "|" + stream); }

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

Ownership::Ownership(const StreamConfig& config, Processor& processor)
    : config_(config), processor_(processor), group_(config.mqtt.share_group) {
  control_ = config.prefix + "/_group/" + group_ + "/";
}

void Ownership::configure(MqttClientOptions& o) {
  self_ = o.client_id;
  if (self_.empty()) {
    self_ = default_client_id();
    o.client_id = self_;
  }
  o.subscriptions.emplace_back("$share/" + group_ + "/" + config_.prefix + "/+/+/+", kShared);
  o.subscriptions.emplace_back(control("members/+"), kControl);
  o.subscriptions.emplace_back(control("owner/+/+"), kControl);
  o.subscriptions.emplace_back(control("progress/+/+"), kControl);
  o.subscriptions.emplace_back(control("ready/+/+"), kControl);
  o.subscriptions.emplace_back(control("handoff/+/+"), kControl);
  o.will_topic = control("members/" + self_);
  o.will_payload = "";  // retained and empty: clears the announcement
  o.will_retain = true;
  processor_.set_owner_filter([this](const std::string& stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    return subscribed_.count(stream) > 0;
  });
  processor_.set_emit_filter([this](const std::string& stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    return owned_.count(stream) > 0;
  });
}

void Ownership::on_connect() {
  std::vector<std::string> mine;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (leaving_) return;
    members_.insert(self_);
    mine.assign(owned_.begin(), owned_.end());
  }
  client_->publish(control("members/" + self_), "1", true);
  for (const std::string& s : mine) client_->publish(control("owner/" + s), self_, true);
}

std::string Ownership::owner_of(const std::string& stream) const {
  auto it = owners_.find(stream);
  return it != owners_.end() && members_.count(it->second) ? it->second : "";
}

std::string Ownership::ranked_first(const std::string& stream, const std::string& except) const {
  std::string best;
  uint64_t best_rank = 0;
  for (const std::string& m : members_) {
    if (m == except) continue;
    const uint64_t r = rank(m, stream);
    if (best.empty() || r > best_rank) {
      best = m;
      best_rank = r;
    }
  }
  return best;
}

bool Ownership::on_message(std::string_view topic, std::string_view payload, int subscription) {
  if (starts_with(topic, control_)) {
    const std::string rest(topic.substr(control_.size()));
    const std::string value(payload);
    std::vector<std::string> changed;
    std::vector<std::pair<std::string, std::string>> handoff;
    std::string handoff_stream;
    bool membership = false, standby_copy = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (starts_with(rest, "members/")) {
        const std::string id = rest.substr(8);
        if (value.empty()) membership = members_.erase(id) > 0;
        else membership = members_.insert(id).second;
      } else if (starts_with(rest, "owner/")) {
        const std::string stream = rest.substr(6);
        if (value.empty()) owners_.erase(stream);
        else owners_[stream] = value;
        changed.push_back(stream);
      } else if (starts_with(rest, "ready/")) {
        // The standby is subscribed: what it missed goes to it.
        auto it = early_.find(rest.substr(6));
        if (it != early_.end()) {
          handoff = std::move(it->second);
          handoff_stream = it->first;
          early_.erase(it);
        }
      } else if (starts_with(rest, "handoff/")) {
        const std::string stream = rest.substr(8);
        standby_copy = subscribed_.count(stream) && !owned_.count(stream);
      } else if (starts_with(rest, "progress/")) {
        try {
          progress_[rest.substr(9)] = std::stoll(value);
        } catch (const std::exception&) {
        }
      }
    }
    if (membership) reassign();
    for (const std::string& s : changed) update(s);
    for (const auto& [t, p] : handoff) client_->publish(control("handoff/" + handoff_stream), t + "\n" + p);
    if (standby_copy) {
      const size_t nl = payload.find('\n');
      if (nl != std::string_view::npos) processor_.on_message(payload.substr(0, nl), payload.substr(nl + 1), "handoff");
    }
    return true;
  }
  // PREFIX/STORE/CAMERA/KIND: our own outputs are not inputs.
  const std::string_view rest = topic.substr(std::min(topic.size(), config_.prefix.size() + 1));
  const size_t a = rest.find('/'), b = a == std::string_view::npos ? a : rest.find('/', a + 1);
  if (b == std::string_view::npos) return false;  // malformed: the processor counts it (a shared copy comes once)
  const std::string_view kind = rest.substr(b + 1);
  if (kind == "events" || kind == "prediction") return true;
  const std::string stream(rest.substr(0, b));
  auto keep = [&] {  // for the standby, until it is ready
    auto it = early_.find(stream);
    if (it != early_.end() && it->second.size() < kMaxEarly) it->second.emplace_back(topic, payload);
  };
  if (subscription != kShared) {
    std::lock_guard<std::mutex> lock(mutex_);
    keep();
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (leaving_ || !owner_of(stream).empty()) return true;  // its owner has it by its own subscription
    early_[stream];
    keep();
  }
  claim(stream, false);
  return false;  // and this copy is processed here
}

void Ownership::claim(const std::string& stream, bool takeover) {
  int64_t from = INT64_MIN;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    owners_[stream] = self_;
    auto p = progress_.find(stream);
    if (takeover && p != progress_.end()) from = p->second + 1;
  }
  client_->publish(control("owner/" + stream), self_, true);
  update(stream);
  if (takeover) {
    std::cerr << "storefuse-infer stream: took over " << stream
              << (from == INT64_MIN ? std::string() : " from window " + std::to_string(from)) << "\n";
    processor_.resume(stream, from);
  }
}

void Ownership::update(const std::string& stream) {
  bool subscribe = false, unsubscribe = false, is_owner = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string owner = owner_of(stream);
    const bool mine = owner == self_ && !leaving_;
    const bool standby = !owner.empty() && !mine && ranked_first(stream, owner) == self_ && !leaving_;
    is_owner = mine;
    if (mine) owned_.insert(stream);
    else owned_.erase(stream);  // a standby of it keeps its items
    if (!mine) early_.erase(stream);
    if (mine || standby) subscribe = subscribed_.insert(stream).second;
    else unsubscribe = subscribed_.erase(stream) > 0;
  }
  const std::string filter = config_.prefix + "/" + stream + "/+";
  if (subscribe) client_->subscribe(filter, kDirect);
  // After the subscription on the same connection: the broker has it when the owner reads this.
  if (subscribe && !is_owner) client_->publish(control("ready/" + stream), self_);
  if (unsubscribe) {
    client_->unsubscribe(filter);
    processor_.release(stream);
  }
}

void Ownership::reassign() {
  std::vector<std::string> takeovers, all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (leaving_) return;
    for (const auto& [stream, owner] : owners_) {
      all.push_back(stream);
      if (members_.count(owner)) continue;
      if (ranked_first(stream, "") == self_) takeovers.push_back(stream);  // its owner is gone
    }
  }
  for (const std::string& s : takeovers) claim(s, true);
  for (const std::string& s : all) update(s);
}

void Ownership::progress(const std::string& stream, int64_t index) {
  if (client_) client_->publish(control("progress/" + stream), std::to_string(index), true);
}

void Ownership::leave() {
  std::vector<std::string> filters;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    leaving_ = true;
    for (const std::string& s : subscribed_) filters.push_back(config_.prefix + "/" + s + "/+");
  }
  client_->unsubscribe("$share/" + group_ + "/" + config_.prefix + "/+/+/+");
  for (const std::string& f : filters) client_->unsubscribe(f);
}

void Ownership::depart() {
  if (client_) client_->publish(control("members/" + self_), "", true);
}

size_t Ownership::owned() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return owned_.size();
}

size_t Ownership::members() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return members_.size();
}

}  // namespace storefuse::infer::stream
