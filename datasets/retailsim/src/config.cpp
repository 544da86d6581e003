#include "storefuse/retailsim/config.h"

#include "storefuse/core/error.h"
#include "storefuse/retailsim/world.h"

namespace storefuse::retailsim {

const char* to_string(Split s) {
  switch (s) {
    case Split::Train: return "train";
    case Split::Val: return "val";
    case Split::Test: return "test";
  }
  return "?";
}

int64_t RetailSimConfig::split_begin(Split s) const {
  int64_t begin = 0;
  for (Split k : kSplits) {
    if (k == s) break;
    begin += split_sizes[static_cast<int>(k)];
  }
  return begin;
}

std::vector<int> RetailSimConfig::split_stores(Split s) const {
  std::vector<int> ids;
  const int first_test = stores - test_stores;
  for (int i = 0; i < stores; ++i) {
    if ((i >= first_test) == (s == Split::Test)) ids.push_back(i);
  }
  return ids;
}

RetailSimConfig from_config(const config::Node& root) {
  const config::Node& n = root["retailsim"];
  RetailSimConfig c;
  c.seed = static_cast<uint64_t>(n["seed"].as_int(0));
  c.flavour = n["flavour"].as_choice({"vectors", "sequences"});
  const auto& splits = n["splits"];
  splits.check_keys({"train", "val", "test"});
  c.split_sizes = {splits["train"].as_int(1), splits["val"].as_int(0), splits["test"].as_int(0)};
  c.stores = static_cast<int>(n["stores"].as_int(2, 100000));
  c.test_stores = static_cast<int>(n["test_stores"].as_int(0, c.stores - 1));
  c.class_weights = n["class_weights"].as_double_list();
  if (!c.class_weights.empty()) {
    if (c.class_weights.size() != kNumBehaviors) {
      throw Error(ErrorKind::Config,
                  "retailsim.class_weights has " + std::to_string(c.class_weights.size()) +
                      " values, expected one per class (" + std::to_string(kNumBehaviors) + ")",
                  n["class_weights"].origin().str(), "list 10 weights in class order, or [] for balanced classes");
    }
    double total = 0;
    for (double w : c.class_weights) {
      if (!(w >= 0)) throw Error(ErrorKind::Config, "retailsim.class_weights must be >= 0", n["class_weights"].origin().str(), "");
      total += w;
    }
    if (!(total > 0)) throw Error(ErrorKind::Config, "retailsim.class_weights are all zero", n["class_weights"].origin().str(), "");
  }
  if (c.test_stores == 0 && c.split_sizes[2] > 0) {
    throw Error(ErrorKind::Config, "retailsim.test_stores is 0 but the test split has samples",
                n["test_stores"].origin().str(), "set test_stores >= 1 (test stores are unseen in training)");
  }
  c.label_noise = n["label_noise"].as_double(0.0, 0.9);
  c.missing_rate = n["missing_rate"].as_double(0.0, 1.0);
  c.store_drift = n["store_drift"].as_double(0.0, 5.0);
  const auto& noise = n["noise"];
  c.noise = {noise["video"].as_double(0.0, 10.0), noise["audio"].as_double(0.0, 10.0),
             noise["text"].as_double(0.0, 10.0), noise["sensor"].as_double(0.0, 10.0)};
  c.dwell_noise = n["dwell_noise"].as_double(0.0, 3.0);
  c.engagement_noise = n["engagement_noise"].as_double(0.0, 1.0);
  c.chunk_rows = static_cast<int>(n["chunk_rows"].as_int(1, 1 << 20));
  return c;
}

}  // namespace storefuse::retailsim
