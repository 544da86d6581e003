#include <opencv2/videoio.hpp>

#include "storefuse/core/error.h"
#include "storefuse/features/video.h"
#include "storefuse/pipeline/clip_decoder.h"

namespace storefuse::pipeline {

std::vector<uint8_t> decode_clip(const std::filesystem::path& file, const features::VisualParams& p) {
  return features::read_clip(file, p);
}

std::vector<uint8_t> decode_clip_bytes(std::string_view bytes, const features::VisualParams& p) {
  return features::read_clip_bytes(bytes, p);
}

std::vector<uint8_t> decode_images(const std::vector<std::string>& images, const features::VisualParams& p) {
  return features::frames_from_images(images, p);
}

std::vector<uint8_t> decode_image(std::string_view image, const features::VisualParams& p) {
  std::vector<uint8_t> gray(static_cast<size_t>(p.frame_pixels()));
  features::image_to_gray(image, p, gray.data(), "the frame");
  return gray;
}

std::vector<std::string> encode_clip_frames(const std::filesystem::path& file, const std::string& ext, double& fps) {
  return features::encode_clip_frames(file, ext, fps);
}

struct FrameSource::Impl {
  cv::VideoCapture capture;
  features::VisualParams params;
  cv::Mat frame;
};

FrameSource::FrameSource(const std::string& url, const features::VisualParams& p)
    : impl_(std::make_unique<Impl>(Impl{{}, p, {}})) {
  if (!impl_->capture.open(url)) {
    throw Error(ErrorKind::Io, "cannot open the video source", url,
                "check the file or URL and that OpenCV has a backend for it (FFmpeg, GStreamer)");
  }
}

FrameSource::~FrameSource() = default;

bool FrameSource::next(double& position_s, std::vector<uint8_t>& gray) {
  if (!impl_->capture.read(impl_->frame) || impl_->frame.empty()) return false;
  position_s = impl_->capture.get(cv::CAP_PROP_POS_MSEC) / 1000.0;
  gray.resize(static_cast<size_t>(impl_->params.frame_pixels()));
  features::preprocess_frame(impl_->frame, impl_->params, gray.data());
  return true;
}

double FrameSource::fps() const { return impl_->capture.get(cv::CAP_PROP_FPS); }

bool decodes_video() { return true; }

}  // namespace storefuse::pipeline
