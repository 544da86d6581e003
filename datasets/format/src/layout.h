// The columns of a v1 dataset file: HDF5 path, element type and per-row
// shape, and where each lives in a Batch. Writer and reader share this table,
// so the two cannot drift apart.
#pragma once

#include <hdf5.h>

#include <string>
#include <vector>

#include "storefuse/datasets/batch.h"

namespace storefuse::datasets::layout {

enum class ColumnId {
  Visual, Audio, Text, Sensor,  // in Modality order
  Mask,
  Behavior, DwellS, Engagement,
  SampleId, CustomerId, StoreId, CameraId, Timestamp,
};

// Element type of a column, as stored and as held in memory.
struct ElementType {
  H5T_class_t cls;   // H5T_FLOAT or H5T_INTEGER
  size_t size;       // bytes
  bool is_signed;    // integers only
  hid_t file_type;   // little-endian type used when writing
  hid_t mem_type;    // native type used for reading and writing
  const char* name;  // "float32", "int64"... for messages
};

struct Column {
  ColumnId id;
  std::string path;                   // "inputs/visual", "mask", ...
  ElementType type;
  std::vector<int64_t> sample_shape;  // dims after the row axis
  bool is_target;

  int64_t row_bytes() const;
  void* data(Batch& b) const;
  const void* data(const Batch& b) const { return data(const_cast<Batch&>(b)); }
};

// Inputs, mask, then targets (when has_targets), then ids.
std::vector<Column> columns(const FeatureSpec& spec, bool has_targets);

// The HDF5 groups the column paths live in.
constexpr const char* kGroups[] = {"inputs", "targets", "ids"};

}  // namespace storefuse::datasets::layout
