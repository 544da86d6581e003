// Small labelled datasets for the trainer tests, written with the dataset
// writer: each class has a fixed prototype per modality, samples are the
// prototype plus noise, so the classes are separable; dwell and engagement
// are functions of the class. About 20 % of modalities are missing.
#pragma once

#include <filesystem>

#include "storefuse/datasets/feature_spec.h"

namespace storefuse::train::synthetic {

constexpr int kClasses = 4;

datasets::FeatureSpec tiny_spec();  // visual 16, audio 8, text 12, sensor 4; 4 classes
// chunk_rows: rows per HDF5 chunk, the loader's block (0: the writer's choice).
void write_separable(const std::filesystem::path& file, int64_t rows, uint64_t seed, int64_t chunk_rows = 0);

// --set overrides that shrink seed_fusion to fit tiny_spec and train fast.
std::vector<std::string> tiny_run_sets(const std::filesystem::path& dir);

}  // namespace storefuse::train::synthetic
