#pragma once

namespace storefuse::cli {

// Lets the A/B tool read labels from storefuse dataset files (.h5/.hdf5).
void register_dataset_labels();

}  // namespace storefuse::cli
