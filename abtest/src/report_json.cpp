#include <cmath>

#include "storefuse/abtest/report.h"
#include "storefuse/version.h"

namespace storefuse::abtest {

namespace {

// NaN and infinities are not JSON; they become null.
json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json interval_json(const Interval& i) { return {{"lo", number(i.lo)}, {"hi", number(i.hi)}}; }

json bootstrap_json(const BootstrapResult& b) {
  return {{"estimate", number(b.estimate)},
          {"std_error", number(b.std_error)},
          {"confidence", b.confidence},
          {"resamples", b.resamples},
          {"invalid_resamples", b.invalid_resamples},
          {"percentile", interval_json(b.percentile)},
          {"bca", {{"lo", number(b.bca.interval.lo)},
                   {"hi", number(b.bca.interval.hi)},
                   {"defined", b.bca.defined},
                   {"z0", number(b.bca.z0)},
                   {"acceleration", number(b.bca.acceleration)}}}};
}

json settings_json(const Settings& s) {
  return {{"a", s.a}, {"b", s.b}, {"data", s.data}, {"name_a", s.name_a}, {"name_b", s.name_b},
          {"seed", s.seed}, {"resamples", s.resamples}, {"ece_bins", s.ece_bins},
          {"slices", s.slices}, {"min_slice_samples", s.min_slice_samples},
          {"threads", s.threads}, {"latency_warmup", s.latency_warmup},
          {"latency_samples", s.latency_samples}, {"memory", s.memory},
          {"decision", {{"primary_metric", s.decision.primary_metric},
                        {"min_effect", s.decision.min_effect},
                        {"alpha", s.decision.alpha},
                        {"interval", s.decision.interval},
                        {"max_slice_loss", s.decision.max_slice_loss},
                        {"max_p99_latency_regression", s.decision.max_p99_latency_regression},
                        {"max_ece_increase", s.decision.max_ece_increase},
                        {"max_drift_psi", s.decision.max_drift_psi}}},
          {"online", {{"experiment_id", s.online.experiment_id},
                      {"split_b", s.online.split_b},
                      {"log", s.online.log},
                      {"outcome", s.online.outcome},
                      {"higher_is_better", s.online.higher_is_better},
                      {"min_effect", s.online.min_effect},
                      {"power", s.online.power},
                      {"baseline", s.online.baseline},
                      {"srm_alpha", s.online.srm_alpha},
                      {"look_every", s.online.look_every},
                      {"tau", s.online.tau},
                      {"decide_with", s.online.decide_with}}}};
}

json reliability_json(const std::vector<ReliabilityBin>& bins) {
  json out = json::array();
  for (const auto& b : bins) {
    out.push_back({{"lo", b.lo}, {"hi", b.hi}, {"count", b.count},
                   {"mean_confidence", b.mean_confidence}, {"accuracy", b.accuracy}});
  }
  return out;
}

json offline_json(const OfflineResult& r) {
  json j;
  j["n"] = r.n;
  j["classes"] = r.class_names;
  j["model_a"] = metrics::to_json(r.report_a, r.class_names);
  j["model_b"] = metrics::to_json(r.report_b, r.class_names);
  j["comparisons"] = json::array();
  for (const auto& m : r.metrics) {
    j["comparisons"].push_back({{"metric", m.name}, {"higher_is_better", m.higher_is_better},
                                {"a", number(m.a)}, {"b", number(m.b)}, {"diff", number(m.diff)},
                                {"bootstrap", bootstrap_json(m.bootstrap)},
                                {"test", m.test}, {"p_value", number(m.p_value)}});
  }
  j["mcnemar_exact"] = {{"only_a_correct", r.mcnemar.only_a_correct},
                        {"only_b_correct", r.mcnemar.only_b_correct},
                        {"p_value", number(r.mcnemar.p_value)}};
  const auto& w = r.wilcoxon;
  j["wilcoxon_dwell_abs_error"] = {{"statistic", number(w.statistic)}, {"r_plus", number(w.r_plus)},
                                   {"r_minus", number(w.r_minus)}, {"z", number(w.z)},
                                   {"p_value", number(w.p_value)}, {"n_used", w.n_used},
                                   {"n_zero", w.n_zero}, {"has_ties", w.has_ties}, {"method", w.method}};
  j["slices"] = json::array();
  for (const auto& s : r.slices) {
    j["slices"].push_back({{"column", s.column}, {"value", s.value}, {"n", s.n}, {"a", number(s.a)},
                           {"b", number(s.b)}, {"diff", number(s.diff)}, {"tested", s.tested},
                           {"interval", s.tested ? interval_json(s.interval) : json(nullptr)},
                           {"test", s.test}, {"p_value", number(s.p_value)}, {"p_holm", number(s.p_holm)}});
  }
  j["reliability_a"] = reliability_json(r.reliability_a);
  j["reliability_b"] = reliability_json(r.reliability_b);
  if (r.latency) {
    const auto& l = *r.latency;
    j["latency_ms"] = {{"n", l.n},
                       {"a", {{"p50", l.a_p50}, {"p95", l.a_p95}, {"p99", l.a_p99}}},
                       {"b", {{"p50", l.b_p50}, {"p95", l.b_p95}, {"p99", l.b_p99}}},
                       {"p99_regression", number(l.p99_regression)},
                       {"quantiles_a", l.a_quantiles}, {"quantiles_b", l.b_quantiles}};
  }
  if (r.operational) {
    const auto& o = *r.operational;
    auto bytes = [](int64_t v) { return v < 0 ? json(nullptr) : json(v); };
    auto side = [&](const ModelOperational& m) {
      return json{{"file_bytes", bytes(m.file_bytes)}, {"peak_memory_bytes", bytes(m.peak_memory_bytes)},
                  {"memory_note", m.memory_note}};
    };
    j["operational"] = {{"threads", o.options.threads}, {"warmup", o.options.warmup},
                        {"samples", o.options.samples}, {"rows", o.rows}, {"batch", 1},
                        {"memory_method", o.memory_method}, {"a", side(o.a)}, {"b", side(o.b)}};
  }
  for (const auto& d : r.drift) {
    j["drift"].push_back({{"model", d.model}, {"available", d.available}, {"source", d.source},
                          {"report", d.available ? metrics::to_json(d.report) : json(nullptr)}});
  }
  j["notes"] = r.notes;
  return j;
}

json online_json(const OnlineResult& r) {
  json j;
  j["events"] = r.events;
  j["customers"] = {{"a", r.customers_a}, {"b", r.customers_b}};
  j["split_b"] = r.split_b;
  j["outcome"] = r.outcome;
  j["higher_is_better"] = r.higher_is_better;
  j["srm"] = {{"statistic", number(r.srm.statistic)}, {"df", r.srm.df}, {"p_value", number(r.srm.p_value)},
              {"expected", r.srm.expected}, {"failed", r.srm_failed}};
  if (r.srm_failed) {
    j["results"] = "withheld: sample ratio mismatch";
    return j;
  }
  j["binary"] = r.binary;
  j["mean"] = {{"a", r.mean_a}, {"b", r.mean_b}};
  j["sd"] = {{"a", r.sd_a}, {"b", r.sd_b}};
  if (r.z_test) {
    const auto& z = *r.z_test;
    j["two_proportion_z"] = {{"estimate", z.estimate}, {"std_error", z.std_error}, {"z", number(z.z)},
                             {"p_value", number(z.p_value)}, {"ci", {{"lo", z.ci_lo}, {"hi", z.ci_hi}}}};
  }
  if (r.welch) {
    const auto& w = *r.welch;
    j["welch_t"] = {{"estimate", w.estimate}, {"std_error", w.std_error}, {"t", number(w.t)},
                    {"df", number(w.df)}, {"p_value", number(w.p_value)},
                    {"ci", {{"lo", number(w.ci_lo)}, {"hi", number(w.ci_hi)}}}};
  }
  j["required_customers"] = r.required_customers;
  j["power_at_n"] = number(r.power_at_n);
  j["sequential"] = {{"method", "mSPRT, normal mixture (Johari et al. 2017)"}, {"tau", r.tau},
                     {"first_rejection_customers", r.first_rejection_customers}, {"looks", json::array()}};
  for (const auto& l : r.looks) {
    j["sequential"]["looks"].push_back({{"customers", l.customers}, {"n_a", l.look.n_a}, {"n_b", l.look.n_b},
                                        {"difference", l.look.difference},
                                        {"likelihood_ratio", number(l.look.likelihood_ratio)},
                                        {"p_value", number(l.look.p_value)},
                                        {"ci", {{"lo", number(l.look.ci_lo)}, {"hi", number(l.look.ci_hi)}}}});
  }
  return j;
}

}  // namespace

json to_json(const Report& rep) {
  json j;
  j["storefuse_version"] = STOREFUSE_VERSION;
  j["mode"] = rep.mode;
  j["verdict"] = rep.verdict.decision;
  j["reasons"] = json::array();
  for (const auto& c : rep.verdict.checks) {
    j["reasons"].push_back({{"check", c.name}, {"status", c.status}, {"detail", c.detail}});
  }
  j["settings"] = settings_json(rep.settings);
  if (rep.offline) j["offline"] = offline_json(*rep.offline);
  if (rep.online) j["online"] = online_json(*rep.online);
  if (!rep.log_path.empty()) j["log"] = rep.log_path;
  return j;
}

}  // namespace storefuse::abtest
