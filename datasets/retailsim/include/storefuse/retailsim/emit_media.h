// `datagen --emit-media DIR`: the raw media behind a dataset, as files a
// real deployment would have, so that ingest and the runtime's feature
// pipeline can be tried on them:
//   DIR/<split>/video/<sample_id>.avi     MJPG, 96x96, 4 fps
//   DIR/<split>/audio/<sample_id>.wav     16-bit PCM mono, 16 kHz
//   DIR/<split>/sensor/<sample_id>.csv    timestamp_s + one column per channel (empty = no reading)
//   DIR/<split>/pos.csv                   sample_id, line, text (one row per log line)
//   DIR/<split>/labels.csv                sample_id, behavior, behavior_id, dwell_s, engagement
//   DIR/<split>/manifest.csv              sample_id, customer_id, store_id, camera_id, timestamp,
//                                         video, audio, sensor, pos (paths relative to the manifest;
//                                         empty for a modality the sample is missing)
#pragma once

#include <array>
#include <filesystem>
#include <string>

#include "storefuse/retailsim/media.h"

namespace storefuse::retailsim {

class MediaEmitter {
 public:
  explicit MediaEmitter(std::filesystem::path dir);

  // The sample's media files. Thread-safe: every sample has files of its own.
  // Returns the sample's rows of the three CSV files, for add_rows().
  struct Rows { std::string manifest, labels, pos; };
  Rows write_sample(const Visit& v, const RawMedia& m) const;

  // Appends rows in sample order (not thread-safe); finish() writes the CSVs.
  void add_rows(Split s, const Rows& rows);
  void finish();

 private:
  std::filesystem::path dir_;
  std::array<Rows, 3> csv_;
};

}  // namespace storefuse::retailsim
