// The A/B tool's settings, read from the `abtest:` section of a config
// (configs/defaults.yaml documents every key; docs/abtest.md the rule).
//
//   auto cfg = config::load("configs/abtest.yaml", {"abtest.resamples=5000"});
//   Settings s = settings_from_config(cfg);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storefuse/core/config.h"

namespace storefuse::abtest {

// Metrics the decision can be made on, and their direction.
// From the table of statistics (storefuse/metrics/statistics.h): the rows
// that may be primary, and a row's direction (Error(Config) for an unknown name).
const std::vector<std::string>& primary_metric_names();
bool higher_is_better(const std::string& metric);

struct DecisionRule {
  std::string primary_metric = "accuracy";
  double min_effect = 0.01;        // in the primary metric's units, as an improvement
  double alpha = 0.05;             // intervals are at confidence 1 - alpha
  std::string interval = "bca";    // bca | percentile
  double max_slice_loss = 0.02;    // guardrail, primary metric units; < 0 disables
  double max_p99_latency_regression = 0.10;  // guardrail, relative; < 0 disables
  double max_ece_increase = 0.02;  // guardrail, absolute; < 0 disables
  double max_drift_psi = 0.25;     // a win on a set this shifted (PSI) is INCONCLUSIVE; < 0 disables
};

struct OnlineSettings {
  std::string experiment_id = "storefuse-ab";
  double split_b = 0.5;
  std::string log;                 // analyse: the assignment/outcome log
  std::string outcome = "correct"; // simulate: correct | dwell_abs_error_s | engagement_abs_error
  bool higher_is_better = true;    // analyse: direction of the logged outcome
  double min_effect = 0.01;        // minimum detectable / worthwhile effect, outcome units
  double power = 0.8;
  double baseline = 0.0;           // planning baseline (rate or mean); 0 = group A's
  double srm_alpha = 0.001;
  int64_t look_every = 100;        // customers between sequential looks
  double tau = 0.0;                // mSPRT mixing sd; 0 = min_effect
  std::string decide_with = "sequential";  // sequential | fixed
};

struct Settings {
  std::string a, b, data, out = "reports/abtest";
  std::string name_a = "A", name_b = "B";
  std::vector<std::string> classes;
  uint64_t seed = 42;
  int resamples = 2000;
  int ece_bins = 15;
  std::vector<std::string> slices = {"store_id", "camera_id", "missing_modality"};
  int64_t min_slice_samples = 30;
  int threads = 1;              // runtime threads for model inputs (both models)
  int latency_warmup = 20;      // untimed batch-1 runs per model
  int latency_samples = 200;    // timed batch-1 runs per model
  bool memory = true;           // measure peak memory of model inputs
  DecisionRule decision;
  OnlineSettings online;
};

// Reads cfg["abtest"]; errors name the config file and line.
Settings settings_from_config(const config::Node& cfg);

}  // namespace storefuse::abtest
