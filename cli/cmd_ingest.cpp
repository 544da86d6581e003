// storefuse ingest: real media files listed in a manifest -> a dataset file,
// through the same feature code as datagen and the runtime (docs/ingest.md).
#include <tbb/global_control.h>

#include <cstdio>
#include <iostream>
#include <optional>

#include "command.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/ingest/ingest.h"

namespace storefuse::cli {

int run_ingest(const std::vector<std::string>& args) {
  const std::string usage =
      "--manifest M.csv --out data.h5 [--labels labels.csv] [--spec train.h5] [--flavour vectors|sequences|both]\n"
      "       [--classes a,b,...] [--skip-bad [--report skipped.json]] [--threads N]";
  po::options_description opts("options");
  opts.add_options()
      ("manifest,m", po::value<std::string>()->required(), "manifest CSV: one row per sample naming its files (docs/ingest.md)")
      ("out,o", po::value<std::string>()->required(), "dataset file to write (.h5); with --flavour both, OUT.vectors.h5 and OUT.sequences.h5")
      ("labels,l", po::value<std::string>()->default_value(""), "labels CSV (sample_id, behavior, dwell_s, engagement); without it the dataset has no targets")
      ("spec", po::value<std::string>()->default_value(""), "take the feature spec (vocabulary, IDF, sensor statistics, params) from this dataset (.h5) or JSON file; "
                                                           "use the training split's file for val/test. Without it the spec is fitted on this manifest")
      ("flavour", po::value<std::string>()->default_value(""), "vectors, sequences or both (default: the spec's, else vectors)")
      ("classes", po::value<std::string>()->default_value(""), "class names in index order, comma separated (default: from --labels, ordered by behavior_id)")
      ("skip-bad", po::bool_switch(), "leave out samples whose files are bad instead of stopping at the first")
      ("report", po::value<std::string>()->default_value(""), "write the skipped samples and reasons to this JSON file")
      ("threads", po::value<int>()->default_value(0), "worker threads; 0 = all cores (the file does not depend on it)")
      ("no-progress", po::bool_switch(), "no progress bar");
  po::variables_map vm;
  if (!parse_args("ingest", usage, opts, args, vm)) return kExitOk;
  const int threads = vm["threads"].as<int>();
  if (threads < 0) throw Error(ErrorKind::Usage, "--threads must be >= 0", "storefuse ingest", "");
  std::optional<tbb::global_control> limit;
  if (threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, threads);

  ingest::IngestRequest r;
  r.manifest = vm["manifest"].as<std::string>();
  r.out = vm["out"].as<std::string>();
  r.labels = vm["labels"].as<std::string>();
  r.spec = vm["spec"].as<std::string>();
  r.flavour = vm["flavour"].as<std::string>();
  r.skip_bad = vm["skip-bad"].as<bool>();
  r.progress = !vm["no-progress"].as<bool>();
  const std::string classes = vm["classes"].as<std::string>();
  for (size_t s = 0, e; !classes.empty() && s <= classes.size(); s = e + 1) {
    e = classes.find(',', s);
    if (e == std::string::npos) e = classes.size();
    r.classes.push_back(classes.substr(s, e - s));
  }
  const std::string report = vm["report"].as<std::string>();
  if (!report.empty() && !r.skip_bad) {
    throw Error(ErrorKind::Usage, "--report lists skipped samples: it needs --skip-bad", "storefuse ingest", "add --skip-bad");
  }

  const ingest::IngestResult res = ingest::ingest(r);
  if (!report.empty()) {
    json j = {{"manifest", r.manifest.string()}, {"samples", res.samples}, {"written", res.rows},
              {"skipped", pipeline::to_json(res.skipped)}};
    write_json_atomic(report, j);
  }
  for (size_t i = 0; i < res.skipped.size() && i < 10; ++i) {
    std::cerr << "skipped sample " << res.skipped[i].sample_id << ": " << res.skipped[i].reason << " ("
              << res.skipped[i].where << ")\n";
  }
  if (res.skipped.size() > 10) std::cerr << "... and " << res.skipped.size() - 10 << " more\n";
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", res.seconds);
  for (const auto& f : res.files) {
    std::cout << "wrote " << f.string() << ": " << res.rows << " of " << res.samples << " samples";
    if (!res.skipped.empty()) std::cout << " (" << res.skipped.size() << " skipped" << (report.empty() ? "" : ", see " + report) << ")";
    std::cout << "\n";
  }
  std::cout << "ingested in " << secs << " s\n";
  return kExitOk;
}

}  // namespace storefuse::cli
