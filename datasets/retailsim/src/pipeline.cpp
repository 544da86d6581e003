#include "storefuse/retailsim/pipeline.h"

#include <tbb/parallel_for.h>

#include <cstring>

#include "storefuse/features/audio_vector.h"

namespace storefuse::retailsim {

using datasets::DType;
using datasets::Modality;

FeaturePipeline FeaturePipeline::fit(const RetailSimConfig& cfg, const std::vector<StoreProfile>& stores) {
  FeaturePipeline p;
  p.flavour_ = cfg.flavour == "sequences" ? datasets::Flavour::Sequences : datasets::Flavour::Vectors;
  p.mfcc_ = std::make_shared<features::MfccExtractor>(p.mfcc_params_);

  const int64_t n = cfg.split_sizes[static_cast<int>(Split::Train)];
  const int steps = p.sensor_.steps, channels = p.sensor_.num_channels();
  std::vector<std::string> texts(n);
  std::vector<float> windows(static_cast<size_t>(n) * steps * channels);
  // Hidden modalities are left out of the fit, as they are out of the file.
  std::vector<char> has_text(n), has_sensor(n);
  tbb::parallel_for(int64_t{0}, n, [&](int64_t i) {
    Visit v = sample_visit(cfg, stores, i);
    const StoreProfile& s = stores[v.store];
    has_text[i] = v.missing != static_cast<int>(Modality::Text);
    has_sensor[i] = v.missing != static_cast<int>(Modality::Sensor);
    if (has_text[i]) texts[i] = synth_text(cfg, s, v);
    if (has_sensor[i]) {
      auto w = features::resample_window(synth_sensors(cfg, s, v), p.sensor_);
      std::memcpy(windows.data() + i * steps * channels, w.data(), w.size() * sizeof(float));
    }
  });
  std::vector<std::string> fit_texts;
  std::vector<float> fit_windows;
  for (int64_t i = 0; i < n; ++i) {
    if (has_text[i]) fit_texts.push_back(std::move(texts[i]));
    if (has_sensor[i]) {
      const float* w = windows.data() + i * steps * channels;
      fit_windows.insert(fit_windows.end(), w, w + steps * channels);
    }
  }
  p.tokenizer_ = features::Tokenizer::fit(fit_texts, features::TokenizerOptions{});
  p.tfidf_ = features::TfidfVectorizer::fit(fit_texts, 768);
  p.sensor_norm_ = features::SensorNormaliser::fit(fit_windows, p.sensor_);
  return p;
}

datasets::FeatureSpec FeaturePipeline::spec() const {
  datasets::FeatureSpec spec;
  spec.flavour = flavour_;
  spec.class_names = behavior_names();
  json mfcc_json = mfcc_params_;
  json sensor_json = sensor_;
  const int frames = mfcc_->num_frames(static_cast<size_t>(kAudioRateHz * kAudioSeconds));
  auto& vis = spec[Modality::Visual];
  auto& aud = spec[Modality::Audio];
  auto& txt = spec[Modality::Text];
  auto& sen = spec[Modality::Sensor];
  vis.params = {{"input", flavour_ == datasets::Flavour::Vectors ? "descriptor" : "frames"}, {"visual", visual_}};
  aud.params = {{"input", flavour_ == datasets::Flavour::Vectors ? "mfcc_stats" : "mfcc"},
                {"clip_s", kAudioSeconds}, {"mfcc", mfcc_json}};
  sen.params = {{"input", flavour_ == datasets::Flavour::Vectors ? "channel_stats" : "window"},
                {"sensor", sensor_json}, {"normalisation", sensor_norm_.to_json()}};
  if (flavour_ == datasets::Flavour::Vectors) {
    vis.shape = {visual_.vector_size()};
    aud.shape = {static_cast<int64_t>(features::kAudioStats) * mfcc_params_.n_mfcc};
    aud.params["stats"] = features::audio_stat_names();
    txt.shape = {tfidf_->dim()};
    txt.params = {{"input", "tfidf"}, {"tfidf", tfidf_->to_json()}};
    sen.shape = {sensor_.num_channels()};
  } else {
    vis.dtype = DType::UInt8;
    vis.shape = {visual_.frames, visual_.height, visual_.width};
    aud.shape = {frames, mfcc_params_.n_mfcc};  // time-major: [frames, n_mfcc]
    txt.dtype = DType::Int32;
    txt.shape = {tokenizer_->max_len()};
    txt.params = {{"input", "tokens"}, {"tokenizer", tokenizer_->to_json()}};
    sen.shape = {sensor_.steps, sensor_.num_channels()};
  }
  spec.validate();
  return spec;
}

void FeaturePipeline::fill_row(const RawMedia& m, const std::array<bool, 4>& present, datasets::Batch& b,
                               int64_t row) const {
  auto row_ptr = [&](Modality mod) {
    auto& a = b.input(mod);
    return static_cast<std::byte*>(a.data()) + row * a.row_bytes();
  };
  const bool vectors = flavour_ == datasets::Flavour::Vectors;
  auto copy = [](std::byte* dst, const auto& v) { std::memcpy(dst, v.data(), v.size() * sizeof(v[0])); };

  if (present[0]) {
    auto frames = features::frames_from_mats(m.clip, visual_);
    if (vectors) copy(row_ptr(Modality::Visual), features::visual_vector(frames.data(), visual_));
    else copy(row_ptr(Modality::Visual), frames);
  }
  if (present[1]) {
    auto c = mfcc_->compute(m.audio);  // n_mfcc x frames
    const int n_mfcc = mfcc_params_.n_mfcc, frames = static_cast<int>(c.size()) / n_mfcc;
    if (vectors) {
      copy(row_ptr(Modality::Audio), features::audio_vector(c.data(), n_mfcc, frames));
    } else {
      auto* dst = reinterpret_cast<float*>(row_ptr(Modality::Audio));
      for (int t = 0; t < frames; ++t)
        for (int k = 0; k < n_mfcc; ++k) dst[t * n_mfcc + k] = c[k * frames + t];
    }
  }
  if (present[2]) {
    if (vectors) tfidf_->transform(m.text, reinterpret_cast<float*>(row_ptr(Modality::Text)));
    else tokenizer_->encode(m.text, reinterpret_cast<int32_t*>(row_ptr(Modality::Text)));
  }
  if (present[3]) {
    auto w = features::resample_window(m.sensors, sensor_);
    if (vectors) {
      auto v = features::sensor_vector(w.data(), sensor_);
      sensor_norm_.normalise_vector(v.data());
      copy(row_ptr(Modality::Sensor), v);
    } else {
      sensor_norm_.normalise_window(w.data(), sensor_.steps);
      copy(row_ptr(Modality::Sensor), w);
    }
  }
}

}  // namespace storefuse::retailsim
