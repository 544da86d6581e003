#include "storefuse/core/error.h"
#include "storefuse/pipeline/clip_decoder.h"

namespace storefuse::pipeline {

namespace {

[[noreturn]] void no_video(const std::string& where) {
  throw Error(ErrorKind::Unsupported, "this build of storefuse decodes no video (built without OpenCV)", where,
              "leave the sample's video out (visual input missing, mask 0), or use a build with "
              "STOREFUSE_WITH_OPENCV=ON");
}

}  // namespace

std::vector<uint8_t> decode_clip(const std::filesystem::path& file, const features::VisualParams&) {
  no_video(file.string());
}

std::vector<uint8_t> decode_clip_bytes(std::string_view, const features::VisualParams&) { no_video("the video"); }

std::vector<uint8_t> decode_images(const std::vector<std::string>&, const features::VisualParams&) {
  no_video("the frames");
}

std::vector<uint8_t> decode_image(std::string_view, const features::VisualParams&) { no_video("the frame"); }

std::vector<std::string> encode_clip_frames(const std::filesystem::path& file, const std::string&, double&) {
  no_video(file.string());
}

struct FrameSource::Impl {};

FrameSource::FrameSource(const std::string& url, const features::VisualParams&) { no_video(url); }
FrameSource::~FrameSource() = default;
bool FrameSource::next(double&, std::vector<uint8_t>&) { return false; }
double FrameSource::fps() const { return 0; }

bool decodes_video() { return false; }

}  // namespace storefuse::pipeline
