// The online experiment: customers split between A and B by the traffic
// hash, one outcome per event, analysed per customer (the randomisation
// unit; events of one customer are not independent).
//
//   auto log = simulate_experiment(paired, settings.online);   // or read_log("log.csv")
//   OnlineResult r = analyse_online(log, settings.online, settings.decision.alpha);
//   if (r.srm_failed) ...  // no test result is computed
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "storefuse/abtest/inputs.h"
#include "storefuse/abtest/parametric.h"
#include "storefuse/abtest/sequential.h"
#include "storefuse/abtest/settings.h"

namespace storefuse::abtest {

struct Observation {
  std::string customer_id;
  std::string variant;  // "A" or "B"
  double outcome = 0;
};

// Log file (CSV or JSONL), one row per event in time order: customer_id,
// variant (A or B), outcome; with a numeric `time` column, rows are sorted by
// it (stably). A customer in both variants is an error: assignment must be sticky.
std::vector<Observation> read_log(const std::filesystem::path& path);
void write_log(const std::filesystem::path& path, const std::vector<Observation>& log);

// Each labelled sample is an event of its customer, who sees the model the
// traffic hash assigns; the outcome is that model's `settings.outcome` on the
// sample (1/0 for correct, else the absolute error). Needs customer_id labels.
std::vector<Observation> simulate_experiment(const PairedData& data, const OnlineSettings& settings);
bool outcome_higher_is_better(const std::string& outcome);

struct SequentialLook {
  int64_t customers = 0;
  MsprtLook look;
};

struct OnlineResult {
  int64_t events = 0, customers_a = 0, customers_b = 0;
  double split_b = 0.5;
  std::string outcome;
  bool higher_is_better = true;
  ChiSquareTest srm;
  bool srm_failed = false;  // then nothing below is computed
  bool binary = false;      // every per-customer outcome is 0 or 1
  double mean_a = 0, mean_b = 0, sd_a = 0, sd_b = 0;
  std::optional<ZTest> z_test;        // binary outcomes only
  std::optional<WelchTest> welch;
  int64_t required_customers = 0;     // for min_effect at the configured power
  double power_at_n = 0;              // of the fixed-horizon test at the observed n
  double tau = 0;
  std::vector<SequentialLook> looks;  // every look_every customers and at the end
  int64_t first_rejection_customers = -1;  // first look with always-valid p < alpha
};

OnlineResult analyse_online(const std::vector<Observation>& log, const OnlineSettings& settings,
                            double alpha);

}  // namespace storefuse::abtest
