// DatasetWriter: builds a v1 dataset file from appended rows.
//
//   DatasetWriter w("train.h5", spec, {{"source", "retailsim"}, {"seed", 7}});
//   Batch b = Batch::allocate(spec, 512, /*has_targets=*/true);
//   ... fill b ...
//   w.append(b);
//   w.close();  // the file appears at its path only now
//
// The file is written to a temp file beside the target and renamed over it on
// close(); a writer destroyed without close() (an exception, a crash) leaves
// no file behind and an existing target untouched.
#pragma once

#include <filesystem>
#include <memory>

#include "storefuse/core/json.h"
#include "storefuse/datasets/batch.h"

namespace storefuse::datasets {

struct WriterOptions {
  // zlib (deflate) level with the byte-shuffle filter, 0..9. 0 stores chunks
  // raw: on dense float features deflate saves little (14 % on normally
  // distributed float32 at level 1) and costs 5x in loader throughput;
  // see "Performance" in docs/dataset-format.md.
  int compression_level = 0;
  // Rows per HDF5 chunk, the unit the loader reads and shuffles. 0 picks a
  // size that makes the widest input's chunk about 1 MiB.
  int64_t chunk_rows = 0;
  // false for unlabeled ingest: no targets/ group, has_targets = 0.
  bool has_targets = true;
};

class DatasetWriter {
 public:
  // provenance: a JSON object saying where the data came from; recommended
  // keys are "source" ("retailsim", "ingest"), "config" and "seed". The writer
  // adds "created" (UTC, ISO 8601) and "storefuse_version" when absent.
  // Throws Error(Data) on an invalid spec or provenance, Error(Io) when the
  // directory is not writable.
  DatasetWriter(std::filesystem::path path, FeatureSpec spec, json provenance,
                WriterOptions options = {});
  ~DatasetWriter();
  DatasetWriter(const DatasetWriter&) = delete;
  DatasetWriter& operator=(const DatasetWriter&) = delete;

  // Appends all rows of `rows`; it must be shaped after the spec (see
  // check_batch). Rows are buffered up to one chunk and written chunk-aligned.
  void append(const Batch& rows);
  // Writes buffered rows, closes the file and moves it into place.
  void close();

  int64_t rows_written() const;  // appended so far, buffered ones included
  int64_t chunk_rows() const;
  const FeatureSpec& spec() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace storefuse::datasets
