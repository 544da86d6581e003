#include "storefuse/abtest/settings.h"

#include "storefuse/core/error.h"
#include "storefuse/metrics/statistics.h"

namespace storefuse::abtest {

const std::vector<std::string>& primary_metric_names() {
  static const std::vector<std::string> names = metrics::primary_statistic_names();
  return names;
}

bool higher_is_better(const std::string& metric) { return metrics::statistic(metric).higher_is_better(); }

Settings settings_from_config(const config::Node& cfg) {
  const config::Node& n = cfg["abtest"];
  Settings s;
  s.a = n["a"].as_string();
  s.b = n["b"].as_string();
  s.data = n["data"].as_string();
  s.out = n["out"].as_string();
  s.name_a = n["name_a"].as_string();
  s.name_b = n["name_b"].as_string();
  s.classes = n["classes"].as_string_list();
  s.seed = uint64_t(n["seed"].as_int(0));
  s.resamples = int(n["resamples"].as_int(100, 1000000));
  s.ece_bins = int(n["ece_bins"].as_int(1, 1000));
  s.slices = n["slices"].as_string_list();
  s.min_slice_samples = n["min_slice_samples"].as_int(2);
  s.threads = int(n["threads"].as_int(0, 1024));
  s.latency_warmup = int(n["latency_warmup"].as_int(0, 1000000));
  s.latency_samples = int(n["latency_samples"].as_int(0, 10000000));
  s.memory = n["memory"].as_bool();

  const config::Node& d = n["decision"];
  s.decision.primary_metric = d["primary_metric"].as_choice(primary_metric_names());
  s.decision.min_effect = d["min_effect"].as_double(0.0);
  s.decision.alpha = d["alpha"].as_double(1e-6, 0.5);
  s.decision.interval = d["interval"].as_choice({"bca", "percentile"});
  s.decision.max_slice_loss = d["max_slice_loss"].as_double();
  s.decision.max_p99_latency_regression = d["max_p99_latency_regression"].as_double();
  s.decision.max_ece_increase = d["max_ece_increase"].as_double();
  s.decision.max_drift_psi = d["max_drift_psi"].as_double();

  const config::Node& o = n["online"];
  s.online.experiment_id = o["experiment_id"].as_string();
  if (s.online.experiment_id.empty()) {
    throw Error(ErrorKind::Config, "experiment_id may not be empty", o["experiment_id"].origin().str(),
                "name the experiment; the name seeds the traffic split");
  }
  s.online.split_b = o["split_b"].as_double(0.0, 1.0);
  if (!(s.online.split_b > 0 && s.online.split_b < 1)) {
    throw Error(ErrorKind::Config, "split_b must lie strictly between 0 and 1",
                o["split_b"].origin().str(), "e.g. 0.5 for an even split, 0.1 for a 10% ramp");
  }
  s.online.log = o["log"].as_string();
  s.online.outcome = o["outcome"].as_choice({"correct", "dwell_abs_error_s", "engagement_abs_error"});
  s.online.higher_is_better = o["higher_is_better"].as_bool();
  s.online.min_effect = o["min_effect"].as_positive_double();
  s.online.power = o["power"].as_double(0.5, 0.999);
  s.online.baseline = o["baseline"].as_double(0.0);
  s.online.srm_alpha = o["srm_alpha"].as_double(1e-12, 0.5);
  s.online.look_every = o["look_every"].as_int(1);
  s.online.tau = o["tau"].as_double(0.0);
  s.online.decide_with = o["decide_with"].as_choice({"sequential", "fixed"});
  return s;
}

}  // namespace storefuse::abtest
