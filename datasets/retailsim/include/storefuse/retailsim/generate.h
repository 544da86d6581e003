// RetailSim end to end: samples visits, renders their media, runs the
// feature pipeline and writes DIR/train.h5, val.h5 and test.h5 through the
// dataset writer (each file appears whole or not at all).
//
//   RetailSimConfig cfg = from_config(config::load("configs/data/retailsim.yaml"));
//   GenerateReport r = generate(cfg, {.out_dir = "data/quickstart"});
//
// The bytes of the arrays depend on the config alone: each sample's random
// numbers come from (seed, sample index), and rows are written in index
// order whatever the number of threads.
#pragma once

#include <filesystem>

#include "storefuse/core/json.h"
#include "storefuse/retailsim/config.h"
#include "storefuse/retailsim/report.h"

namespace storefuse::retailsim {

struct GenerateOptions {
  std::filesystem::path out_dir;
  std::filesystem::path emit_media_dir;  // empty: no raw media files
  int threads = 0;                       // 0: every core TBB sees
  bool progress = true;                  // a progress bar on stderr
  json config = json::object();          // the resolved config, kept in each file's provenance
};

GenerateReport generate(const RetailSimConfig& cfg, const GenerateOptions& options);

}  // namespace storefuse::retailsim
