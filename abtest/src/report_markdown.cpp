#include <sstream>

#include "format.h"
#include "storefuse/abtest/report.h"

namespace storefuse::abtest {

namespace {

void offline_markdown(std::ostringstream& md, const OfflineResult& r, const Settings& s) {
  md << "## Offline, paired (" << r.n << " samples)\n\n"
     << "Differences are " << s.name_b << " − " << s.name_a << "; intervals are paired bootstrap ("
     << s.resamples << " resamples, seed " << s.seed << ") at " << format::g(100 * (1 - s.decision.alpha), 3)
     << "%.\n\n"
     << "| metric | " << s.name_a << " | " << s.name_b << " | difference | percentile interval | BCa interval | test | p |\n"
     << "|---|---:|---:|---:|---|---|---|---:|\n";
  for (const auto& m : r.metrics) {
    const auto& b = m.bootstrap;
    md << "| " << m.name << (m.higher_is_better ? " (↑)" : " (↓)") << " | " << format::f(m.a) << " | "
       << format::f(m.b) << " | " << format::f(m.diff, 4, true) << " | [" << format::f(b.percentile.lo, 4, true)
       << ", " << format::f(b.percentile.hi, 4, true) << "] | ";
    if (b.bca.defined) {
      md << "[" << format::f(b.bca.interval.lo, 4, true) << ", " << format::f(b.bca.interval.hi, 4, true) << "]";
    } else {
      md << "undefined";
    }
    md << " | " << m.test << " | " << format::p(m.p_value) << " |\n";
  }
  md << "\nMcNemar exact: " << r.mcnemar.only_a_correct << " samples only " << s.name_a << " got right, "
     << r.mcnemar.only_b_correct << " only " << s.name_b << ", p = " << format::p(r.mcnemar.p_value) << ".  \n"
     << "Wilcoxon signed-rank on |dwell error| (" << r.wilcoxon.method << ", " << r.wilcoxon.n_used
     << " non-zero differences, " << r.wilcoxon.n_zero << " zeros dropped): W = " << format::g(r.wilcoxon.statistic, 8)
     << ", p = " << format::p(r.wilcoxon.p_value) << ".\n\n";

  if (!r.slices.empty()) {
    md << "### Slices (" << s.decision.primary_metric << ", Holm across " << "tested slices)\n\n"
       << "| slice | n | " << s.name_a << " | " << s.name_b << " | difference | interval | p | Holm p |\n"
       << "|---|---:|---:|---:|---:|---|---:|---:|\n";
    for (const auto& sc : r.slices) {
      md << "| " << sc.column << "=" << sc.value << " | " << sc.n << " | " << format::f(sc.a) << " | "
         << format::f(sc.b) << " | " << format::f(sc.diff, 4, true) << " | ";
      if (sc.tested) {
        md << "[" << format::f(sc.interval.lo, 4, true) << ", " << format::f(sc.interval.hi, 4, true) << "] | "
           << format::p(sc.p_value) << " | " << format::p(sc.p_holm) << " |\n";
      } else {
        md << "not tested (n < " << s.min_slice_samples << ") | | |\n";
      }
    }
    md << "\n";
  }
  if (r.latency) {
    const auto& l = *r.latency;
    md << "### Latency (ms, " << l.n << " samples)\n\n| | p50 | p95 | p99 |\n|---|---:|---:|---:|\n"
       << "| " << s.name_a << " | " << format::g(l.a_p50) << " | " << format::g(l.a_p95) << " | " << format::g(l.a_p99) << " |\n"
       << "| " << s.name_b << " | " << format::g(l.b_p50) << " | " << format::g(l.b_p95) << " | " << format::g(l.b_p99) << " |\n\n";
  }
  if (r.operational) {
    const auto& o = *r.operational;
    auto mib = [](int64_t v) { return v < 0 ? std::string("n/a") : format::g(double(v) / 1048576.0); };
    md << "### Operational (batch 1, " << o.options.threads << " thread(s), " << o.options.samples
       << " timed runs each after " << o.options.warmup << " warm-up runs, A and B interleaved)\n\n"
       << "| model | size MiB | peak memory MiB | note |\n|---|---:|---:|---|\n"
       << "| " << s.name_a << " | " << mib(o.a.file_bytes) << " | " << mib(o.a.peak_memory_bytes) << " | " << o.a.memory_note << " |\n"
       << "| " << s.name_b << " | " << mib(o.b.file_bytes) << " | " << mib(o.b.peak_memory_bytes) << " | " << o.b.memory_note << " |\n\n"
       << "Peak memory: " << o.memory_method << ".\n\n";
  }
  if (!r.drift.empty()) {
    md << "### Data drift (evaluation set vs each model's training data; PSI 0.1 moderate, 0.25 major)\n\n"
       << "| model | max PSI | worst feature | max KS | level |\n|---|---:|---|---:|---|\n";
    for (const auto& d : r.drift) {
      if (!d.available) {
        md << "| " << d.model << " | n/a | no feature summary (" << d.source << ") | | |\n";
      } else {
        md << "| " << d.model << " | " << format::g(d.report.max_psi) << " | " << d.report.worst_feature << " | "
           << format::g(d.report.max_ks) << " | " << d.report.level << " |\n";
      }
    }
    md << "\n";
  }
  md << "### Each model\n\n" << "#### " << s.name_a << "\n\n" << metrics::to_markdown(r.report_a, r.class_names)
     << "\n#### " << s.name_b << "\n\n" << metrics::to_markdown(r.report_b, r.class_names) << "\n";
}

void online_markdown(std::ostringstream& md, const OnlineResult& r, const Settings& s) {
  md << "## Online experiment '" << s.online.experiment_id << "'\n\n"
     << r.events << " events from " << r.customers_a + r.customers_b << " customers: " << r.customers_a << " saw "
     << s.name_a << ", " << r.customers_b << " saw " << s.name_b << " (configured share of B: "
     << format::g(r.split_b) << ").\n\n"
     << "Sample ratio check (chi-square, 1 df): statistic " << format::g(r.srm.statistic) << ", p = "
     << format::p(r.srm.p_value) << (r.srm_failed ? " — **mismatch: results withheld**" : " — ok") << ".\n\n";
  if (r.srm_failed) return;
  md << "Outcome '" << r.outcome << "' per customer (" << (r.higher_is_better ? "higher" : "lower")
     << " is better): mean " << s.name_a << " " << format::g(r.mean_a) << ", " << s.name_b << " "
     << format::g(r.mean_b) << ".\n\n| test | estimate (B − A) | interval | statistic | p |\n|---|---:|---|---:|---:|\n";
  if (r.z_test) {
    const auto& z = *r.z_test;
    md << "| two-proportion z | " << format::f(z.estimate, 4, true) << " | [" << format::f(z.ci_lo, 4, true)
       << ", " << format::f(z.ci_hi, 4, true) << "] | z = " << format::g(z.z) << " | " << format::p(z.p_value) << " |\n";
  }
  const auto& w = *r.welch;
  md << "| Welch's t | " << format::f(w.estimate, 4, true) << " | [" << format::f(w.ci_lo, 4, true) << ", "
     << format::f(w.ci_hi, 4, true) << "] | t = " << format::g(w.t) << ", df = " << format::g(w.df) << " | "
     << format::p(w.p_value) << " |\n";
  if (!r.looks.empty()) {
    const auto& last = r.looks.back().look;
    md << "| mSPRT (always valid) | " << format::f(last.difference, 4, true) << " | ["
       << format::f(last.ci_lo, 4, true) << ", " << format::f(last.ci_hi, 4, true) << "] | Λ = "
       << format::g(last.likelihood_ratio) << " | " << format::p(last.p_value) << " |\n";
  }
  md << "\nPlanning: " << r.required_customers << " customers give " << format::g(100 * s.online.power, 3)
     << "% power for a " << format::g(s.online.min_effect) << " effect; power at the observed n: "
     << format::g(100 * r.power_at_n, 3) << "%.  \nSequential monitoring: mSPRT with τ = " << format::g(r.tau)
     << ", looked at every " << s.online.look_every << " customers ("
     << r.looks.size() << " looks); "
     << (r.first_rejection_customers > 0 ? "first rejection after " + std::to_string(r.first_rejection_customers) + " customers"
                                          : std::string("no rejection"))
     << ".\n\n";
}

}  // namespace

std::string to_markdown(const Report& rep) {
  std::ostringstream md;
  const Settings& s = rep.settings;
  md << "# A/B report: " << s.name_a << " vs " << s.name_b << "\n\n"
     << "**Verdict: " << rep.verdict.decision << "** (" << rep.mode << "; primary metric "
     << (rep.mode == "offline" ? s.decision.primary_metric : "per-customer outcome") << ", minimum effect "
     << format::g(rep.mode == "offline" ? s.decision.min_effect : s.online.min_effect) << ", alpha "
     << format::g(s.decision.alpha) << ")\n\n";
  for (const auto& c : rep.verdict.checks) md << "- **" << c.name << "** " << c.status << ": " << c.detail << "\n";
  md << "\nModel A: `" << s.a << "`  \nModel B: `" << s.b << "`  \nLabels: `" << s.data << "`\n";
  if (!rep.log_path.empty()) md << "Log: `" << rep.log_path << "`\n";
  md << "\n";
  if (rep.online) online_markdown(md, *rep.online, s);
  if (rep.offline) offline_markdown(md, *rep.offline, s);
  return md.str();
}

}  // namespace storefuse::abtest
