// The metadata_props keys of a storefuse model file, shared by the exporter
// (which writes them) and the runtime (which reads them). Values are strings;
// JSON where noted.
#pragma once

namespace storefuse::infer::metadata {

inline constexpr const char* kVersion = "storefuse.version";          // toolkit version
inline constexpr const char* kModelName = "storefuse.model";          // zoo type, e.g. seed_fusion
inline constexpr const char* kModelVersion = "storefuse.model_version";
inline constexpr const char* kRunId = "storefuse.run_id";             // run directory name
inline constexpr const char* kConfig = "storefuse.config";            // resolved YAML
inline constexpr const char* kClassNames = "storefuse.class_names";   // JSON array
inline constexpr const char* kFeatureSpec = "storefuse.feature_spec"; // JSON (datasets::FeatureSpec)
inline constexpr const char* kDataHash = "storefuse.train_data_hash"; // of the training file
inline constexpr const char* kMetrics = "storefuse.metrics";          // JSON, at export time
inline constexpr const char* kPrecision = "storefuse.precision";      // fp32 | fp16 | int8
inline constexpr const char* kWeightsDigest = "storefuse.weights_digest";  // weights_digest.h; checked at load
inline constexpr const char* kFeatureSummary = "storefuse.feature_summary";  // JSON (metrics::summarize_features of the training set)

}  // namespace storefuse::infer::metadata
