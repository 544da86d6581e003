#include "value_check.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "storefuse/core/error.h"

namespace storefuse::datasets {
namespace {

// Branch-free over a row so the compiler vectorises it: a float is NaN or Inf
// exactly when all its exponent bits are set.
bool all_finite(const float* p, int64_t n) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, p + i, sizeof bits);
    bad |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return bad == 0;
}

[[noreturn]] void bad_value(const std::string& column, int64_t row, const std::string& what,
                            const DatasetReader& reader) {
  throw Error(ErrorKind::Data,
              "dataset '" + column + "' row " + std::to_string(row) + ": " + what,
              reader.path().string(),
              "fix the code that produced the file, then regenerate it");
}

// One row per sample, as ingest's manifest and abtest's prediction files
// require: ids are what predictions, slices and A/B pairs are joined on.
void check_unique(const std::vector<int64_t>& ids, const DatasetReader& reader) {
  std::vector<size_t> order(ids.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a] < ids[b]; });
  for (size_t k = 1; k < order.size(); ++k) {
    if (ids[order[k]] == ids[order[k - 1]]) {
      throw Error(ErrorKind::Data,
                  "sample_id " + std::to_string(ids[order[k]]) + " appears twice (rows " +
                      std::to_string(order[k - 1]) + " and " + std::to_string(order[k]) + ")",
                  reader.path().string() + ": ids/sample_id", "give every sample its own id: one row per sample");
    }
  }
}

}  // namespace

ValueReport check_values(const DatasetReader& reader) {
  const FeatureSpec& spec = reader.spec();
  const int64_t num_classes = static_cast<int64_t>(spec.class_names.size());
  const int64_t block = reader.block_rows();
  ValueReport report;
  std::vector<int64_t> sample_ids;
  sample_ids.reserve(size_t(reader.num_rows()));
  for (int64_t begin = 0; begin < reader.num_rows(); begin += block) {
    int64_t end = std::min(begin + block, reader.num_rows());
    Batch b = reader.read(begin, end);
    sample_ids.insert(sample_ids.end(), b.sample_id.begin(), b.sample_id.end());
    for (int64_t r = 0; r < b.rows; ++r) {
      const int64_t row = begin + r;
      std::string bad_column;
      for (Modality m : kModalities) {
        const Array& a = b.input(m);
        if (a.dtype != DType::Float32) continue;
        int64_t width = spec[m].numel();
        if (!all_finite(a.as<float>() + r * width, width)) {
          bad_column = std::string("inputs/") + to_string(m);
          break;
        }
      }
      for (int k = 0; k < kNumModalities; ++k) {
        uint8_t v = b.mask[r * kNumModalities + k];
        if (v > 1) bad_value("mask", row, "value " + std::to_string(v) + " is not 0 or 1", reader);
      }
      if (b.has_targets) {
        if (bad_column.empty() && !all_finite(&b.dwell_s[r], 1)) bad_column = "targets/dwell_s";
        if (bad_column.empty() && !all_finite(&b.engagement[r], 1)) bad_column = "targets/engagement";
        if (b.behavior[r] < 0 || b.behavior[r] >= num_classes) {
          bad_value("targets/behavior", row,
                    "class " + std::to_string(b.behavior[r]) + " is outside 0.." +
                        std::to_string(num_classes - 1) + " (the feature spec's class_names)",
                    reader);
        }
        if (b.engagement[r] < 0.0f || b.engagement[r] > 1.0f) {
          bad_value("targets/engagement", row,
                    "engagement " + std::to_string(b.engagement[r]) + " is outside [0, 1]", reader);
        }
        if (b.dwell_s[r] < 0.0f) {
          bad_value("targets/dwell_s", row,
                    "dwell time " + std::to_string(b.dwell_s[r]) + " s is negative", reader);
        }
      }
      if (!bad_column.empty()) {
        if (report.nonfinite_rows.empty()) report.first_nonfinite_column = bad_column;
        report.nonfinite_rows.push_back(row);
      }
    }
  }
  check_unique(sample_ids, reader);
  return report;
}

}  // namespace storefuse::datasets
