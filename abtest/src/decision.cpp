#include "storefuse/abtest/decision.h"

#include <cmath>
#include <cstdio>

namespace storefuse::abtest {

namespace {

std::string num(double v, int digits = 4) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string interval_text(double lo, double hi) { return "[" + num(lo) + ", " + num(hi) + "]"; }

// Rules 2-4 on an improvement and its interval (both oriented so that
// positive means B is better).
Check primary_check(const std::string& what, double improvement, double lo, double hi,
                    double min_effect, double confidence) {
  Check c{"primary", "", ""};
  const std::string facts = what + ": improvement " + num(improvement) + ", " + num(100 * confidence, 3) +
                            "% interval " + interval_text(lo, hi) + ", minimum effect " + num(min_effect);
  if (std::isnan(lo) || std::isnan(hi)) {
    c.status = "inconclusive";
    c.detail = facts + "; the interval is undefined (too few samples)";
  } else if (lo > 0 && improvement >= min_effect) {
    c.status = "pass";
    c.detail = facts + "; B is significantly better by at least the minimum effect";
  } else if (hi < min_effect) {
    c.status = "fail";
    c.detail = facts + (hi < 0 ? "; B is significantly worse"
                               : "; B's improvement is confidently below the minimum effect");
  } else {
    c.status = "inconclusive";
    c.detail = facts + "; the interval is too wide to decide: collect more data";
  }
  return c;
}

std::string decide(const std::vector<Check>& checks) {
  for (const auto& c : checks) {
    if (c.name != "primary" && c.status == "fail") return "KEEP_A";
  }
  for (const auto& c : checks) {
    if (c.name == "primary") {
      if (c.status == "pass") {
        for (const auto& d : checks) {
          if (d.name == "drift" && d.status == "inconclusive") return "INCONCLUSIVE";
        }
        return "PROMOTE_B";
      }
      if (c.status == "fail") return "KEEP_A";
    }
  }
  return "INCONCLUSIVE";
}

}  // namespace

Verdict decide_offline(const OfflineResult& r, const Settings& s) {
  const DecisionRule& rule = s.decision;
  Verdict v;
  const MetricComparison* m = r.find(rule.primary_metric);
  const Interval in = chosen_interval(m->bootstrap, rule.interval);
  const double sign = m->higher_is_better ? 1.0 : -1.0;
  const double lo = m->higher_is_better ? in.lo : -in.hi, hi = m->higher_is_better ? in.hi : -in.lo;
  Check primary = primary_check(rule.primary_metric + " (" + rule.interval + ")", sign * m->diff, lo, hi,
                                rule.min_effect, 1.0 - rule.alpha);
  v.checks.push_back(primary);
  if (rule.interval == "bca" && !m->bootstrap.bca.defined) {
    v.checks.push_back({"interval", "info", "BCa is undefined for " + rule.primary_metric +
                                                " (degenerate bootstrap distribution); the percentile interval was used"});
  }
  v.checks.push_back({"test", "info", m->test + " p = " + num(m->p_value) + " for " + rule.primary_metric +
                                          " (A " + num(m->a) + ", B " + num(m->b) + ")"});

  // Guardrail: slices.
  if (rule.max_slice_loss < 0) {
    v.checks.push_back({"slices", "skipped", "slice guardrail disabled (max_slice_loss < 0)"});
  } else if (r.slices.empty()) {
    v.checks.push_back({"slices", "skipped", "no slice columns in the labels"});
  } else {
    int failed = 0, tested = 0;
    for (const auto& sc : r.slices) {
      const double loss = -sign * sc.diff;
      if (!sc.tested) continue;
      ++tested;
      if (loss > rule.max_slice_loss && sc.p_holm < rule.alpha) {
        ++failed;
        v.checks.push_back({"slices", "fail", sc.column + "=" + sc.value + " loses " + num(loss) + " on " +
                                                  rule.primary_metric + " (more than " + num(rule.max_slice_loss) +
                                                  ", Holm p = " + num(sc.p_holm) + ", n = " + std::to_string(sc.n) + ")"});
      } else if (loss > rule.max_slice_loss) {
        v.checks.push_back({"slices", "info", sc.column + "=" + sc.value + " loses " + num(loss) +
                                                  " but not significantly (Holm p = " + num(sc.p_holm) +
                                                  ", n = " + std::to_string(sc.n) + ")"});
      }
    }
    if (failed == 0) {
      v.checks.push_back({"slices", "pass", "no slice loses more than " + num(rule.max_slice_loss) + " on " +
                                                rule.primary_metric + " significantly (" + std::to_string(tested) +
                                                " slices tested, Holm at alpha " + num(rule.alpha) + ")"});
    }
  }

  // Guardrail: latency.
  if (!r.latency) {
    v.checks.push_back({"latency", "skipped", "no latency: prediction files without latency_ms, or latency_samples 0"});
  } else if (rule.max_p99_latency_regression >= 0) {
    const auto& l = *r.latency;
    const bool bad = l.p99_regression > rule.max_p99_latency_regression;
    v.checks.push_back({"latency", bad ? "fail" : "pass",
                        "p99 latency A " + num(l.a_p99) + " ms, B " + num(l.b_p99) + " ms (" +
                            (l.p99_regression >= 0 ? "+" : "") + num(100 * l.p99_regression, 3) +
                            "%, limit +" + num(100 * rule.max_p99_latency_regression, 3) + "%)"});
  }

  // Guardrail: calibration.
  if (const MetricComparison* e = r.find("ece"); e && rule.max_ece_increase >= 0) {
    const Interval ei = chosen_interval(e->bootstrap, rule.interval);
    const bool bad = e->diff > rule.max_ece_increase && ei.lo > 0;
    v.checks.push_back({"calibration", bad ? "fail" : "pass",
                        "ECE A " + num(e->a) + ", B " + num(e->b) + " (change " + num(e->diff) + ", interval " +
                            interval_text(ei.lo, ei.hi) + ", limit +" + num(rule.max_ece_increase) + ")"});
  }
  // Drift: a win on a shifted evaluation set is not a promotion.
  for (const auto& md : r.drift) {
    if (!md.available) {
      v.checks.push_back({"drift", "skipped", md.model + " carries no feature summary of its training data (" +
                                                  md.source + "); re-export it to check for drift"});
      continue;
    }
    const auto& d = md.report;
    const std::string facts = md.model + ": max PSI " + num(d.max_psi) + " on " + d.worst_feature + ", max KS " +
                              num(d.max_ks) + " (" + d.level + " shift; PSI levels 0.1 and 0.25)";
    if (rule.max_drift_psi >= 0 && d.max_psi >= rule.max_drift_psi) {
      v.checks.push_back({"drift", "inconclusive", "the evaluation set has shifted from the training data of " + facts +
                                                       "; a win on it may not carry over, so B is not promoted on it"});
    } else {
      v.checks.push_back({"drift", "pass", facts});
    }
  }
  if (r.operational) {
    const auto& o = *r.operational;
    auto mb = [](int64_t bytes) { return bytes < 0 ? std::string("n/a") : num(double(bytes) / 1048576.0) + " MiB"; };
    v.checks.push_back({"operational", "info", "size A " + mb(o.a.file_bytes) + ", B " + mb(o.b.file_bytes) +
                                                   "; peak memory A " + mb(o.a.peak_memory_bytes) + ", B " +
                                                   mb(o.b.peak_memory_bytes) + "; " +
                                                   (o.options.samples > 0 ? "latency from " + std::to_string(o.options.samples) +
                                                                                " interleaved batch-1 runs each, "
                                                                          : std::string("latency not measured, ")) +
                                                   std::to_string(o.options.threads) + " thread(s)"});
  }
  for (const auto& note : r.notes) v.checks.push_back({"note", "info", note});
  v.decision = decide(v.checks);
  return v;
}

Verdict decide_online(const OnlineResult& r, const Settings& s) {
  Verdict v;
  const double expected_b = s.online.split_b * double(r.customers_a + r.customers_b);
  const std::string srm_facts = "customers A " + std::to_string(r.customers_a) + ", B " +
                                std::to_string(r.customers_b) + " (expected B " + num(expected_b, 6) +
                                "), chi-square " + num(r.srm.statistic) + ", p = " + num(r.srm.p_value);
  if (r.srm_failed) {
    v.checks.push_back({"srm", "fail", "sample ratio mismatch: " + srm_facts + " < " + num(s.online.srm_alpha) +
                                           "; the split is broken, so no result can be trusted"});
    v.decision = "INCONCLUSIVE";
    return v;
  }
  v.checks.push_back({"srm", "pass", "no sample ratio mismatch: " + srm_facts});
  const double sign = r.higher_is_better ? 1.0 : -1.0;
  double diff, lo, hi;
  std::string what;
  if (s.online.decide_with == "sequential" && !r.looks.empty()) {
    const MsprtLook& last = r.looks.back().look;
    diff = last.difference;
    lo = last.ci_lo;
    hi = last.ci_hi;
    what = "mean outcome per customer (always-valid mSPRT interval, p = " + num(last.p_value) + ")";
  } else {
    diff = r.welch->estimate;
    lo = r.welch->ci_lo;
    hi = r.welch->ci_hi;
    what = "mean outcome per customer (Welch, p = " + num(r.welch->p_value) + ")";
  }
  const double ilo = r.higher_is_better ? lo : -hi, ihi = r.higher_is_better ? hi : -lo;
  Check primary = primary_check(what, sign * diff, ilo, ihi, s.online.min_effect, 1.0 - s.decision.alpha);
  v.checks.push_back(primary);
  const int64_t n = r.customers_a + r.customers_b;
  if (r.required_customers > 0) {
    v.checks.push_back({"power", "info",
                        std::to_string(n) + " customers of the " + std::to_string(r.required_customers) +
                            " a fixed-horizon test needs for a " + num(s.online.min_effect) + " effect at " +
                            num(100 * s.online.power, 3) + "% power (power now " + num(100 * r.power_at_n, 3) + "%)"});
  }
  if (r.z_test) {
    v.checks.push_back({"test", "info", "two-proportion z-test p = " + num(r.z_test->p_value) +
                                            " (fixed-horizon; valid only if analysed once)"});
  }
  v.checks.push_back({"test", "info", "Welch's t-test p = " + num(r.welch->p_value) +
                                          " (fixed-horizon; valid only if analysed once)"});
  v.decision = decide(v.checks);
  return v;
}

}  // namespace storefuse::abtest
