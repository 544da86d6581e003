// Raw files -> dataset rows, many samples at a time, in parallel (TBB) and
// in manifest order whatever the thread count.
//
//   IngestRequest r;  r.manifest = "media/test/manifest.csv";  r.out = "test.h5";
//   r.spec = "data/train.h5";  r.labels = "media/test/labels.csv";
//   IngestResult res = ingest(r);
//
// Without a spec the text and sensor extractors are fitted on the manifest's
// samples (the training split); with one they are taken from it as they are,
// so validation, test and serving data get exactly the training transform.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "storefuse/core/json.h"
#include "storefuse/datasets/batch.h"
#include "storefuse/ingest/extractor.h"

namespace storefuse {
class Progress;
}

namespace storefuse::ingest {

// A sample left out under --skip-bad.
struct Skipped {
  int64_t line = 0;       // manifest line
  int64_t sample_id = 0;
  std::string where;      // manifest row and file (file:line where known)
  std::string reason;     // the error's text
};
json to_json(const std::vector<Skipped>& skipped);

struct ExtractOptions {
  bool skip_bad = false;
  int64_t chunk_rows = 256;                          // samples decoded at once
  const std::map<int64_t, Label>* labels = nullptr;  // null: no targets
  Progress* progress = nullptr;                      // advanced once per sample
};

// Decodes every manifest row not already in `skipped` and hands the rows to
// `sink` chunk by chunk, in manifest order. The first bad sample (in
// manifest order) throws its Error, or with skip_bad is appended to
// `skipped` and left out. A sample without a label is bad when labels are given.
void extract(const Manifest& manifest, const PosLogs& pos, const FeatureExtractor& fx, const ExtractOptions& options,
             std::vector<Skipped>& skipped, const std::function<void(const datasets::Batch&)>& sink);

// Loads every sample's text and sensor window (the fitted parts) and fits the
// extractors on the good ones; bad samples as in extract().
FeatureExtractor fit_extractor(const Manifest& manifest, const PosLogs& pos, datasets::Flavour flavour,
                               const ExtractorParams& params, std::vector<std::string> class_names,
                               const ExtractOptions& options, std::vector<Skipped>& skipped);

// A feature spec from a dataset file (.h5) or a JSON file (.json) holding one.
datasets::FeatureSpec load_spec(const std::filesystem::path& file);

struct IngestRequest {
  std::filesystem::path manifest, out;
  std::filesystem::path spec;     // empty: fit on this manifest
  std::filesystem::path labels;   // empty: unlabelled dataset
  std::string flavour;            // vectors | sequences | both; empty: the spec's, else vectors
  std::vector<std::string> classes;  // class names when fitting; empty: from the labels
  bool skip_bad = false;
  bool progress = true;
  ExtractorParams params;         // when fitting
};

struct IngestResult {
  std::vector<std::filesystem::path> files;  // one per flavour
  int64_t samples = 0;                       // manifest rows
  int64_t rows = 0;                          // written per file
  std::vector<Skipped> skipped;
  double seconds = 0;
};

// The output path for a flavour: `out` itself for one flavour; with both,
// "data.h5" -> "data.vectors.h5" and "data.sequences.h5".
std::filesystem::path output_path(const std::filesystem::path& out, datasets::Flavour flavour, bool both);

// Writes the dataset file(s) atomically: on any error none appears.
IngestResult ingest(const IngestRequest& request);

}  // namespace storefuse::ingest
