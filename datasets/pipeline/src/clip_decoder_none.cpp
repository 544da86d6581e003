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

bool decodes_video() { return false; }

}  // namespace storefuse::pipeline
