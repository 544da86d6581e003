#include "storefuse/ingest/ingest.h"

#include <chrono>
#include <memory>
#include <optional>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/json.h"
#include "storefuse/core/progress.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/datasets/dataset_writer.h"

namespace storefuse::ingest {
namespace fs = std::filesystem;
using datasets::Batch;
using datasets::Flavour;
using namespace pipeline;

datasets::FeatureSpec load_spec(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".h5" || ext == ".hdf5") return datasets::DatasetReader::open(file)->spec();
  if (ext == ".json") {
    json j = read_json(file);
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
  std::optional<FeaturePipeline> fitted;
  if (spec) {
    fitted.emplace(*spec);
  } else {
    std::optional<Progress> p;
    if (r.progress) p.emplace("ingest: fitting", result.samples, "samples");
    o.progress = p ? &*p : nullptr;
    fitted.emplace(fit_pipeline(man, pos, flavours[0], r.params, classes, o, result.skipped));
    if (p) p->finish();
  }

  json provenance = {{"source", "ingest"}, {"manifest", fs::absolute(r.manifest).string()}};
  if (!r.labels.empty()) provenance["labels"] = fs::absolute(r.labels).string();
  provenance["spec"] = r.spec.empty() ? std::string("fitted on this manifest") : fs::absolute(r.spec).string();
  datasets::WriterOptions wo;
  wo.has_targets = o.labels != nullptr;
  std::vector<std::unique_ptr<datasets::DatasetWriter>> writers;
  for (Flavour f : flavours) {
    const FeaturePipeline fx = f == fitted->spec().flavour ? *fitted : fitted->with_flavour(f);
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
    throw Error(ErrorKind::Data, "every sample was skipped, no dataset written: " + pipeline::summarize(result.skipped),
                man.file.string(), "fix or replace the samples' media; --skip-bad leaves out only some of them");
  }
  for (auto& w : writers) w->close();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace storefuse::ingest
