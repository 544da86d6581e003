// The decision rule: a verdict and every reason for it.
//
// Offline (paired): let I be B's improvement on the primary metric (b - a,
// or a - b when lower is better) and [lo, hi] its bootstrap interval at
// confidence 1 - alpha.
//   1. Any guardrail fails                          -> KEEP_A
//      - a slice loses more than max_slice_loss and the loss is significant
//        after Holm across slices;
//      - p99 latency of B exceeds A's by more than max_p99_latency_regression;
//      - ECE rises by more than max_ece_increase and the rise is significant.
//   2. lo > 0 and I >= min_effect                   -> PROMOTE_B, unless the
//      evaluation set has shifted from a model's training data (max PSI >=
//      max_drift_psi)                               -> INCONCLUSIVE
//   3. hi < min_effect (B is not better by enough)  -> KEEP_A
//   4. otherwise                                    -> INCONCLUSIVE (collect more data)
// Online: a sample-ratio mismatch makes it INCONCLUSIVE before anything
// else; then rules 2-4 on the always-valid (mSPRT) interval, or on Welch's
// interval when decide_with is `fixed`.
#pragma once

#include <string>
#include <vector>

#include "storefuse/abtest/offline.h"
#include "storefuse/abtest/online.h"
#include "storefuse/abtest/settings.h"

namespace storefuse::abtest {

struct Check {
  std::string name;    // "primary", "slices", "latency", "calibration", "srm", ...
  std::string status;  // pass | fail | inconclusive | skipped | info
  std::string detail;  // a sentence with the numbers
};

struct Verdict {
  std::string decision;  // PROMOTE_B | KEEP_A | INCONCLUSIVE
  std::vector<Check> checks;  // every reason, in the order the rule applies them
};

Verdict decide_offline(const OfflineResult& result, const Settings& settings);
Verdict decide_online(const OnlineResult& result, const Settings& settings);

}  // namespace storefuse::abtest
