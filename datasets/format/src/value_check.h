// The value pass of DatasetReader::open(): one streaming read of the file,
// block by block, looking for values a training run would choke on.
#pragma once

#include <string>
#include <vector>

#include "storefuse/datasets/dataset_reader.h"

namespace storefuse::datasets {

struct ValueReport {
  std::vector<int64_t> nonfinite_rows;  // ascending; rows with NaN/Inf in any float column
  std::string first_nonfinite_column;   // the column of the first such row
};

// Reports NaN/Inf rows. Throws Error(Data) for values that are wrong whatever
// the NaN policy: a mask value other than 0/1, a behaviour class outside the
// class list, engagement outside [0, 1], negative dwell time, a sample_id
// that appears twice.
ValueReport check_values(const DatasetReader& reader);

}  // namespace storefuse::datasets
