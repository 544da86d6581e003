#include "storefuse/core/traffic_split.h"

#include <string>

#include "storefuse/core/random.h"

namespace storefuse::traffic {

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

double assignment_unit(std::string_view experiment_id, std::string_view customer_id) {
  std::string key;
  key.reserve(experiment_id.size() + customer_id.size() + 1);
  key.append(experiment_id).push_back('\x1f');
  key.append(customer_id);
  return double(random::splitmix64_mix(fnv1a64(key)) >> 11) * 0x1.0p-53;
}

Variant assign_variant(std::string_view experiment_id, std::string_view customer_id,
                       double split_b) {
  return assignment_unit(experiment_id, customer_id) < split_b ? Variant::B : Variant::A;
}

const char* to_string(Variant v) { return v == Variant::A ? "A" : "B"; }

}  // namespace storefuse::traffic
