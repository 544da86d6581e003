// Decoding a video file into the T sampled gray frames of VisualParams: the
// feature pipeline's only use of OpenCV, chosen when the library is built.
// With OpenCV (STOREFUSE_WITH_OPENCV, the default) it is features::read_clip
// (cv::VideoCapture); without it a video is an Unsupported error naming the
// file, and every other modality still works.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
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

// One encoded image (JPEG, PNG) -> H*W gray bytes, exactly as decode_images
// treats each of its images. Error(Data) when it does not decode.
std::vector<uint8_t> decode_image(std::string_view image, const features::VisualParams& p);

// Every frame of a video file, re-encoded as `ext` images (features::encode_clip_frames).
std::vector<std::string> encode_clip_frames(const std::filesystem::path& file, const std::string& ext, double& fps);

// Frames of a video file or URL (anything cv::VideoCapture opens: a file,
// rtsp://, a device), each preprocessed as decode_clip preprocesses its
// frames, with its position in the stream (seconds from its start).
class FrameSource {
 public:
  // Error(Io) when it cannot be opened, (Unsupported) without video decoding.
  FrameSource(const std::string& url, const features::VisualParams& p);
  ~FrameSource();
  FrameSource(const FrameSource&) = delete;
  FrameSource& operator=(const FrameSource&) = delete;
  // The next frame; false at the end of a file or when a live source fails.
  bool next(double& position_s, std::vector<uint8_t>& gray);
  double fps() const;  // as the container says; 0 when unknown

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether this build decodes video files.
bool decodes_video();

}  // namespace storefuse::pipeline
