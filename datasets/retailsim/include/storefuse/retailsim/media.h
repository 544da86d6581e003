// Raw media of a visit, rendered from its hidden variables: what a camera,
// a microphone, the POS system and the zone's IoT sensors would record.
// Each modality watches a different part of the visit: the video is a short
// glimpse, the audio one second near its end, the POS text the visit's log
// lines and the sensors a fixed window around it (docs/retailsim.md).
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "storefuse/features/sensor.h"
#include "storefuse/retailsim/world.h"

namespace storefuse::retailsim {

constexpr int kClipFrames = 16;    // rendered frames per clip
constexpr int kClipSize = 96;      // rendered frames are kClipSize x kClipSize BGR
constexpr double kClipFps = 4.0;   // a 4 s glimpse
constexpr int kAudioRateHz = 16000;
constexpr double kAudioSeconds = 1.0;

struct RawMedia {
  std::vector<cv::Mat> clip;  // kClipFrames BGR frames
  std::vector<float> audio;   // mono, kAudioRateHz
  std::string text;           // POS / interaction log lines
  features::SensorSeries sensors;
};

// All four, as the functions below make them.
RawMedia render_media(const RetailSimConfig& cfg, const StoreProfile& store, const Visit& v);

// kClipFrames BGR frames.
std::vector<cv::Mat> render_clip(const RetailSimConfig& cfg, const StoreProfile& store, const Visit& v);
// kAudioRateHz * kAudioSeconds samples in [-1, 1].
std::vector<float> synth_audio(const RetailSimConfig& cfg, const StoreProfile& store, const Visit& v);
// POS/interaction log lines joined by '\n'; empty when nothing was logged.
std::string synth_text(const RetailSimConfig& cfg, const StoreProfile& store, const Visit& v);
// Readings of the ten channels of features::SensorParams::retail_defaults(),
// about one per second over its window, with dropped readings as NaN.
features::SensorSeries synth_sensors(const RetailSimConfig& cfg, const StoreProfile& store, const Visit& v);

}  // namespace storefuse::retailsim
