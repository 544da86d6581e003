// The ingest manifest: one row per sample, naming its raw files.
//
//   sample_id,customer_id,store_id,camera_id,timestamp,video,audio,sensor,pos
//   17,4031,2,5,1718000000.5,video/17.avi,audio/17.wav,sensor/17.csv,pos.csv
//
// Required columns: sample_id, video, audio, sensor, pos. Optional:
// customer_id, store_id, camera_id (integers, default -1 = unknown) and
// timestamp (seconds since the Unix epoch, default 0). Any other column is an
// error, so that a misspelt column name cannot silently drop a modality.
// Media paths are relative to the manifest's folder (or absolute); an empty
// cell means the sample lacks that modality (mask 0). `pos` names a POS CSV
// (sample_id, line, text) that may be shared by many samples; the sample's
// text is its rows joined by '\n' in `line` order. docs/ingest.md has more.
//
// Labels (optional, a separate CSV): sample_id, behavior (class name),
// dwell_s, engagement, and optionally behavior_id (checked against the name).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "storefuse/datasets/feature_spec.h"

namespace storefuse::pipeline {

struct ManifestRow {
  int64_t line = 0;  // in the manifest file
  int64_t sample_id = 0;
  int64_t customer_id = -1;
  int32_t store_id = -1;
  int32_t camera_id = -1;
  double timestamp = 0;
  // Indexed by datasets::Modality; empty = missing. Resolved against the
  // manifest's folder.
  std::array<std::filesystem::path, datasets::kNumModalities> media;

  bool has(datasets::Modality m) const { return !media[static_cast<int>(m)].empty(); }
};

struct Manifest {
  std::filesystem::path file;
  std::vector<ManifestRow> rows;

  // "manifest.csv:12 (sample_id 34)"
  std::string where(const ManifestRow& row) const;
};

// Throws Error (Io) when unreadable, (Data) naming file:line for a missing or
// unknown column, a bad number, a repeated sample_id, or an empty manifest.
Manifest read_manifest(const std::filesystem::path& file);

// The text of every sample in the POS files a manifest names, read once per
// file. A broken POS file does not throw here: the error is kept and thrown
// by text() for each sample that uses the file, so --skip-bad can skip them.
class PosLogs {
 public:
  static PosLogs read(const Manifest& manifest);
  // The sample's lines joined by '\n'; "" when the file has no row for it.
  // Throws the file's error when it could not be read, or the error of the
  // sample's first bad row (other samples of the file are unaffected).
  std::string text(const std::filesystem::path& file, int64_t sample_id) const;

 private:
  struct File {
    std::map<int64_t, std::string> texts;
    std::exception_ptr error;  // set when the file could not be read
    std::map<int64_t, std::exception_ptr> bad;  // samples with a bad row: its error
  };
  std::map<std::filesystem::path, File> files_;
};

struct Label {
  int64_t behavior = 0;  // index into the class names
  float dwell_s = 0;
  float engagement = 0;
};

// Class names a labels file implies: ordered by behavior_id when the column
// is there (every id from 0 up must be named), else sorted by name.
std::vector<std::string> class_names_from_labels(const std::filesystem::path& file);

// sample_id -> label. Throws Error (Data) naming file:line for missing
// columns, unknown class names, a behavior_id that disagrees with the name,
// dwell_s < 0, engagement outside [0, 1], or a repeated sample_id.
std::map<int64_t, Label> read_labels(const std::filesystem::path& file, const std::vector<std::string>& class_names);

}  // namespace storefuse::pipeline
