#include "storefuse/abtest/inputs.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <cmath>
#include <set>
#include <unordered_map>

#include "storefuse/abtest/table.h"
#include "storefuse/core/error.h"

namespace storefuse::abtest {

namespace {

const std::vector<std::string> kSliceColumns = {"store_id", "camera_id", "missing_modality"};

// Columns named prefix + class, in file order.
std::vector<std::string> class_columns(const Table& t, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& c : t.columns) {
    if (c.size() > prefix.size() && c.compare(0, prefix.size(), prefix) == 0) out.push_back(c);
  }
  return out;
}

std::vector<float> float_column(const Table& t, const std::string& name) {
  std::vector<float> out(t.rows());
  for (size_t r = 0; r < t.rows(); ++r) {
    const double v = t.number(name, r);
    if (!std::isfinite(v)) throw Error(ErrorKind::Data, "value is not finite", t.where(r, name));
    out[r] = float(v);
  }
  return out;
}

void check_unique(const std::vector<std::string>& ids, const Table& t) {
  std::unordered_map<std::string, size_t> seen;
  for (size_t r = 0; r < ids.size(); ++r) {
    if (ids[r].empty()) throw Error(ErrorKind::Data, "empty sample_id", t.where(r, "sample_id"));
    auto [it, fresh] = seen.emplace(ids[r], r);
    if (!fresh) {
      throw Error(ErrorKind::Data, "sample_id '" + ids[r] + "' appears twice (also on line " +
                                       std::to_string(t.lines[it->second]) + ")",
                  t.where(r, "sample_id"), "one row per sample");
    }
  }
}

std::map<std::string, LabelReader>& label_readers() {
  static std::map<std::string, LabelReader> readers;
  return readers;
}

}  // namespace

Predictions read_predictions(const std::filesystem::path& path) { return read_predictions(read_table(path)); }

Predictions read_predictions(const Table& t) {
  Predictions p;
  p.source = t.source;
  p.sample_ids = t.column("sample_id");
  check_unique(p.sample_ids, t);
  const auto prob_cols = class_columns(t, "p_");
  const auto logit_cols = class_columns(t, "logit_");
  if (!prob_cols.empty() && !logit_cols.empty()) {
    throw Error(ErrorKind::Data, "the file has both p_<class> and logit_<class> columns", p.source,
                "keep one kind");
  }
  const auto& cols = prob_cols.empty() ? logit_cols : prob_cols;
  const std::string prefix = prob_cols.empty() ? "logit_" : "p_";
  if (!cols.empty()) {
    if (cols.size() < 2) throw Error(ErrorKind::Data, "only one class column", p.source, "one column per class");
    const size_t c = cols.size();
    for (const auto& col : cols) p.class_names.push_back(col.substr(prefix.size()));
    p.probs.resize(t.rows() * c);
    for (size_t k = 0; k < c; ++k) {
      const auto values = float_column(t, cols[k]);
      for (size_t r = 0; r < t.rows(); ++r) p.probs[r * c + k] = values[r];
    }
    if (prefix == "logit_") {
      metrics::softmax_rows(p.probs, int64_t(c));
    } else {
      for (size_t r = 0; r < t.rows(); ++r) {
        double sum = 0;
        for (size_t k = 0; k < c; ++k) {
          const float v = p.probs[r * c + k];
          if (v < 0 || v > 1) throw Error(ErrorKind::Data, "probability outside [0, 1]", t.where(r, cols[k]));
          sum += v;
        }
        if (std::abs(sum - 1.0) > 1e-3 && !p.bad_sum) p.bad_sum = Predictions::BadSum{t.where(r), sum};
      }
    }
  } else if (t.has("behavior")) {
    p.predicted = t.column("behavior");
  } else {
    throw Error(ErrorKind::Data, "no behaviour prediction", p.source,
                "add p_<class> (probabilities), logit_<class> or a behavior (predicted class) column");
  }
  p.dwell_s = float_column(t, "dwell_s");
  p.engagement = float_column(t, "engagement");
  if (t.has("latency_ms")) {
    p.latency_ms.resize(t.rows());
    for (size_t r = 0; r < t.rows(); ++r) p.latency_ms[r] = t.number("latency_ms", r);
  }
  return p;
}

void register_label_reader(const std::string& extension, LabelReader reader) {
  label_readers()[extension] = std::move(reader);
}

Labels read_labels(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (auto it = label_readers().find(ext); it != label_readers().end()) return it->second(path);
  if (ext == ".h5" || ext == ".hdf5") {
    throw Error(ErrorKind::Unsupported, "no HDF5 label reader is registered", path.string(),
                "write the labels as CSV/JSONL (sample_id, behavior, dwell_s, engagement) for now");
  }
  const Table t = read_table(path);
  Labels l;
  l.source = t.source;
  l.sample_ids = t.column("sample_id");
  check_unique(l.sample_ids, t);
  for (const char* target : {"behavior", "dwell_s", "engagement"}) {
    if (!t.has(target)) {
      throw Error(ErrorKind::Data, std::string("the label file has no '") + target + "' column",
                  l.source, "an evaluation set needs labels: behavior, dwell_s and engagement per sample");
    }
  }
  l.behavior = t.column("behavior");
  for (size_t r = 0; r < t.rows(); ++r) {
    if (l.behavior[r].empty()) throw Error(ErrorKind::Data, "missing behaviour label", t.where(r, "behavior"));
  }
  l.dwell_s = float_column(t, "dwell_s");
  l.engagement = float_column(t, "engagement");
  if (t.has("customer_id")) l.customer_ids = t.column("customer_id");
  for (const auto& s : kSliceColumns) {
    if (t.has(s)) l.slices[s] = t.column(s);
  }
  return l;
}

namespace {

std::string examples(const std::vector<std::string>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size() && i < 3; ++i) out += (i ? ", " : "") + ids[i];
  return out + (ids.size() > 3 ? ", ..." : "");
}

// Ids in `x` that are not in `y`, in x's order.
std::vector<std::string> missing_from(const std::vector<std::string>& x,
                                      const std::unordered_map<std::string, size_t>& y) {
  std::vector<std::string> out;
  for (const auto& id : x) {
    if (!y.count(id)) out.push_back(id);
  }
  return out;
}

std::unordered_map<std::string, size_t> index_of(const std::vector<std::string>& ids) {
  std::unordered_map<std::string, size_t> m;
  for (size_t i = 0; i < ids.size(); ++i) m.emplace(ids[i], i);
  return m;
}

void check_same_ids(const std::vector<std::string>& x, const std::string& x_name,
                    const std::vector<std::string>& y, const std::string& y_name,
                    const std::unordered_map<std::string, size_t>& x_index,
                    const std::unordered_map<std::string, size_t>& y_index) {
  const auto only_x = missing_from(x, y_index), only_y = missing_from(y, x_index);
  if (only_x.empty() && only_y.empty()) return;
  std::string what = "sample ids do not match:";
  if (!only_x.empty()) what += " " + std::to_string(only_x.size()) + " only in " + x_name + " (" + examples(only_x) + ")";
  if (!only_y.empty()) what += (only_x.empty() ? " " : "; ") + std::to_string(only_y.size()) + " only in " + y_name + " (" + examples(only_y) + ")";
  throw Error(ErrorKind::Data, what, x_name + " vs " + y_name,
              "predict every sample of the evaluation set with both models, keyed by the same sample_id");
}

int64_t class_index(const std::string& value, const std::vector<std::string>& classes,
                    const std::string& where) {
  auto it = std::find(classes.begin(), classes.end(), value);
  if (it != classes.end()) return it - classes.begin();
  char* end = nullptr;
  const long long k = std::strtoll(value.c_str(), &end, 10);
  if (!value.empty() && *end == '\0' && k >= 0 && k < (long long)classes.size()) return k;
  std::string list;
  for (const auto& c : classes) list += (list.empty() ? "" : ", ") + c;
  throw Error(ErrorKind::Data, "unknown behaviour class '" + value + "'", where,
              "the classes are: " + list + " (or their 0-based indices)");
}

// What `p` lacks of `classes`, as "'x', 'y'"; empty when nothing.
std::string lacking(const Predictions& p, const std::vector<std::string>& classes) {
  std::string out;
  for (const auto& c : missing_from(classes, index_of(p.class_names))) out += (out.empty() ? "'" : ", '") + c + "'";
  return out;
}

std::vector<std::string> resolve_classes(const Predictions& a, const Predictions& b,
                                         const Labels& labels,
                                         const std::vector<std::string>& configured) {
  if (a.has_probs() && b.has_probs()) {
    const std::string a_lacks = lacking(a, b.class_names), b_lacks = lacking(b, a.class_names);
    if (!a_lacks.empty() || !b_lacks.empty()) {
      std::string what = "the models have different class sets:";
      if (!a_lacks.empty()) what += " A (" + a.source + ") has no column for " + a_lacks + ";";
      if (!b_lacks.empty()) what += " B (" + b.source + ") has no column for " + b_lacks + ";";
      what.pop_back();
      throw Error(ErrorKind::Data, what, a.source + " vs " + b.source,
                  "compare models trained on the same behaviour classes (p_<class> columns must match)");
    }
    return a.class_names;
  }
  if (a.has_probs()) return a.class_names;
  if (b.has_probs()) return b.class_names;
  if (!configured.empty()) return configured;
  std::set<std::string> seen(labels.behavior.begin(), labels.behavior.end());
  seen.insert(a.predicted.begin(), a.predicted.end());
  seen.insert(b.predicted.begin(), b.predicted.end());
  return {seen.begin(), seen.end()};
}

// The model's outputs in the labels' order, with probability columns in the
// order of `classes`.
metrics::Outputs reorder(const Predictions& p, const std::vector<std::string>& classes,
                         const std::vector<size_t>& rows) {
  const size_t c = classes.size();
  metrics::Outputs o;
  o.n_classes = int64_t(c);
  o.probs.assign(rows.size() * c, 0.0f);
  std::vector<size_t> column(c);
  if (p.has_probs()) {
    for (size_t k = 0; k < c; ++k) {
      column[k] = size_t(std::find(p.class_names.begin(), p.class_names.end(), classes[k]) -
                         p.class_names.begin());
    }
  }
  const size_t pc = p.class_names.size();
  for (size_t i = 0; i < rows.size(); ++i) {
    const size_t r = rows[i];
    if (p.has_probs()) {
      for (size_t k = 0; k < c; ++k) o.probs[i * c + k] = p.probs[r * pc + column[k]];
    } else {
      const int64_t k = class_index(p.predicted[r], classes, p.source + " (sample " + p.sample_ids[r] + ")");
      o.probs[i * c + size_t(k)] = 1.0f;
    }
    o.dwell_s.push_back(p.dwell_s[r]);
    o.engagement.push_back(p.engagement[r]);
  }
  return o;
}

}  // namespace

PairedData align(const Predictions& a, const Predictions& b, const Labels& labels,
                 const std::vector<std::string>& class_names) {
  const auto ia = index_of(a.sample_ids), ib = index_of(b.sample_ids), il = index_of(labels.sample_ids);
  check_same_ids(a.sample_ids, a.source, b.sample_ids, b.source, ia, ib);
  check_same_ids(labels.sample_ids, labels.source, a.sample_ids, a.source, il, ia);

  PairedData d;
  d.class_names = resolve_classes(a, b, labels, class_names);
  // A class the labels name that a file has no column for, then rows whose
  // probabilities do not sum to 1.
  std::vector<std::string> labelled;
  for (const auto& c : std::set<std::string>(labels.behavior.begin(), labels.behavior.end())) {
    if (std::find(d.class_names.begin(), d.class_names.end(), c) != d.class_names.end()) continue;
    char* end = nullptr;
    std::strtoll(c.c_str(), &end, 10);
    if (c.empty() || *end != '\0') labelled.push_back(c);  // a name, not a 0-based index
  }
  for (const Predictions* p : {&a, &b}) {
    if (!p->has_probs()) continue;
    const std::string missing = lacking(*p, labelled);
    if (!missing.empty()) {
      throw Error(ErrorKind::Data, "no p_<class> column for the labelled class " + missing, p->source,
                  "write one column per class the model predicts; the labels (" + labels.source + ") have it");
    }
    if (p->bad_sum) {
      // Four significant digits: the sum of decimals read as floats (0.4999995
      // or 0.5000001 for a row written to sum to 0.5) reads as the user wrote it.
      std::ostringstream sum;
      sum << std::setprecision(4) << p->bad_sum->sum;
      throw Error(ErrorKind::Data, "probabilities sum to " + sum.str() + ", not 1",
                  p->bad_sum->where,
                  "write softmax outputs over every class (" + std::to_string(p->class_names.size()) +
                      " p_ columns here), or logit_<class> columns for raw scores");
    }
  }
  if (d.class_names.size() < 2) {
    throw Error(ErrorKind::Data, "fewer than 2 behaviour classes", labels.source,
                "list the classes in abtest.classes");
  }
  d.sample_ids = labels.sample_ids;
  std::vector<size_t> rows_a, rows_b;
  for (const auto& id : d.sample_ids) {
    rows_a.push_back(ia.at(id));
    rows_b.push_back(ib.at(id));
  }
  d.a = reorder(a, d.class_names, rows_a);
  d.b = reorder(b, d.class_names, rows_b);
  d.a_has_probs = a.has_probs();
  d.b_has_probs = b.has_probs();
  for (size_t i = 0; i < labels.sample_ids.size(); ++i) {
    d.targets.behavior.push_back(
        class_index(labels.behavior[i], d.class_names, labels.source + " (sample " + labels.sample_ids[i] + ")"));
  }
  d.targets.dwell_s = labels.dwell_s;
  d.targets.engagement = labels.engagement;
  d.customer_ids = labels.customer_ids;
  d.slices = labels.slices;
  if (!a.latency_ms.empty() && !b.latency_ms.empty()) {
    for (size_t i = 0; i < rows_a.size(); ++i) {
      d.latency_a_ms.push_back(a.latency_ms[rows_a[i]]);
      d.latency_b_ms.push_back(b.latency_ms[rows_b[i]]);
    }
  }
  d.source_a = a.source;
  d.source_b = b.source;
  d.source_labels = labels.source;
  return d;
}

}  // namespace storefuse::abtest
