// FeatureSpec: how each modality of a store visit becomes model input.
//
// One value travels with every artefact: the dataset file's attributes, the
// checkpoint and the ONNX model's metadata. The runtime rebuilds its feature
// pipeline from it alone, so it must be self-contained JSON:
//
//   {"feature_spec_version": 1, "flavour": "vectors",
//    "modalities": {"visual": {"dtype": "float32", "shape": [2048], "params": {...}},
//                   "audio": {...}, "text": {...}, "sensor": {...}},
//    "class_names": ["browse", ...]}
//
// `params` belongs to the feature code (MFCC settings, tokenizer vocabulary and
// its hash, sensor channels and window, normalisation statistics); this type
// stores it verbatim and only checks that it is a JSON object.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "storefuse/core/json.h"

namespace storefuse::datasets {

// Order matters: it is the column order of the presence mask.
enum class Modality { Visual = 0, Audio = 1, Text = 2, Sensor = 3 };
constexpr int kNumModalities = 4;
constexpr std::array<Modality, kNumModalities> kModalities = {
    Modality::Visual, Modality::Audio, Modality::Text, Modality::Sensor};
const char* to_string(Modality m);  // "visual", "audio", "text", "sensor"

enum class DType { Float32, UInt8, Int32 };
const char* to_string(DType t);  // "float32", "uint8", "int32"
DType dtype_from_string(const std::string& name);  // throws Error(Data)
int64_t dtype_size(DType t);

// vectors: one precomputed rank-1 feature vector per modality (the seed
// network). sequences: raw-ish inputs of any rank (frames [T,H,W], MFCC
// [T,C], token ids [L], sensor windows [T,C]) for the learned encoders.
enum class Flavour { Vectors, Sequences };
const char* to_string(Flavour f);

struct ModalitySpec {
  DType dtype = DType::Float32;
  std::vector<int64_t> shape;  // per sample, without the batch axis
  json params = json::object();

  int64_t numel() const;  // product of shape
  int64_t sample_bytes() const { return numel() * dtype_size(dtype); }
  bool operator==(const ModalitySpec& o) const;
  bool operator!=(const ModalitySpec& o) const { return !(*this == o); }
};

struct FeatureSpec {
  static constexpr int kVersion = 1;

  Flavour flavour = Flavour::Vectors;
  std::array<ModalitySpec, kNumModalities> modalities;
  std::vector<std::string> class_names;

  ModalitySpec& operator[](Modality m) { return modalities[static_cast<int>(m)]; }
  const ModalitySpec& operator[](Modality m) const {
    return modalities[static_cast<int>(m)];
  }

  // Throws Error(Data) naming the offending field when the spec is not usable:
  // empty or non-positive shapes, rank != 1 under `vectors`, params that are
  // not objects, empty or duplicate class names.
  void validate() const;

  json to_json() const;
  // Validates as well; unknown keys are errors so that typos do not pass.
  static FeatureSpec from_json(const json& j);
  static FeatureSpec from_json_string(const std::string& text);

  bool operator==(const FeatureSpec& o) const;
  bool operator!=(const FeatureSpec& o) const { return !(*this == o); }
};

// The seed network's inputs: float32 vectors visual 2048, audio 130, text 768,
// sensor 10, with empty params.
FeatureSpec seed_vector_spec(std::vector<std::string> class_names);

}  // namespace storefuse::datasets
