// Raw media -> model inputs, through storefuse_features: the very code the
// runtime uses on files. The text vocabulary, its TF-IDF weights and the
// sensor normalisation are fitted on the training split first.
//
//   auto pipe = FeaturePipeline::fit(cfg, stores);   // one pass over train's text and sensors
//   datasets::FeatureSpec spec = pipe.spec();        // what the files' attributes say
//   pipe.fill_row(media, mask, batch, row);
#pragma once

#include <array>
#include <memory>
#include <optional>

#include "storefuse/datasets/batch.h"
#include "storefuse/features/mfcc.h"
#include "storefuse/features/text.h"
#include "storefuse/features/visual.h"
#include "storefuse/retailsim/media.h"

namespace storefuse::retailsim {

class FeaturePipeline {
 public:
  // Renders the text and sensors of every training sample (in parallel) and
  // fits the tokenizer, TF-IDF and sensor statistics on them, in index order.
  static FeaturePipeline fit(const RetailSimConfig& cfg, const std::vector<StoreProfile>& stores);

  datasets::Flavour flavour() const { return flavour_; }
  datasets::FeatureSpec spec() const;

  // Writes row `row` of `b` (shaped after spec()): every modality with
  // present[m] set; the others stay zero, as Batch::allocate left them.
  void fill_row(const RawMedia& media, const std::array<bool, 4>& present, datasets::Batch& b, int64_t row) const;

  const features::Tokenizer& tokenizer() const { return *tokenizer_; }
  const features::TfidfVectorizer& tfidf() const { return *tfidf_; }
  const features::SensorNormaliser& sensor_normaliser() const { return sensor_norm_; }

 private:
  FeaturePipeline() = default;
  datasets::Flavour flavour_ = datasets::Flavour::Vectors;
  features::VisualParams visual_;
  features::MfccParams mfcc_params_;
  std::shared_ptr<const features::MfccExtractor> mfcc_;
  std::optional<features::Tokenizer> tokenizer_;
  std::optional<features::TfidfVectorizer> tfidf_;
  features::SensorParams sensor_ = features::SensorParams::retail_defaults();
  features::SensorNormaliser sensor_norm_;
};

}  // namespace storefuse::retailsim
