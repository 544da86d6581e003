// Labels for `storefuse abtest --data test.h5`: the A/B tool reads CSV/JSONL
// itself; dataset files come through this reader.
#include "dataset_labels.h"

#include <algorithm>

#include "storefuse/abtest/inputs.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/metrics/metrics.h"

namespace storefuse::cli {
namespace {

abtest::Labels read_dataset_labels(const std::filesystem::path& path) {
  auto reader = datasets::DatasetReader::open(path.string(), {});
  if (!reader->has_targets()) {
    throw Error(ErrorKind::Data, "the dataset has no labels", path.string(),
                "compare on a labelled split (datagen's test.h5, or ingest with labels)");
  }
  const auto& classes = reader->spec().class_names;
  abtest::Labels out;
  out.source = path.string();
  auto& store = out.slices["store_id"];
  auto& camera = out.slices["camera_id"];
  auto& missing = out.slices["missing_modality"];
  const int64_t n = reader->num_rows(), block = 4096;  // bounded memory
  for (int64_t begin = 0; begin < n; begin += block) {
    auto b = reader->read(begin, std::min(n, begin + block));
    for (int64_t i = 0; i < b.rows; ++i) {
      out.sample_ids.push_back(std::to_string(b.sample_id[i]));
      out.behavior.push_back(classes.at(b.behavior[i]));
      out.dwell_s.push_back(b.dwell_s[i]);
      out.engagement.push_back(b.engagement[i]);
      out.customer_ids.push_back(std::to_string(b.customer_id[i]));
      store.push_back(std::to_string(b.store_id[i]));
      camera.push_back(std::to_string(b.camera_id[i]));
      missing.push_back(metrics::missing_modality_key(&b.mask[i * 4]));
    }
  }
  return out;
}

}  // namespace

void register_dataset_labels() {
  for (const char* ext : {".h5", ".hdf5"}) abtest::register_label_reader(ext, read_dataset_labels);
}

}  // namespace storefuse::cli
