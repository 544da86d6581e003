// RetailSim's side of the one feature pipeline
// (storefuse/pipeline/feature_pipeline.h): the pipeline fitted on the
// training split's rendered text and sensors, and a visit's rendered media as
// the pipeline's SampleMedia. A dataset generated here equals one ingested
// from the same visits' emitted files, spec and rows.
//
//   const pipeline::FeaturePipeline pipe = fit_pipeline(cfg, stores);
//   datasets::FeatureSpec spec = pipe.spec();   // what the files' attributes say
//   pipe.fill_row(sample_media(std::move(media), present, pipe.params()), batch, row);
#pragma once

#include <array>
#include <vector>

#include "storefuse/pipeline/feature_pipeline.h"
#include "storefuse/retailsim/media.h"

namespace storefuse::retailsim {

// The pipeline's settings for RetailSim's media (the pipeline's defaults).
pipeline::PipelineParams pipeline_params();

// Renders the text and sensors of every training sample (in parallel) and
// fits the tokenizer, TF-IDF and sensor statistics on them, in index order;
// modalities a visit is missing are left out of the fit.
pipeline::FeaturePipeline fit_pipeline(const RetailSimConfig& cfg, const std::vector<StoreProfile>& stores);

// The modalities with present[m] set, decoded as the pipeline reads files:
// frames sampled and preprocessed, the sensor series resampled to its window.
// The audio and text are moved out of `media`.
pipeline::SampleMedia sample_media(RawMedia&& media, const std::array<bool, 4>& present,
                                   const pipeline::PipelineParams& params);

}  // namespace storefuse::retailsim
