// One sample's raw files -> the rows a dataset stores, through
// storefuse_features. `storefuse ingest` and `storefuse-infer predict
// --media` both go through this code, with the feature spec of the training
// data (a dataset file or the model's metadata), so serving computes exactly
// the inputs training saw.
//
//   FeatureExtractor fx(reader->spec());                 // or FeatureExtractor::fit(...)
//   SampleMedia m = load_sample(manifest, row, pos, fx.params());
//   fx.fill_row(m, batch, r);
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
#include "storefuse/ingest/manifest.h"

namespace storefuse::ingest {

// The extractor settings that need no fitting. Defaults are RetailSim's.
struct ExtractorParams {
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
};

// Reads a sensor CSV: a `timestamp_s` column (seconds, not decreasing) and
// one column per channel of `p`, by name, in any order (other columns are
// ignored); an empty cell is a dropped reading. Throws Error (Data) naming
// file:line for a missing column, a bad number or a timestamp out of order.
features::SensorSeries read_sensor_csv(const std::filesystem::path& file, const features::SensorParams& p);

// Decodes the sample's files: the video (cv::VideoCapture), the WAV (any
// rate and channel count, mixed to mono and resampled to the MFCC rate, then
// cut or zero-padded to clip_s), its POS text and its sensor window. Throws
// storefuse::Error whose `where` names the manifest row and the file.
SampleMedia load_sample(const Manifest& manifest, const ManifestRow& row, const PosLogs& pos,
                        const ExtractorParams& params);

class FeatureExtractor {
 public:
  // Rebuilds the extractors a spec describes (the spec written by datagen or
  // ingest). Throws Error (Unsupported) for a spec whose params name no
  // extractor storefuse has, (Data) when its shapes disagree with its params.
  explicit FeatureExtractor(const datasets::FeatureSpec& spec);

  // Fits the tokenizer, TF-IDF weights (768 buckets) and sensor statistics on
  // training samples, in order; a sample lacking text or sensors is left out
  // of that part's fit.
  static FeatureExtractor fit(datasets::Flavour flavour, const ExtractorParams& params,
                              std::vector<std::string> class_names, const std::vector<SampleMedia>& train);

  // The same fitted extractors, for the other flavour.
  FeatureExtractor with_flavour(datasets::Flavour flavour) const;

  const datasets::FeatureSpec& spec() const { return spec_; }
  const ExtractorParams& params() const { return params_; }

  // Writes the inputs and the mask of row `row` of `b` (shaped after spec()).
  // A missing modality is left as Batch::allocate made it: zeros.
  void fill_row(const SampleMedia& m, datasets::Batch& b, int64_t row) const;

 private:
  FeatureExtractor() = default;
  void build_spec();

  datasets::FeatureSpec spec_;
  ExtractorParams params_;
  std::optional<features::MfccExtractor> mfcc_;
  std::optional<features::Tokenizer> tokenizer_;        // sequences
  std::optional<features::TfidfVectorizer> tfidf_;      // vectors
  std::optional<features::SensorNormaliser> sensor_norm_;
};

}  // namespace storefuse::ingest
