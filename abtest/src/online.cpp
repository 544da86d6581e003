#include "storefuse/abtest/online.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "storefuse/abtest/table.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/traffic_split.h"

namespace storefuse::abtest {

using traffic::assign_variant;
using traffic::Variant;

std::vector<Observation> read_log(const std::filesystem::path& path) {
  const Table t = read_table(path);
  const auto& customers = t.column("customer_id");
  const auto& variants = t.column("variant");
  std::vector<size_t> order(t.rows());
  std::iota(order.begin(), order.end(), 0);
  if (t.has("time")) {
    std::vector<double> time(t.rows());
    for (size_t r = 0; r < t.rows(); ++r) time[r] = t.number("time", r);
    std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return time[i] < time[j]; });
  }
  std::vector<Observation> log;
  std::unordered_map<std::string, std::string> seen;
  // A server's prediction log (storefuse-infer serve) also holds shadow
  // answers, never shown to a customer, and answers whose outcome has not
  // come (an empty outcome; it arrives in a later row): neither is an event.
  const std::vector<std::string>* shadow = t.has("shadow") ? &t.column("shadow") : nullptr;
  const std::vector<std::string>& outcomes = t.column("outcome");
  for (size_t r : order) {
    if (shadow && ((*shadow)[r] == "true" || (*shadow)[r] == "1")) continue;
    if (outcomes[r].empty()) continue;
    Observation o{customers[r], variants[r], t.number("outcome", r)};
    if (o.variant != "A" && o.variant != "B") {
      throw Error(ErrorKind::Data, "variant '" + o.variant + "' is neither A nor B", t.where(r, "variant"));
    }
    if (!std::isfinite(o.outcome)) throw Error(ErrorKind::Data, "outcome is not finite", t.where(r, "outcome"));
    auto [it, fresh] = seen.emplace(o.customer_id, o.variant);
    if (!fresh && it->second != o.variant) {
      throw Error(ErrorKind::Data, "customer '" + o.customer_id + "' appears in both A and B",
                  t.where(r, "variant"), "assignment must be sticky per customer (see the traffic split in docs/abtest.md)");
    }
    log.push_back(std::move(o));
  }
  if (log.empty())
    throw Error(ErrorKind::Data, "the log has no events (rows with an outcome)", t.source,
                "log outcomes: the request parameter 'outcome', or POST /v1/outcomes to the server");
  return log;
}

void write_log(const std::filesystem::path& path, const std::vector<Observation>& log) {
  std::ostringstream out;
  out.precision(17);
  out << "time,customer_id,variant,outcome\n";
  for (size_t i = 0; i < log.size(); ++i) {
    out << i << ',' << csv_escape(log[i].customer_id) << ',' << log[i].variant << ',' << log[i].outcome << '\n';
  }
  write_file_atomic(path, out.str());
}

bool outcome_higher_is_better(const std::string& outcome) { return outcome == "correct"; }

std::vector<Observation> simulate_experiment(const PairedData& d, const OnlineSettings& s) {
  if (d.customer_ids.empty()) {
    throw Error(ErrorKind::Data, "the labels have no customer_id column", d.source_labels,
                "simulating a traffic split needs the customer of each sample");
  }
  const auto pred_a = metrics::argmax_rows(d.a.probs, d.a.n_classes);
  const auto pred_b = metrics::argmax_rows(d.b.probs, d.b.n_classes);
  std::vector<Observation> log;
  for (size_t i = 0; i < d.size(); ++i) {
    const Variant v = assign_variant(s.experiment_id, d.customer_ids[i], s.split_b);
    const bool b = v == Variant::B;
    double outcome;
    if (s.outcome == "correct") {
      outcome = (b ? pred_b[i] : pred_a[i]) == d.targets.behavior[i] ? 1.0 : 0.0;
    } else if (s.outcome == "dwell_abs_error_s") {
      outcome = std::abs(double(b ? d.b.dwell_s[i] : d.a.dwell_s[i]) - d.targets.dwell_s[i]);
    } else {
      outcome = std::abs(double(b ? d.b.engagement[i] : d.a.engagement[i]) - d.targets.engagement[i]);
    }
    log.push_back({d.customer_ids[i], to_string(v), outcome});
  }
  return log;
}

namespace {

struct Customer {
  bool is_b = false;
  double sum = 0;
  int64_t events = 0;
  double outcome() const { return sum / double(events); }
};

double sd_of(const std::vector<double>& x, double mean) {
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  return x.size() > 1 ? std::sqrt(ss / double(x.size() - 1)) : 0.0;
}

}  // namespace

OnlineResult analyse_online(const std::vector<Observation>& log, const OnlineSettings& s, double alpha) {
  OnlineResult r;
  r.events = int64_t(log.size());
  r.split_b = s.split_b;
  r.higher_is_better = s.higher_is_better;
  // Customers in order of first appearance, with their mean outcome.
  std::vector<Customer> customers;
  std::unordered_map<std::string, size_t> index;
  for (const auto& o : log) {
    auto [it, fresh] = index.emplace(o.customer_id, customers.size());
    if (fresh) customers.push_back({o.variant == "B", 0.0, 0});
    Customer& c = customers[it->second];
    if (c.is_b != (o.variant == "B")) {
      throw Error(ErrorKind::Data, "customer '" + o.customer_id + "' appears in both A and B",
                  "abtest log", "assignment must be sticky per customer");
    }
    c.sum += o.outcome;
    c.events += 1;
  }
  std::vector<double> ya, yb;
  for (const auto& c : customers) (c.is_b ? yb : ya).push_back(c.outcome());
  r.customers_a = int64_t(ya.size());
  r.customers_b = int64_t(yb.size());

  // Sample-ratio mismatch first: a broken split invalidates every comparison.
  r.srm = chi_square_goodness_of_fit({double(r.customers_a), double(r.customers_b)},
                                     {1.0 - s.split_b, s.split_b});
  r.srm_failed = r.srm.p_value < s.srm_alpha;
  if (r.srm_failed) return r;
  if (ya.size() < 2 || yb.size() < 2) {
    throw Error(ErrorKind::Data, "each variant needs at least 2 customers", "abtest log",
                "run the experiment longer");
  }

  r.binary = std::all_of(customers.begin(), customers.end(),
                         [](const Customer& c) { return c.outcome() == 0.0 || c.outcome() == 1.0; });
  r.mean_a = std::accumulate(ya.begin(), ya.end(), 0.0) / double(ya.size());
  r.mean_b = std::accumulate(yb.begin(), yb.end(), 0.0) / double(yb.size());
  r.sd_a = sd_of(ya, r.mean_a);
  r.sd_b = sd_of(yb, r.mean_b);
  const double confidence = 1.0 - alpha;
  if (r.binary) {
    const auto sa = int64_t(std::llround(r.mean_a * double(ya.size())));
    const auto sb = int64_t(std::llround(r.mean_b * double(yb.size())));
    r.z_test = two_proportion_z_test(sa, int64_t(ya.size()), sb, int64_t(yb.size()), confidence);
  }
  r.welch = welch_t_test(ya, yb, confidence);

  // Planning: the sample the fixed-horizon test needs for min_effect.
  const double n = double(customers.size());
  const double baseline = s.baseline > 0 ? s.baseline : r.mean_a;
  const double effect = s.higher_is_better ? s.min_effect : -s.min_effect;
  if (r.binary && baseline > 0 && baseline < 1 && baseline + effect > 0 && baseline + effect < 1) {
    r.required_customers = sample_size_two_proportions(baseline, effect, alpha, s.power, s.split_b);
    r.power_at_n = power_two_proportions(baseline, effect, alpha, n, s.split_b);
  } else if (r.sd_a > 0) {
    r.required_customers = sample_size_two_means(r.sd_a, effect, alpha, s.power, s.split_b);
    r.power_at_n = power_two_means(r.sd_a, effect, alpha, n, s.split_b);
  }

  // Sequential monitoring: replay customers in arrival order.
  r.tau = s.tau > 0 ? s.tau : s.min_effect;
  Msprt msprt({r.tau, alpha, 0.0, 2});
  for (size_t i = 0; i < customers.size(); ++i) {
    msprt.add(customers[i].is_b, customers[i].outcome());
    const int64_t seen = int64_t(i + 1);
    if (seen % s.look_every == 0 || i + 1 == customers.size()) {
      r.looks.push_back({seen, msprt.look()});
      if (r.first_rejection_customers < 0 && r.looks.back().look.p_value < alpha) {
        r.first_rejection_customers = seen;
      }
    }
  }
  return r;
}

}  // namespace storefuse::abtest
