#include "storefuse/ingest/ingest.h"

#include <tbb/parallel_for.h>

#include <chrono>
#include <memory>
#include <optional>
#include <set>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/progress.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/datasets/dataset_writer.h"

namespace storefuse::ingest {
namespace fs = std::filesystem;
using datasets::Batch;
using datasets::Flavour;

namespace {

SampleMedia load_checked(const Manifest& man, const ManifestRow& row, const PosLogs& pos,
                         const ExtractorParams& params, const ExtractOptions& o) {
  if (o.labels && !o.labels->count(row.sample_id)) {
    throw Error(ErrorKind::Data, "the labels file has no row for this sample", man.where(row),
                "add the sample's label, remove it from the manifest, or pass --skip-bad");
  }
  return load_sample(man, row, pos, params);
}

Skipped to_skipped(const ManifestRow& row, const std::exception_ptr& error) {
  Skipped s{row.line, row.sample_id, "", ""};
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    s.where = e.where();
    s.reason = e.problem();
  } catch (const std::exception& e) {
    s.reason = e.what();
  }
  return s;
}

// Rows [begin, end) through `work` in parallel; errors kept per row, then
// handled in manifest order: thrown, or recorded and marked bad.
template <class Work>
std::vector<char> run_rows(const Manifest& man, int64_t begin, int64_t end, const std::set<int64_t>& done,
                           const ExtractOptions& o, std::vector<Skipped>& skipped, Work&& work) {
  const int64_t n = end - begin;
  std::vector<std::exception_ptr> errors(n);
  std::vector<char> good(n, 0);
  tbb::parallel_for(int64_t{0}, n, [&](int64_t i) {
    const ManifestRow& row = man.rows[begin + i];
    if (!done.count(row.line)) {
      try {
        work(row, i);
        good[i] = 1;
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
    if (o.progress) o.progress->advance();
  });
  for (int64_t i = 0; i < n; ++i) {
    if (!errors[i]) continue;
    if (!o.skip_bad) std::rethrow_exception(errors[i]);
    skipped.push_back(to_skipped(man.rows[begin + i], errors[i]));
  }
  return good;
}

std::set<int64_t> skipped_lines(const std::vector<Skipped>& skipped) {
  std::set<int64_t> lines;
  for (const auto& s : skipped) lines.insert(s.line);
  return lines;
}

}  // namespace

json to_json(const std::vector<Skipped>& skipped) {
  json list = json::array();
  for (const auto& s : skipped) {
    list.push_back({{"manifest_line", s.line}, {"sample_id", s.sample_id}, {"where", s.where}, {"reason", s.reason}});
  }
  return list;
}

void extract(const Manifest& man, const PosLogs& pos, const FeatureExtractor& fx, const ExtractOptions& o,
             std::vector<Skipped>& skipped, const std::function<void(const Batch&)>& sink) {
  const std::set<int64_t> done = skipped_lines(skipped);
  const int64_t n = static_cast<int64_t>(man.rows.size());
  const bool targets = o.labels != nullptr;
  for (int64_t begin = 0; begin < n; begin += o.chunk_rows) {
    const int64_t end = std::min(n, begin + o.chunk_rows);
    Batch b = Batch::allocate(fx.spec(), end - begin, targets);
    auto good = run_rows(man, begin, end, done, o, skipped, [&](const ManifestRow& row, int64_t i) {
      fx.fill_row(load_checked(man, row, pos, fx.params(), o), b, i);
      b.sample_id[i] = row.sample_id;
      b.customer_id[i] = row.customer_id;
      b.store_id[i] = row.store_id;
      b.camera_id[i] = row.camera_id;
      b.timestamp[i] = row.timestamp;
      if (targets) {
        const Label& l = o.labels->at(row.sample_id);
        b.behavior[i] = l.behavior;
        b.dwell_s[i] = l.dwell_s;
        b.engagement[i] = l.engagement;
      }
    });
    int64_t kept = 0;
    for (char g : good) kept += g;
    if (kept == b.rows) {
      sink(b);
    } else if (kept > 0) {
      Batch compact = Batch::allocate(fx.spec(), kept, targets);
      for (int64_t i = 0, r = 0; i < b.rows; ++i) {
        if (good[i]) datasets::copy_rows(b, i, compact, r++, 1);
      }
      sink(compact);
    }
  }
}

FeatureExtractor fit_extractor(const Manifest& man, const PosLogs& pos, Flavour flavour,
                               const ExtractorParams& params, std::vector<std::string> class_names,
                               const ExtractOptions& o, std::vector<Skipped>& skipped) {
  const int64_t n = static_cast<int64_t>(man.rows.size());
  std::vector<SampleMedia> media(n);
  auto good = run_rows(man, 0, n, skipped_lines(skipped), o, skipped, [&](const ManifestRow& row, int64_t i) {
    SampleMedia m = load_checked(man, row, pos, params, o);
    media[i].present = m.present;  // only what the fit needs
    media[i].text = std::move(m.text);
    media[i].sensor_window = std::move(m.sensor_window);
  });
  std::vector<SampleMedia> train;
  for (int64_t i = 0; i < n; ++i) {
    if (good[i]) train.push_back(std::move(media[i]));
  }
  if (train.empty()) {
    throw Error(ErrorKind::Data, "every sample was skipped: nothing to fit the features on", man.file.string(),
                "see the skipped samples' reasons in the report");
  }
  return FeatureExtractor::fit(flavour, params, std::move(class_names), train);
}

datasets::FeatureSpec load_spec(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".h5" || ext == ".hdf5") return datasets::DatasetReader::open(file)->spec();
  if (ext == ".json") {
    json j;
    try {
      j = json::parse(read_file(file));
    } catch (const json::exception& e) {
      throw Error(ErrorKind::Data, std::string("not JSON: ") + e.what(), file.string(), "");
    }
    if (j.contains("feature_spec")) j = j["feature_spec"];  // `storefuse dataset info --json` output
    return datasets::FeatureSpec::from_json(j);
  }
  throw Error(ErrorKind::Usage, "--spec takes a dataset (.h5) or a feature spec (.json)", file.string(),
              "give the training split's dataset file; for a model, storefuse-infer predict --media reads the spec "
              "from the model itself");
}

fs::path output_path(const fs::path& out, Flavour flavour, bool both) {
  if (!both) return out;
  fs::path p = out;
  return p.replace_extension(std::string(".") + datasets::to_string(flavour) + out.extension().string());
}

IngestResult ingest(const IngestRequest& r) {
  const auto start = std::chrono::steady_clock::now();
  IngestResult result;
  const Manifest man = read_manifest(r.manifest);
  const PosLogs pos = PosLogs::read(man);
  result.samples = static_cast<int64_t>(man.rows.size());

  std::optional<datasets::FeatureSpec> spec;
  std::vector<std::string> classes = r.classes;
  if (!r.spec.empty()) {
    spec = load_spec(r.spec);
    if (!r.flavour.empty() && r.flavour != datasets::to_string(spec->flavour)) {
      throw Error(ErrorKind::Usage, "--flavour " + r.flavour + " differs from the spec's flavour " +
                                        datasets::to_string(spec->flavour),
                  r.spec.string(), "leave --flavour out: the spec decides it");
    }
    if (!classes.empty()) {
      throw Error(ErrorKind::Usage, "--classes and --spec both name the classes", "storefuse ingest",
                  "leave --classes out: the spec's class names are used");
    }
    classes = spec->class_names;
  } else if (classes.empty()) {
    if (r.labels.empty()) {
      throw Error(ErrorKind::Usage, "no class names: an unlabelled dataset needs --classes or --spec",
                  "storefuse ingest", "pass --labels labels.csv, --classes a,b,c, or --spec train.h5");
    }
    classes = class_names_from_labels(r.labels);
  }
  std::vector<Flavour> flavours;
  const std::string fl = r.flavour.empty() ? (spec ? datasets::to_string(spec->flavour) : "vectors") : r.flavour;
  if (fl == "vectors" || fl == "both") flavours.push_back(Flavour::Vectors);
  if (fl == "sequences" || fl == "both") flavours.push_back(Flavour::Sequences);
  if (flavours.empty()) {
    throw Error(ErrorKind::Usage, "unknown flavour '" + fl + "'", "--flavour", "use vectors, sequences or both");
  }
  std::map<int64_t, Label> labels;
  if (!r.labels.empty()) labels = read_labels(r.labels, classes);

  ExtractOptions o;
  o.skip_bad = r.skip_bad;
  o.labels = r.labels.empty() ? nullptr : &labels;
  std::optional<FeatureExtractor> fitted;
  if (spec) {
    fitted.emplace(*spec);
  } else {
    std::optional<Progress> p;
    if (r.progress) p.emplace("ingest: fitting", result.samples, "samples");
    o.progress = p ? &*p : nullptr;
    fitted.emplace(fit_extractor(man, pos, flavours[0], r.params, classes, o, result.skipped));
    if (p) p->finish();
  }

  json provenance = {{"source", "ingest"}, {"manifest", fs::absolute(r.manifest).string()}};
  if (!r.labels.empty()) provenance["labels"] = fs::absolute(r.labels).string();
  provenance["spec"] = r.spec.empty() ? std::string("fitted on this manifest") : fs::absolute(r.spec).string();
  datasets::WriterOptions wo;
  wo.has_targets = o.labels != nullptr;
  std::vector<std::unique_ptr<datasets::DatasetWriter>> writers;
  for (Flavour f : flavours) {
    const FeatureExtractor fx = f == fitted->spec().flavour ? *fitted : fitted->with_flavour(f);
    const fs::path path = output_path(r.out, f, flavours.size() > 1);
    writers.push_back(std::make_unique<datasets::DatasetWriter>(path, fx.spec(), provenance, wo));
    std::optional<Progress> p;
    if (r.progress) p.emplace(std::string("ingest: ") + datasets::to_string(f), result.samples, "samples");
    o.progress = p ? &*p : nullptr;
    extract(man, pos, fx, o, result.skipped, [&](const Batch& b) { writers.back()->append(b); });
    if (p) p->finish();
    result.files.push_back(path);
  }
  result.rows = writers.front()->rows_written();
  if (result.rows == 0) {
    throw Error(ErrorKind::Data, "every sample was skipped: no dataset written", man.file.string(),
                "see the skipped samples' reasons in the report");
  }
  for (auto& w : writers) w->close();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace storefuse::ingest
