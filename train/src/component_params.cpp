#include "storefuse/train/component_params.h"

#include "storefuse/core/error.h"

namespace storefuse::train {

ComponentParams::ComponentParams(const config::Node& params, const std::vector<std::string>& allowed)
    : node_(params) {
  if (!node_.is_null()) node_.check_keys(allowed);
}

int64_t ComponentParams::integer(const std::string& key, int64_t fallback, int64_t min,
                                 int64_t max) const {
  return node_.has(key) ? node_[key].as_int(min, max) : fallback;
}

double ComponentParams::real(const std::string& key, double fallback, double min, double max) const {
  return node_.has(key) ? node_[key].as_double(min, max) : fallback;
}

bool ComponentParams::flag(const std::string& key, bool fallback) const {
  return node_.has(key) ? node_[key].as_bool() : fallback;
}

std::vector<int64_t> ComponentParams::ints(const std::string& key, std::vector<int64_t> fallback,
                                           int64_t min, int64_t max) const {
  if (!node_.has(key)) return fallback;
  const auto& n = node_[key];
  auto values = n.as_int_list();
  if (values.empty()) throw Error(ErrorKind::Config, key + " needs at least one value", n.origin().str());
  for (auto v : values) {
    if (v < min || v > max) {
      throw Error(ErrorKind::Config,
                  key + " values must be in [" + std::to_string(min) + ", " + std::to_string(max) +
                      "], got " + std::to_string(v),
                  n.origin().str());
    }
  }
  return values;
}

std::string ComponentParams::choice(const std::string& key, std::string fallback,
                                    const std::vector<std::string>& allowed) const {
  return node_.has(key) ? node_[key].as_choice(allowed) : fallback;
}

}  // namespace storefuse::train
