// RetailSim data with its raw media on disk, in a temp folder of this
// process (ctest runs test processes in parallel): the round trip's
// reference and the material the failure tests break.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/ingest/ingest.h"
#include "storefuse/retailsim/generate.h"

namespace storefuse::ingest::testing {

using namespace storefuse::pipeline;

namespace fs = std::filesystem;

inline fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("storefuse_test_ingest_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// datagen of `flavour` into dir/data, its media into dir/media.
inline void generate(const fs::path& dir, const std::string& flavour, int64_t train, int64_t test) {
  retailsim::RetailSimConfig cfg;
  cfg.split_sizes = {train, 0, test};
  cfg.flavour = flavour;
  cfg.chunk_rows = 64;
  retailsim::GenerateOptions o;
  o.out_dir = dir / "data";
  o.emit_media_dir = dir / "media";
  o.progress = false;
  retailsim::generate(cfg, o);
}

inline datasets::Batch read_all(const fs::path& file) {
  auto r = datasets::DatasetReader::open(file);
  return r->read(0, r->num_rows());
}

// An ingest request for one emitted split, labelled.
inline IngestRequest request(const fs::path& dir, const std::string& split, const fs::path& out) {
  IngestRequest r;
  r.manifest = dir / "media" / split / "manifest.csv";
  r.labels = dir / "media" / split / "labels.csv";
  r.out = out;
  r.progress = false;
  return r;
}

}  // namespace storefuse::ingest::testing
