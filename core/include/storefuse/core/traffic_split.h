// Deterministic traffic assignment for online experiments: a customer sees
// the same model on every visit, and different experiments split
// independently of each other.
//
//   u = to_unit( splitmix64_mix( fnv1a64(experiment_id + "\x1f" + customer_id) ) )
//   variant = u < split_b ? B : A
//
// FNV-1a (64-bit) hashes the bytes; its low bits mix poorly, so SplitMix64's
// finaliser scrambles the result, and the top 53 bits become u in [0, 1).
// The unit separator byte keeps ("ab", "c") and ("a", "bc") apart. The
// function is part of the experiment's contract: changing it reshuffles
// customers, so it is fixed and tested against golden values.
//
// It lives in storefuse_base because two programs must agree on it:
// `storefuse abtest simulate` and `storefuse-infer serve --routing`.
#pragma once

#include <cstdint>
#include <string_view>

namespace storefuse::traffic {

enum class Variant { A, B };

uint64_t fnv1a64(std::string_view bytes);
double assignment_unit(std::string_view experiment_id, std::string_view customer_id);
Variant assign_variant(std::string_view experiment_id, std::string_view customer_id,
                       double split_b);
const char* to_string(Variant v);

}  // namespace storefuse::traffic
