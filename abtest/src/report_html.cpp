#include <sstream>

#include "format.h"
#include "storefuse/abtest/report.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "svg.h"

namespace storefuse::abtest {

namespace {

const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
.verdict{font-size:28px;font-weight:700;padding:12px 16px;border-radius:6px;display:inline-block;margin:8px 0}
.PROMOTE_B{background:#e3f4e8;color:#1e7a3b}.KEEP_A{background:#fbe5e1;color:#a93226}.INCONCLUSIVE{background:#fff4d6;color:#8a6100}
table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}
.status{font-weight:600;text-transform:uppercase;font-size:11px}.pass{color:#1e7a3b}.fail{color:#a93226}
.inconclusive{color:#8a6100}.skipped,.info{color:#666}.charts{display:flex;flex-wrap:wrap;gap:24px}
.meta{color:#555;font-size:13px}code{background:#f5f5f5;padding:1px 4px}
)";

std::string signed_text(double v, double lo, double hi) {
  return format::f(v, 4, true) + "  [" + format::f(lo, 4, true) + ", " + format::f(hi, 4, true) + "]";
}

// Green when the interval shows B better, red when it shows B worse.
std::string direction(double lo, double hi, bool higher_is_better) {
  if (lo > 0) return higher_is_better ? "better" : "worse";
  if (hi < 0) return higher_is_better ? "worse" : "better";
  return "neutral";
}

void verdict_html(std::ostringstream& o, const Report& rep) {
  const Settings& s = rep.settings;
  o << "<h1>A/B report: " << format::html(s.name_a) << " vs " << format::html(s.name_b) << "</h1>\n"
    << "<div class=\"verdict " << rep.verdict.decision << "\" id=\"verdict\">" << rep.verdict.decision << "</div>\n"
    << "<p class=\"meta\">mode " << rep.mode << " · alpha " << format::g(s.decision.alpha) << " · ";
  if (rep.mode == "offline") {
    o << "primary metric " << format::html(s.decision.primary_metric) << " · minimum effect "
      << format::g(s.decision.min_effect) << " · " << s.decision.interval << " intervals";
  } else {
    o << "experiment <code>" << format::html(s.online.experiment_id) << "</code> · minimum effect "
      << format::g(s.online.min_effect);
  }
  o << "</p>\n<table id=\"reasons\"><tr><th>check</th><th>status</th><th>reason</th></tr>\n";
  for (const auto& c : rep.verdict.checks) {
    o << "<tr><td>" << format::html(c.name) << "</td><td class=\"status " << c.status << "\">" << c.status
      << "</td><td style=\"text-align:left\">" << format::html(c.detail) << "</td></tr>\n";
  }
  o << "</table>\n<p class=\"meta\">A: <code>" << format::html(s.a) << "</code><br>B: <code>"
    << format::html(s.b) << "</code><br>labels: <code>" << format::html(s.data) << "</code>";
  if (!rep.log_path.empty()) o << "<br>log: <code>" << format::html(rep.log_path) << "</code>";
  o << "</p>\n";
}

void offline_html(std::ostringstream& o, const OfflineResult& r, const Settings& s) {
  o << "<h2>Offline, paired comparison (" << r.n << " samples)</h2>\n"
    << "<p class=\"meta\">Differences are " << format::html(s.name_b) << " − " << format::html(s.name_a)
    << "; paired bootstrap, " << s.resamples << " resamples, seed " << s.seed << ", "
    << format::g(100 * (1 - s.decision.alpha), 3) << "% intervals (" << s.decision.interval << ").</p>\n";
  std::vector<svg::ForestRow> rows;
  for (const auto& m : r.metrics) {
    const Interval in = chosen_interval(m.bootstrap, s.decision.interval);
    rows.push_back({m.name + (m.higher_is_better ? " (higher better)" : " (lower better)"), m.diff, in.lo, in.hi,
                    direction(in.lo, in.hi, m.higher_is_better), signed_text(m.diff, in.lo, in.hi)});
  }
  o << svg::forest_plot(rows, "Metric differences (B − A) with intervals") << "\n";
  o << "<table><tr><th>metric</th><th>" << format::html(s.name_a) << "</th><th>" << format::html(s.name_b)
    << "</th><th>B − A</th><th>percentile</th><th>BCa</th><th>test</th><th>p</th></tr>\n";
  for (const auto& m : r.metrics) {
    const auto& b = m.bootstrap;
    o << "<tr><td>" << m.name << "</td><td>" << format::f(m.a) << "</td><td>" << format::f(m.b) << "</td><td>"
      << format::f(m.diff, 4, true) << "</td><td>[" << format::f(b.percentile.lo, 4, true) << ", "
      << format::f(b.percentile.hi, 4, true) << "]</td><td>";
    if (b.bca.defined) {
      o << "[" << format::f(b.bca.interval.lo, 4, true) << ", " << format::f(b.bca.interval.hi, 4, true) << "]";
    } else {
      o << "undefined";
    }
    o << "</td><td>" << m.test << "</td><td>" << format::p(m.p_value) << "</td></tr>\n";
  }
  o << "</table>\n<p class=\"meta\">McNemar exact: " << r.mcnemar.only_a_correct << " only A right, "
    << r.mcnemar.only_b_correct << " only B right, p = " << format::p(r.mcnemar.p_value)
    << ". Wilcoxon signed-rank on |dwell error| (" << r.wilcoxon.method << "): p = "
    << format::p(r.wilcoxon.p_value) << ".</p>\n";

  if (!r.slices.empty()) {
    o << "<h2>Slices: " << format::html(s.decision.primary_metric) << " (Holm across tested slices)</h2>\n";
    std::vector<svg::ForestRow> slice_rows;
    const bool up = higher_is_better(s.decision.primary_metric);
    for (const auto& sc : r.slices) {
      if (!sc.tested) continue;
      const bool significant = sc.p_holm < s.decision.alpha;
      slice_rows.push_back({sc.column + "=" + sc.value + " (n " + std::to_string(sc.n) + ")", sc.diff,
                            sc.interval.lo, sc.interval.hi,
                            significant ? direction(sc.diff, sc.diff, up) : "neutral",
                            signed_text(sc.diff, sc.interval.lo, sc.interval.hi) + "  Holm p " + format::p(sc.p_holm)});
    }
    if (!slice_rows.empty()) o << svg::forest_plot(slice_rows, "Per-slice differences (B − A)") << "\n";
    o << "<table><tr><th>slice</th><th>n</th><th>A</th><th>B</th><th>B − A</th><th>interval</th><th>p</th><th>Holm p</th></tr>\n";
    for (const auto& sc : r.slices) {
      o << "<tr><td>" << format::html(sc.column + "=" + sc.value) << "</td><td>" << sc.n << "</td><td>"
        << format::f(sc.a) << "</td><td>" << format::f(sc.b) << "</td><td>" << format::f(sc.diff, 4, true) << "</td>";
      if (sc.tested) {
        o << "<td>[" << format::f(sc.interval.lo, 4, true) << ", " << format::f(sc.interval.hi, 4, true) << "]</td><td>"
          << format::p(sc.p_value) << "</td><td>" << format::p(sc.p_holm) << "</td></tr>\n";
      } else {
        o << "<td colspan=\"3\">not tested (n &lt; " << s.min_slice_samples << ")</td></tr>\n";
      }
    }
    o << "</table>\n";
  }

  o << "<h2>Confusion matrices</h2>\n<div class=\"charts\">"
    << svg::confusion_matrix(r.report_a.confusion, r.class_names, s.name_a + " (rows: true class)")
    << svg::confusion_matrix(r.report_b.confusion, r.class_names, s.name_b + " (rows: true class)") << "</div>\n";

  if (!r.reliability_a.empty()) {
    auto bins = [](const std::vector<ReliabilityBin>& in) {
      std::vector<svg::Bin> out;
      for (const auto& b : in) out.push_back({b.lo, b.hi, b.mean_confidence, b.accuracy, b.count});
      return out;
    };
    o << "<h2>Calibration</h2>\n<div class=\"charts\">"
      << svg::reliability_diagram(bins(r.reliability_a), s.name_a + ": ECE " + format::f(r.report_a.ece))
      << svg::reliability_diagram(bins(r.reliability_b), s.name_b + ": ECE " + format::f(r.report_b.ece))
      << "</div>\n";
  }
  if (r.latency) {
    const auto& l = *r.latency;
    o << "<h2>Latency</h2>\n<table><tr><th>model</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th></tr>\n"
      << "<tr><td>" << format::html(s.name_a) << "</td><td>" << format::g(l.a_p50) << "</td><td>" << format::g(l.a_p95)
      << "</td><td>" << format::g(l.a_p99) << "</td></tr>\n<tr><td>" << format::html(s.name_b) << "</td><td>"
      << format::g(l.b_p50) << "</td><td>" << format::g(l.b_p95) << "</td><td>" << format::g(l.b_p99)
      << "</td></tr></table>\n"
      << svg::cdf_chart(l.a_quantiles, l.b_quantiles, s.name_a, s.name_b, "latency (ms)") << "\n";
  }
  if (r.operational) {
    const auto& op = *r.operational;
    auto mib = [](int64_t v) { return v < 0 ? std::string("n/a") : format::g(double(v) / 1048576.0); };
    o << "<h2>Operational</h2>\n<p class=\"meta\">batch 1, " << op.options.threads << " thread(s), "
      << op.options.samples << " timed runs each after " << op.options.warmup
      << " warm-up runs, A and B interleaved. Peak memory: " << format::html(op.memory_method) << ".</p>\n"
      << "<table id=\"operational\"><tr><th>model</th><th>size MiB</th><th>peak memory MiB</th><th>note</th></tr>\n";
    for (auto [name, m] : {std::pair{&s.name_a, &op.a}, std::pair{&s.name_b, &op.b}}) {
      o << "<tr><td>" << format::html(*name) << "</td><td>" << mib(m->file_bytes) << "</td><td>"
        << mib(m->peak_memory_bytes) << "</td><td>" << format::html(m->memory_note) << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  if (!r.drift.empty()) {
    o << "<h2>Data drift</h2>\n<p class=\"meta\">evaluation set vs each model's training data; PSI below 0.1: "
         "none, below 0.25: moderate, above: major</p>\n<table id=\"drift\"><tr><th>model</th><th>max PSI</th>"
         "<th>worst feature</th><th>max KS</th><th>level</th></tr>\n";
    for (const auto& d : r.drift) {
      o << "<tr><td>" << format::html(d.model) << "</td>";
      if (!d.available) {
        o << "<td>n/a</td><td>no feature summary (" << format::html(d.source) << ")</td><td></td><td></td></tr>\n";
      } else {
        o << "<td>" << format::g(d.report.max_psi) << "</td><td>" << format::html(d.report.worst_feature) << "</td><td>"
          << format::g(d.report.max_ks) << "</td><td class=\"status " << (d.report.level == "major" ? "fail" : "pass")
          << "\">" << d.report.level << "</td></tr>\n";
      }
    }
    o << "</table>\n";
  }
  if (!r.notes.empty()) {
    o << "<h2>Notes</h2><ul>";
    for (const auto& n : r.notes) o << "<li>" << format::html(n) << "</li>";
    o << "</ul>\n";
  }
}

void online_html(std::ostringstream& o, const OnlineResult& r, const Settings& s) {
  o << "<h2>Online experiment</h2>\n<table><tr><th>variant</th><th>customers</th><th>expected</th></tr>\n"
    << "<tr><td>" << format::html(s.name_a) << "</td><td>" << r.customers_a << "</td><td>"
    << format::f(r.srm.expected.empty() ? 0 : r.srm.expected[0], 1) << "</td></tr>\n<tr><td>"
    << format::html(s.name_b) << "</td><td>" << r.customers_b << "</td><td>"
    << format::f(r.srm.expected.size() < 2 ? 0 : r.srm.expected[1], 1) << "</td></tr></table>\n"
    << "<p>Sample ratio check: chi-square " << format::g(r.srm.statistic) << ", p = " << format::p(r.srm.p_value)
    << (r.srm_failed ? " — <b>mismatch: every result is withheld</b>" : " — ok") << "</p>\n";
  if (r.srm_failed) return;
  o << "<p>Outcome <code>" << format::html(r.outcome) << "</code> per customer ("
    << (r.higher_is_better ? "higher" : "lower") << " is better): " << format::html(s.name_a) << " "
    << format::g(r.mean_a) << ", " << format::html(s.name_b) << " " << format::g(r.mean_b) << ".</p>\n"
    << "<table><tr><th>test</th><th>B − A</th><th>interval</th><th>statistic</th><th>p</th></tr>\n";
  if (r.z_test) {
    const auto& z = *r.z_test;
    o << "<tr><td>two-proportion z (fixed horizon)</td><td>" << format::f(z.estimate, 4, true) << "</td><td>["
      << format::f(z.ci_lo, 4, true) << ", " << format::f(z.ci_hi, 4, true) << "]</td><td>z = " << format::g(z.z)
      << "</td><td>" << format::p(z.p_value) << "</td></tr>\n";
  }
  const auto& w = *r.welch;
  o << "<tr><td>Welch's t (fixed horizon)</td><td>" << format::f(w.estimate, 4, true) << "</td><td>["
    << format::f(w.ci_lo, 4, true) << ", " << format::f(w.ci_hi, 4, true) << "]</td><td>t = " << format::g(w.t)
    << ", df = " << format::g(w.df) << "</td><td>" << format::p(w.p_value) << "</td></tr>\n";
  if (!r.looks.empty()) {
    const auto& last = r.looks.back().look;
    o << "<tr><td>mSPRT (always valid)</td><td>" << format::f(last.difference, 4, true) << "</td><td>["
      << format::f(last.ci_lo, 4, true) << ", " << format::f(last.ci_hi, 4, true) << "]</td><td>Λ = "
      << format::g(last.likelihood_ratio) << "</td><td>" << format::p(last.p_value) << "</td></tr>\n";
  }
  o << "</table>\n<p class=\"meta\">Planning: " << r.required_customers << " customers for "
    << format::g(100 * s.online.power, 3) << "% power at a " << format::g(s.online.min_effect)
    << " effect; power now " << format::g(100 * r.power_at_n, 3) << "%. mSPRT τ = " << format::g(r.tau) << ".</p>\n";
  std::vector<double> n, p;
  for (const auto& l : r.looks) {
    n.push_back(double(l.customers));
    p.push_back(l.look.p_value);
  }
  if (!n.empty()) o << svg::p_value_path(n, p, s.decision.alpha) << "\n";
}

}  // namespace

std::string to_html(const Report& rep) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    << "<title>A/B " << format::html(rep.settings.name_a) << " vs " << format::html(rep.settings.name_b) << ": "
    << rep.verdict.decision << "</title><style>" << kStyle << "</style></head><body>\n";
  verdict_html(o, rep);
  if (rep.online) online_html(o, *rep.online, rep.settings);
  if (rep.offline) offline_html(o, *rep.offline, rep.settings);
  o << "<p class=\"meta\">Methodology: docs/abtest.md. Every number is in report.json.</p>\n</body></html>\n";
  return o.str();
}

void write_report(const std::filesystem::path& dir, const Report& rep) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create the report directory: " + ec.message(), dir.string());
  write_json_atomic(dir / "report.json", to_json(rep));
  write_file_atomic(dir / "report.md", to_markdown(rep));
  write_file_atomic(dir / "report.html", to_html(rep));
}

}  // namespace storefuse::abtest
