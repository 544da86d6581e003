#include "storefuse/retailsim/pipeline.h"

#include <tbb/parallel_for.h>

#include <utility>

#include "storefuse/features/video.h"

namespace storefuse::retailsim {

using datasets::Modality;

pipeline::PipelineParams pipeline_params() {
  pipeline::PipelineParams p;
  p.clip_s = kAudioSeconds;
  p.mfcc.sample_rate_hz = kAudioRateHz;
  return p;
}

pipeline::FeaturePipeline fit_pipeline(const RetailSimConfig& cfg, const std::vector<StoreProfile>& stores) {
  const auto flavour = cfg.flavour == "sequences" ? datasets::Flavour::Sequences : datasets::Flavour::Vectors;
  const pipeline::PipelineParams params = pipeline_params();
  const int64_t n = cfg.split_sizes[static_cast<int>(Split::Train)];
  std::vector<pipeline::SampleMedia> train(static_cast<size_t>(n));
  tbb::parallel_for(int64_t{0}, n, [&](int64_t i) {
    Visit v = sample_visit(cfg, stores, i);
    const StoreProfile& s = stores[v.store];
    pipeline::SampleMedia& m = train[size_t(i)];
    m.present[static_cast<int>(Modality::Text)] = v.missing != static_cast<int>(Modality::Text);
    m.present[static_cast<int>(Modality::Sensor)] = v.missing != static_cast<int>(Modality::Sensor);
    if (m.present[static_cast<int>(Modality::Text)]) m.text = synth_text(cfg, s, v);
    if (m.present[static_cast<int>(Modality::Sensor)]) {
      m.sensor_window = features::resample_window(synth_sensors(cfg, s, v), params.sensor);
    }
  });
  return pipeline::FeaturePipeline::fit(flavour, params, behavior_names(), train);
}

pipeline::SampleMedia sample_media(RawMedia&& media, const std::array<bool, 4>& present,
                                   const pipeline::PipelineParams& params) {
  pipeline::SampleMedia m;
  m.present = present;
  if (present[static_cast<int>(Modality::Visual)]) m.frames = features::frames_from_mats(media.clip, params.visual);
  if (present[static_cast<int>(Modality::Audio)]) m.audio = std::move(media.audio);
  if (present[static_cast<int>(Modality::Text)]) m.text = std::move(media.text);
  if (present[static_cast<int>(Modality::Sensor)]) {
    m.sensor_window = features::resample_window(media.sensors, params.sensor);
  }
  return m;
}

}  // namespace storefuse::retailsim
