// predict's dataset files (HDF5), behind a small interface so that a build
// without HDF5 (the edge preset) still predicts from raw media: there,
// opening a dataset is an Unsupported error saying so.
#pragma once

#include <memory>
#include <string>

#include "storefuse/core/json.h"
#include "storefuse/datasets/batch.h"

namespace storefuse::infer::cli {

class DatasetRows {
 public:
  virtual ~DatasetRows() = default;
  virtual const datasets::FeatureSpec& spec() const = 0;
  virtual int64_t num_rows() const = 0;
  virtual bool has_targets() const = 0;
  virtual datasets::Batch read(int64_t begin, int64_t end) = 0;  // rows [begin, end)
};

class DatasetSink {
 public:
  virtual ~DatasetSink() = default;
  virtual void append(const datasets::Batch& rows) = 0;
  virtual void close() = 0;  // renames the file into place
};

bool reads_datasets();
std::unique_ptr<DatasetRows> open_dataset(const std::string& path);
std::unique_ptr<DatasetSink> create_dataset(const std::string& path, const datasets::FeatureSpec& spec,
                                            const json& provenance, bool has_targets);

}  // namespace storefuse::infer::cli
