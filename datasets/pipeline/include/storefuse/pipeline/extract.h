// Many samples' raw files -> dataset rows, in parallel (TBB) and in manifest
// order whatever the thread count: what ingest writes to a dataset file and
// predict --media feeds to a model.
//
//   const Manifest man = read_manifest("media/test/manifest.csv");
//   const PosLogs pos = PosLogs::read(man);
//   FeaturePipeline fp(model_spec);
//   std::vector<Skipped> skipped;
//   extract(man, pos, fp, {}, skipped, [&](const datasets::Batch& rows) { ... });
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "storefuse/core/json.h"
#include "storefuse/datasets/batch.h"
#include "storefuse/pipeline/feature_pipeline.h"
#include "storefuse/pipeline/manifest.h"

namespace storefuse {
class Progress;
}

namespace storefuse::pipeline {

// A sample left out under --skip-bad.
struct Skipped {
  int64_t line = 0;       // manifest line
  int64_t sample_id = 0;
  std::string where;      // manifest row and file (file:line where known)
  std::string reason;     // the error's text
};
json to_json(const std::vector<Skipped>& skipped);
// "N samples: sample ID: reason (where); ..." for the first `first`, for an
// error that has no report to point to (every sample skipped).
std::string summarize(const std::vector<Skipped>& skipped, size_t first = 3);

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
void extract(const Manifest& manifest, const PosLogs& pos, const FeaturePipeline& fx, const ExtractOptions& options,
             std::vector<Skipped>& skipped, const std::function<void(const datasets::Batch&)>& sink);

// Loads every sample's text and sensor window (the fitted parts) and fits the
// pipeline on the good ones; bad samples as in extract().
FeaturePipeline fit_pipeline(const Manifest& manifest, const PosLogs& pos, datasets::Flavour flavour,
                             const PipelineParams& params, std::vector<std::string> class_names,
                             const ExtractOptions& options, std::vector<Skipped>& skipped);

}  // namespace storefuse::pipeline
