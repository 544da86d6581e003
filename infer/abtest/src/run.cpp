#include "storefuse/abtest/run.h"

#include <spdlog/spdlog.h>

#include "storefuse/abtest/inputs.h"
#include "storefuse/abtest/offline.h"
#include "storefuse/abtest/online.h"
#include "storefuse/abtest/report.h"
#include "storefuse/core/error.h"

namespace storefuse::abtest {

namespace {

void require(const std::string& value, const std::string& key, const std::string& what) {
  if (value.empty()) {
    throw Error(ErrorKind::Usage, "no " + what + " given", "abtest." + key,
                "set abtest." + key + " in the config, or pass --" + key);
  }
}

PairedData load_pair(const Settings& s) {
  require(s.a, "a", "predictions of model A");
  require(s.b, "b", "predictions of model B");
  require(s.data, "data", "label file");
  spdlog::info("abtest: reading {} (A), {} (B), {} (labels)", s.a, s.b, s.data);
  return align(read_predictions(s.a), read_predictions(s.b), read_labels(s.data), s.classes);
}

void finish(const Settings& s, const Report& rep) {
  write_report(s.out, rep);
  spdlog::info("abtest: {} - report in {}/report.html", rep.verdict.decision, s.out);
}

}  // namespace

Verdict run_compare(const Settings& s) {
  const PairedData data = load_pair(s);
  const OfflineResult result = compare_offline(data, s);
  Report rep{"offline", s, &result, nullptr, decide_offline(result, s), {}};
  finish(s, rep);
  return rep.verdict;
}

Verdict run_simulate(const Settings& s) {
  const PairedData data = load_pair(s);
  const auto log = simulate_experiment(data, s.online);
  const std::string log_path = s.out + "/log.csv";
  std::filesystem::create_directories(s.out);
  write_log(log_path, log);
  Settings effective = s;
  effective.online.higher_is_better = outcome_higher_is_better(s.online.outcome);
  OnlineResult result = analyse_online(log, effective.online, s.decision.alpha);
  result.outcome = s.online.outcome;
  Report rep{"simulate", effective, nullptr, &result, decide_online(result, effective), log_path};
  finish(s, rep);
  return rep.verdict;
}

Verdict run_analyse(const Settings& s) {
  require(s.online.log, "log", "online log");
  OnlineResult result = analyse_online(read_log(s.online.log), s.online, s.decision.alpha);
  result.outcome = "outcome";
  Report rep{"analyse", s, nullptr, &result, decide_online(result, s), s.online.log};
  finish(s, rep);
  return rep.verdict;
}

}  // namespace storefuse::abtest
