#include "storefuse/pipeline/feature_pipeline.h"

#include <cstring>

#include "storefuse/core/error.h"
#include "storefuse/features/audio_vector.h"

namespace storefuse::pipeline {

using datasets::DType;
using datasets::Flavour;
using datasets::Modality;

namespace {

size_t clip_samples(const PipelineParams& p) {
  return static_cast<size_t>(std::llround(p.clip_s * p.mfcc.sample_rate_hz));
}

// params[key] of one modality, or an Unsupported error saying what is missing.
const json& param(const datasets::ModalitySpec& m, Modality mod, const char* key) {
  if (!m.params.contains(key)) {
    throw Error(ErrorKind::Unsupported,
                std::string("the feature spec's ") + datasets::to_string(mod) + " params have no '" + key + "'",
                std::string("feature_spec.modalities.") + datasets::to_string(mod) + ".params",
                "use the spec of a dataset written by storefuse datagen or storefuse ingest (or a model trained on one)");
  }
  return m.params.at(key);
}

void expect_input(const datasets::ModalitySpec& m, Modality mod, bool vectors, const char* vec, const char* seq) {
  const std::string want = vectors ? vec : seq;
  if (param(m, mod, "input") != want) {
    throw Error(ErrorKind::Unsupported,
                std::string("the ") + datasets::to_string(mod) + " input '" + param(m, mod, "input").dump() +
                    "' is not one storefuse builds from raw files under this flavour (expected '" + want + "')",
                std::string("feature_spec.modalities.") + datasets::to_string(mod) + ".params.input",
                "use the spec of a dataset written by storefuse datagen or storefuse ingest");
  }
}

}  // namespace

FeaturePipeline::FeaturePipeline(const datasets::FeatureSpec& spec) {
  const bool vectors = spec.flavour == Flavour::Vectors;
  const auto& vis = spec[Modality::Visual];
  const auto& aud = spec[Modality::Audio];
  const auto& txt = spec[Modality::Text];
  const auto& sen = spec[Modality::Sensor];
  try {
    expect_input(vis, Modality::Visual, vectors, "descriptor", "frames");
    expect_input(aud, Modality::Audio, vectors, "mfcc_stats", "mfcc");
    expect_input(txt, Modality::Text, vectors, "tfidf", "tokens");
    expect_input(sen, Modality::Sensor, vectors, "channel_stats", "window");
    params_.visual = param(vis, Modality::Visual, "visual").get<features::VisualParams>();
    params_.mfcc = param(aud, Modality::Audio, "mfcc").get<features::MfccParams>();
    params_.clip_s = param(aud, Modality::Audio, "clip_s").get<double>();
    params_.sensor = param(sen, Modality::Sensor, "sensor").get<features::SensorParams>();
    sensor_norm_ = features::SensorNormaliser::from_json(param(sen, Modality::Sensor, "normalisation"),
                                                         params_.sensor.num_channels());
    if (vectors) tfidf_ = features::TfidfVectorizer::from_json(param(txt, Modality::Text, "tfidf"));
    else tokenizer_ = features::Tokenizer::from_json(param(txt, Modality::Text, "tokenizer"));
  } catch (const json::exception& e) {
    throw Error(ErrorKind::Data, std::string("the feature spec's extractor params do not parse: ") + e.what(),
                "feature_spec", "use the spec of a dataset written by storefuse datagen or storefuse ingest");
  }
  if (!(params_.clip_s > 0)) {
    throw Error(ErrorKind::Data, "clip_s must be > 0", "feature_spec.modalities.audio.params.clip_s", "");
  }
  mfcc_.emplace(params_.mfcc);
  spec_.flavour = spec.flavour;
  spec_.class_names = spec.class_names;
  build_spec();
  // What the params make must be what the spec says it stores.
  for (Modality m : datasets::kModalities) {
    if (spec_[m].shape != spec[m].shape || spec_[m].dtype != spec[m].dtype) {
      throw Error(ErrorKind::Data,
                  std::string("the spec's ") + datasets::to_string(m) + " shape or dtype disagrees with its params",
                  std::string("feature_spec.modalities.") + datasets::to_string(m),
                  "the spec was edited by hand or made by another tool; take it from the dataset datagen/ingest wrote");
    }
  }
  spec_ = spec;
}

FeaturePipeline FeaturePipeline::fit(Flavour flavour, const PipelineParams& params,
                                     std::vector<std::string> class_names, const std::vector<SampleMedia>& train) {
  FeaturePipeline fx;
  fx.params_ = params;
  fx.mfcc_.emplace(params.mfcc);
  std::vector<std::string> texts;
  std::vector<float> windows;
  for (const auto& s : train) {
    if (s.present[static_cast<int>(Modality::Text)]) texts.push_back(s.text);
    if (s.present[static_cast<int>(Modality::Sensor)]) {
      windows.insert(windows.end(), s.sensor_window.begin(), s.sensor_window.end());
    }
  }
  fx.tokenizer_ = features::Tokenizer::fit(texts, features::TokenizerOptions{});
  fx.tfidf_ = features::TfidfVectorizer::fit(texts, 768);
  fx.sensor_norm_ = features::SensorNormaliser::fit(windows, params.sensor);
  fx.spec_.flavour = flavour;
  fx.spec_.class_names = std::move(class_names);
  fx.build_spec();
  return fx;
}

FeaturePipeline FeaturePipeline::with_flavour(Flavour flavour) const {
  if ((flavour == Flavour::Vectors && !tfidf_) || (flavour == Flavour::Sequences && !tokenizer_)) {
    throw Error(ErrorKind::Usage, std::string("the feature spec is for ") + datasets::to_string(spec_.flavour) +
                                      " and cannot make " + datasets::to_string(flavour),
                "--flavour", "leave --flavour out when giving --spec");
  }
  FeaturePipeline fx = *this;
  fx.spec_.flavour = flavour;
  fx.build_spec();
  return fx;
}

// The spec every dataset of this flavour carries, whether RetailSim's datagen
// or ingest wrote it: a dataset ingested from emitted media equals the
// generated one.
void FeaturePipeline::build_spec() {
  const bool vectors = spec_.flavour == Flavour::Vectors;
  const auto& p = params_;
  auto& vis = spec_[Modality::Visual];
  auto& aud = spec_[Modality::Audio];
  auto& txt = spec_[Modality::Text];
  auto& sen = spec_[Modality::Sensor];
  json mfcc_json = p.mfcc, sensor_json = p.sensor;
  vis.params = {{"input", vectors ? "descriptor" : "frames"}, {"visual", p.visual}};
  aud.params = {{"input", vectors ? "mfcc_stats" : "mfcc"}, {"clip_s", p.clip_s}, {"mfcc", mfcc_json}};
  sen.params = {{"input", vectors ? "channel_stats" : "window"},
                {"sensor", sensor_json},
                {"normalisation", sensor_norm_->to_json()}};
  if (vectors) {
    vis.dtype = aud.dtype = txt.dtype = DType::Float32;
    vis.shape = {p.visual.vector_size()};
    aud.shape = {static_cast<int64_t>(features::kAudioStats) * p.mfcc.n_mfcc};
    aud.params["stats"] = features::audio_stat_names();
    txt.shape = {tfidf_->dim()};
    txt.params = {{"input", "tfidf"}, {"tfidf", tfidf_->to_json()}};
    sen.shape = {p.sensor.num_channels()};
  } else {
    vis.dtype = DType::UInt8;
    vis.shape = {p.visual.frames, p.visual.height, p.visual.width};
    aud.dtype = DType::Float32;
    aud.shape = {mfcc_->num_frames(clip_samples(p)), p.mfcc.n_mfcc};  // time-major
    txt.dtype = DType::Int32;
    txt.shape = {tokenizer_->max_len()};
    txt.params = {{"input", "tokens"}, {"tokenizer", tokenizer_->to_json()}};
    sen.shape = {p.sensor.steps, p.sensor.num_channels()};
  }
  sen.dtype = DType::Float32;
  spec_.validate();
}

void FeaturePipeline::fill_row(const SampleMedia& m, datasets::Batch& b, int64_t row) const {
  auto row_ptr = [&](Modality mod) {
    auto& a = b.input(mod);
    return static_cast<std::byte*>(a.data()) + row * a.row_bytes();
  };
  auto has = [&](Modality mod) { return m.present[static_cast<int>(mod)]; };
  auto copy = [](std::byte* dst, const auto& v) { std::memcpy(dst, v.data(), v.size() * sizeof(v[0])); };
  const bool vectors = spec_.flavour == Flavour::Vectors;
  for (int k = 0; k < datasets::kNumModalities; ++k) b.mask[row * datasets::kNumModalities + k] = m.present[k];

  if (has(Modality::Visual)) {
    if (!vectors) {
      copy(row_ptr(Modality::Visual), m.frames);
    } else if (m.visual_memo) {
      if (!(m.visual_memo->params() == params_.visual))
        throw Error(ErrorKind::Runtime, "the visual memo has other params than the feature spec", "visual features");
      copy(row_ptr(Modality::Visual), m.visual_memo->vector(m.frames.data(), m.frame_keys));
    } else {
      copy(row_ptr(Modality::Visual), features::visual_vector(m.frames.data(), params_.visual));
    }
  }
  if (has(Modality::Audio)) {
    auto c = mfcc_->compute(m.audio);  // n_mfcc x frames
    const int n_mfcc = params_.mfcc.n_mfcc, frames = static_cast<int>(c.size()) / n_mfcc;
    if (vectors) {
      copy(row_ptr(Modality::Audio), features::audio_vector(c.data(), n_mfcc, frames));
    } else {
      auto* dst = reinterpret_cast<float*>(row_ptr(Modality::Audio));
      for (int t = 0; t < frames; ++t)
        for (int k = 0; k < n_mfcc; ++k) dst[t * n_mfcc + k] = c[k * frames + t];
    }
  }
  if (has(Modality::Text)) {
    if (vectors) tfidf_->transform(m.text, reinterpret_cast<float*>(row_ptr(Modality::Text)));
    else tokenizer_->encode(m.text, reinterpret_cast<int32_t*>(row_ptr(Modality::Text)));
  }
  if (has(Modality::Sensor)) {
    std::vector<float> w = m.sensor_window;
    if (vectors) {
      auto v = features::sensor_vector(w.data(), params_.sensor);
      sensor_norm_->normalise_vector(v.data());
      copy(row_ptr(Modality::Sensor), v);
    } else {
      sensor_norm_->normalise_window(w.data(), params_.sensor.steps);
      copy(row_ptr(Modality::Sensor), w);
    }
  }
}

}  // namespace storefuse::pipeline
