// `storefuse abtest --data test.h5`: labels, ids and slices straight from a
// storefuse dataset file.
#include <gtest/gtest.h>

#include <filesystem>

#include "dataset_labels.h"
#include "storefuse/abtest/inputs.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/dataset_writer.h"

namespace ds = storefuse::datasets;

namespace {

std::filesystem::path write_dataset(bool labelled) {
  auto spec = ds::seed_vector_spec({"browsing", "queueing", "purchasing"});
  auto path = std::filesystem::temp_directory_path() /
              ("sf_ab_labels_" + std::to_string(labelled) + ".h5");
  ds::WriterOptions opt;
  opt.has_targets = labelled;
  ds::DatasetWriter w(path, spec, {{"generator", "test"}}, opt);
  auto b = ds::Batch::allocate(spec, 3, labelled);
  const uint8_t mask[] = {1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 1};
  std::copy(mask, mask + 12, b.mask.begin());
  for (int i = 0; i < 3; ++i) {
    b.sample_id[i] = 100 + i;
    b.customer_id[i] = 7;
    b.store_id[i] = i;
    b.camera_id[i] = 2;
    if (labelled) {
      b.behavior[i] = 2 - i;
      b.dwell_s[i] = 10.0f * (i + 1);
      b.engagement[i] = 0.25f * i;
    }
  }
  w.append(b);
  w.close();
  return path;
}

}  // namespace

TEST(DatasetLabels, ReadsTargetsIdsAndSlices) {
  storefuse::cli::register_dataset_labels();
  auto labels = storefuse::abtest::read_labels(write_dataset(true));
  EXPECT_EQ(labels.sample_ids, (std::vector<std::string>{"100", "101", "102"}));
  EXPECT_EQ(labels.behavior, (std::vector<std::string>{"purchasing", "queueing", "browsing"}));
  EXPECT_EQ(labels.dwell_s, (std::vector<float>{10, 20, 30}));
  EXPECT_EQ(labels.slices.at("store_id"), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(labels.slices.at("missing_modality"),
            (std::vector<std::string>{"none", "audio", "visual+text"}));
}

TEST(DatasetLabels, UnlabelledDatasetIsAClearError) {
  storefuse::cli::register_dataset_labels();
  try {
    storefuse::abtest::read_labels(write_dataset(false));
    FAIL();
  } catch (const storefuse::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no labels"), std::string::npos) << e.what();
  }
}
