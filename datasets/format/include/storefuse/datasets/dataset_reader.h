// DatasetReader: opens a v1 dataset file, validates it, and reads row ranges.
//
//   auto reader = DatasetReader::open("train.h5");
//   Batch first = reader->read(0, 128);
//
// open() checks everything a training run would otherwise trip over late:
// format name and version, one row count N across all datasets, shapes and
// dtypes against the feature spec, the mask, label ranges, and NaN/Inf in
// float columns (one streaming pass over the file, chunk by chunk).
// Every failure is a storefuse::Error (ErrorKind::Data, or Io for a missing
// file) naming the file and the dataset; HDF5 prints nothing.
//
// Reading is thread-safe; HDF5 calls are serialised inside the library.
#pragma once

#include <filesystem>
#include <memory>

#include "storefuse/core/json.h"
#include "storefuse/datasets/batch.h"

namespace storefuse::datasets {

enum class NanPolicy {
  Error,  // a NaN or Inf in a float input or target fails open()
  Skip,   // such rows are left out (see skipped_rows()), counted and logged
};

struct ReadOptions {
  NanPolicy nan_policy = NanPolicy::Error;
};

// How the file stores its rows (from inputs/visual's creation properties).
struct StorageInfo {
  int64_t chunk_rows = 0;      // 0 when the file is not chunked
  int compression_level = 0;   // deflate level, 0 = none
  bool shuffle = false;        // byte-shuffle filter
  int64_t file_bytes = 0;
};

class DatasetReader {
 public:
  static std::shared_ptr<DatasetReader> open(const std::filesystem::path& path,
                                             ReadOptions options = {});
  ~DatasetReader();
  DatasetReader(const DatasetReader&) = delete;
  DatasetReader& operator=(const DatasetReader&) = delete;

  const std::filesystem::path& path() const;
  const FeatureSpec& spec() const;
  const json& provenance() const;
  bool has_targets() const;
  int64_t num_rows() const;  // N, skipped rows included
  StorageInfo storage() const;
  // Rows the loader reads together: the chunk size, or 256 when not chunked.
  int64_t block_rows() const;

  // Rows left out under NanPolicy::Skip, ascending. Empty under Error.
  const std::vector<int64_t>& skipped_rows() const;

  // Rows [begin, end) as stored, skipped rows included.
  Batch read(int64_t begin, int64_t end) const;
  // One id column, all N rows, widened to int64: "sample_id", "customer_id",
  // "store_id" or "camera_id".
  std::vector<int64_t> read_ids(const std::string& column) const;

 private:
  DatasetReader();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace storefuse::datasets
