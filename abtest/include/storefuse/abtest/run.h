// The three ways to run an A/B comparison end to end, as `storefuse abtest`
// does: read the inputs the settings name, analyse, decide, write the report
// into settings.out. Each returns the verdict.
//
//   compare:  A and B predictions + labels -> paired offline statistics
//   simulate: the same inputs, split by customer -> log.csv + online analysis
//   analyse:  an online log (customer_id, variant, outcome) -> online analysis
#pragma once

#include "storefuse/abtest/decision.h"
#include "storefuse/abtest/settings.h"

namespace storefuse::abtest {

Verdict run_compare(const Settings& settings);
Verdict run_simulate(const Settings& settings);
Verdict run_analyse(const Settings& settings);

}  // namespace storefuse::abtest
