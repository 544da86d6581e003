// Decoding a video file into the T sampled gray frames of VisualParams: the
// feature pipeline's only use of OpenCV, chosen when the library is built.
// With OpenCV (STOREFUSE_WITH_OPENCV, the default) it is features::read_clip
// (cv::VideoCapture); without it a video is an Unsupported error naming the
// file, and every other modality still works.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "storefuse/features/visual.h"

namespace storefuse::pipeline {

// T*H*W bytes. Throws Error: Io (cannot open), Data (no frames),
// Unsupported (built without video decoding).
std::vector<uint8_t> decode_clip(const std::filesystem::path& file, const features::VisualParams& p);
// The same from a video file's bytes, and from encoded images in capture
// order (features::read_clip_bytes, features::frames_from_images).
std::vector<uint8_t> decode_clip_bytes(std::string_view bytes, const features::VisualParams& p);
std::vector<uint8_t> decode_images(const std::vector<std::string>& images, const features::VisualParams& p);

// Whether this build decodes video files.
bool decodes_video();

}  // namespace storefuse::pipeline
