// storefuse ingest: raw files -> dataset files (HDF5), through the feature
// pipeline (storefuse/pipeline/extract.h).
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

#include "storefuse/datasets/feature_spec.h"
#include "storefuse/pipeline/extract.h"

namespace storefuse::ingest {

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
  pipeline::PipelineParams params;  // when fitting
};

struct IngestResult {
  std::vector<std::filesystem::path> files;  // one per flavour
  int64_t samples = 0;                       // manifest rows
  int64_t rows = 0;                          // written per file
  std::vector<pipeline::Skipped> skipped;
  double seconds = 0;
};

// The output path for a flavour: `out` itself for one flavour; with both,
// "data.h5" -> "data.vectors.h5" and "data.sequences.h5".
std::filesystem::path output_path(const std::filesystem::path& out, datasets::Flavour flavour, bool both);

// Writes the dataset file(s) atomically: on any error none appears.
IngestResult ingest(const IngestRequest& request);

}  // namespace storefuse::ingest
