// The `params` map of a zoo component (an encoder, a fusion block). Its keys
// are not in configs/defaults.yaml, so each component lists them here with
// their defaults (docs/model-zoo.md documents them): an unknown key is an
// error with a suggestion, a missing key takes the default, a present one is
// type- and range-checked with the file and line in the error.
//
//   ComponentParams p(cfg["params"], {"channels", "kernel"});
//   auto channels = p.ints("channels", {8, 16}, 1, 4096);
#pragma once

#include <string>
#include <vector>

#include "storefuse/core/config.h"

namespace storefuse::train {

class ComponentParams {
 public:
  // `params` may be null (the component's defaults alone).
  ComponentParams(const config::Node& params, const std::vector<std::string>& allowed);

  int64_t integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) const;
  double real(const std::string& key, double fallback, double min, double max) const;
  bool flag(const std::string& key, bool fallback) const;
  // A non-empty list, each value in [min, max].
  std::vector<int64_t> ints(const std::string& key, std::vector<int64_t> fallback, int64_t min,
                            int64_t max) const;
  std::string choice(const std::string& key, std::string fallback,
                     const std::vector<std::string>& allowed) const;
  const config::Node& node() const { return node_; }

 private:
  const config::Node& node_;
};

}  // namespace storefuse::train
