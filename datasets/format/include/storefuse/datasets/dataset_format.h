// The storefuse HDF5 dataset format, version 1. The layout is documented for
// users in docs/dataset-format.md; these are the names code needs.
#pragma once

namespace storefuse::datasets {

constexpr const char* kFormatName = "storefuse-dataset";
// Bump when a reader of the previous version could misread a new file.
constexpr int kFormatVersion = 1;

// Root attribute names.
constexpr const char* kAttrFormat = "format";
constexpr const char* kAttrFormatVersion = "format_version";
constexpr const char* kAttrFeatureSpec = "feature_spec";
constexpr const char* kAttrClassNames = "class_names";
constexpr const char* kAttrProvenance = "provenance";
constexpr const char* kAttrHasTargets = "has_targets";

}  // namespace storefuse::datasets
