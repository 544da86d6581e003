// The feature pipeline: the one code that builds a feature spec and turns
// the raw media of one visit (frames, audio, POS text, sensor rows) into
// model inputs, through storefuse_features. RetailSim's datagen, `storefuse
// ingest`, `storefuse-infer predict --media` (and the services on top of the
// runtime) all go through it, with the feature spec of the training data (a
// dataset file or the model's metadata), so serving computes exactly the
// inputs training saw. No OpenCV and no HDF5: decoding a video file goes
// through clip_decoder.h.
//
//   FeaturePipeline fp(model_spec);                       // or FeaturePipeline::fit(...)
//   SampleMedia m = load_sample(manifest, row, pos, fp.params());
//   fp.fill_row(m, batch, r);
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storefuse/datasets/batch.h"
#include "storefuse/features/mfcc.h"
#include "storefuse/features/sensor.h"
#include "storefuse/features/text.h"
#include "storefuse/features/visual.h"
#include "storefuse/pipeline/manifest.h"

namespace storefuse::pipeline {

// The extractor settings that need no fitting. Defaults are RetailSim's.
struct PipelineParams {
  features::VisualParams visual;
  features::MfccParams mfcc;
  double clip_s = 1.0;  // audio seconds fed to the MFCC: longer files are cut, shorter ones zero-padded
  features::SensorParams sensor = features::SensorParams::retail_defaults();
};

// One sample's raw inputs, decoded; a modality the sample lacks stays empty.
struct SampleMedia {
  std::array<bool, datasets::kNumModalities> present{};
  std::vector<uint8_t> frames;       // [T*H*W] gray, visual params
  std::vector<float> audio;          // mono at mfcc.sample_rate_hz, clip_s long
  std::string text;                  // POS lines joined by '\n'
  std::vector<float> sensor_window;  // [steps*C], raw units (not normalised)
  // Optional, for windows sharing frames (stream): the visual descriptor
  // through this memo of the pipeline's visual params, each frame by its
  // key (features::VisualMemo); the same numbers.
  features::VisualMemo* visual_memo = nullptr;
  std::vector<uint64_t> frame_keys;
};

// Reads a sensor CSV: a `timestamp_s` column (seconds, not decreasing) and
// one column per channel of `p`, by name, in any order (other columns are
// ignored); an empty cell is a dropped reading. Throws Error (Data) naming
// file:line for a missing column, a bad number or a timestamp out of order.
features::SensorSeries read_sensor_csv(const std::filesystem::path& file, const features::SensorParams& p);

// Decodes the sample's files: the video (decode_clip, clip_decoder.h), the WAV (any
// rate and channel count, mixed to mono and resampled to the MFCC rate, then
// cut or zero-padded to clip_s), its POS text and its sensor window. Throws
// storefuse::Error whose `where` names the manifest row and the file.
SampleMedia load_sample(const Manifest& manifest, const ManifestRow& row, const PosLogs& pos,
                        const PipelineParams& params);

// One visit's media as bytes, as a request uploads them rather than as
// files; a modality left empty (nullopt) is missing.
struct EncodedMedia {
  std::optional<std::string> video;                  // a video file's bytes
  std::optional<std::vector<std::string>> frames;    // or encoded images (JPEG, PNG), capture order
  std::optional<std::string> audio;                  // a WAV file's bytes
  std::optional<std::vector<std::string>> pos_lines; // POS lines, in order
  std::optional<std::string> sensor_csv;             // a sensor CSV's text (read_sensor_csv's columns)
};

// Decodes each modality exactly as load_sample decodes its file, so that a
// visit sent to the server gets the inputs `ingest` computes from the same
// files. Throws storefuse::Error whose `where` names the modality.
SampleMedia decode_media(const EncodedMedia& media, const PipelineParams& params);

class FeaturePipeline {
 public:
  // Rebuilds the extractors a spec describes (the spec written by datagen or
  // ingest). Throws Error (Unsupported) for a spec whose params name no
  // extractor storefuse has, (Data) when its shapes disagree with its params.
  explicit FeaturePipeline(const datasets::FeatureSpec& spec);

  // Fits the tokenizer, TF-IDF weights (768 buckets) and sensor statistics on
  // training samples, in order; a sample lacking text or sensors is left out
  // of that part's fit.
  static FeaturePipeline fit(datasets::Flavour flavour, const PipelineParams& params,
                             std::vector<std::string> class_names, const std::vector<SampleMedia>& train);

  // The same fitted extractors, for the other flavour.
  FeaturePipeline with_flavour(datasets::Flavour flavour) const;

  const datasets::FeatureSpec& spec() const { return spec_; }
  const PipelineParams& params() const { return params_; }

  // Writes the inputs and the mask of row `row` of `b` (shaped after spec()).
  // A missing modality is left as Batch::allocate made it: zeros.
  void fill_row(const SampleMedia& m, datasets::Batch& b, int64_t row) const;

 private:
  FeaturePipeline() = default;
  void build_spec();

  datasets::FeatureSpec spec_;
  PipelineParams params_;
  std::optional<features::MfccExtractor> mfcc_;
  std::optional<features::Tokenizer> tokenizer_;        // sequences
  std::optional<features::TfidfVectorizer> tfidf_;      // vectors
  std::optional<features::SensorNormaliser> sensor_norm_;
};

}  // namespace storefuse::pipeline
