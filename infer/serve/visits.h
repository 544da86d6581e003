// The raw-media endpoint, POST /v1/visits:predict: a visit's video (or
// frames), WAV, POS lines and sensor rows in, the model's answer out. The
// inputs are rebuilt by the feature pipeline from the feature spec stored in
// the model (storefuse export), as `predict --media` and `ingest` build
// them, and fed through the model adapter: a caller needs no feature code.
// docs/serving.md describes the request.
//
//   VisitRequest v = parse_visit(body, content_type);   // JSON + base64, or multipart/form-data
//   const VisitModel& vm = visit_model(instance);        // made once per model version
//   VisitInputs in = vm.inputs(v.media);                 // Error(Data) naming the modality
//   ... run in.feeds ...
//   json answer = vm.answer(outputs, in);
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "storefuse/contract/model_adapter.h"
#include "storefuse/core/json.h"
#include "storefuse/datasets/feature_spec.h"
#include "storefuse/infer/tensor.h"
#include "storefuse/pipeline/feature_pipeline.h"

namespace storefuse::infer::serve {

class ModelInstance;

struct VisitRequest {
  std::string model;    // "" : the server's only model
  std::string version;  // "" : routed, or the newest
  std::string id;       // echoed in the answer
  std::map<std::string, std::string> parameters;  // customer_id, outcome, timeout
  pipeline::EncodedMedia media;
};

// Limits of one visit request, past the body limit the HTTP layer applies.
struct VisitLimits {
  size_t max_frames = 1024;  // images in `frames`
  size_t max_parts = 1100;   // multipart parts
};

// Content-Type application/json: {"model", "version", "id", "parameters",
// "video" | "frames": base64, "audio": base64 WAV, "pos": [lines],
// "sensor": CSV text}. multipart/form-data: fields model, version, id,
// customer_id, outcome, timeout; files video or frames (repeated), audio,
// pos (text, a line each), sensor (CSV). Throws Error(Data) naming the
// field for anything malformed, unknown or repeated.
VisitRequest parse_visit(std::string_view body, std::string_view content_type, const VisitLimits& limits = {});

// RFC 4648 base64 (padding optional, no line breaks); Error(Data) naming
// `where` for any other character.
std::string base64_decode(std::string_view text, const std::string& where);

// A visit's model inputs: one row, and which modalities were present.
struct VisitInputs {
  std::map<std::string, Tensor> feeds;
  int64_t rows = 0;  // rows fed (a fixed-batch model's padding included); row 0 is the visit
  std::array<bool, datasets::kNumModalities> present{};
  double features_ms = 0;
};

// What the endpoint needs of one model version: its adapter and the feature
// pipeline of the spec in its metadata.
class VisitModel {
 public:
  // Error(Usage) when the model carries no feature spec, Error(Model) when
  // it breaks the contract: such a model answers only /v2 infer.
  VisitModel(std::shared_ptr<const Model> model, const std::string& where);
  VisitInputs inputs(const pipeline::EncodedMedia& media) const;
  // The same from media already decoded (the stream processor's windows).
  VisitInputs inputs(const pipeline::SampleMedia& media) const;
  // {"behavior", "probabilities": {class: p}, "dwell_s", "engagement",
  //  "modalities": {name: present}} of the visit's row.
  json answer(const std::map<std::string, Tensor>& outputs, const VisitInputs& in) const;
  const contract::ModelAdapter& adapter() const { return adapter_; }
  const pipeline::FeaturePipeline& pipeline() const { return pipeline_; }

 private:
  contract::ModelAdapter adapter_;
  pipeline::FeaturePipeline pipeline_;
  std::vector<std::string> class_names_;
};

// The instance's VisitModel, made on first use and kept with the instance;
// rethrows the same error on every call for a model that cannot take visits.
const VisitModel& visit_model(const ModelInstance& instance);

}  // namespace storefuse::infer::serve
