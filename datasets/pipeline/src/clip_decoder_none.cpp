#include "storefuse/core/error.h"
#include "storefuse/pipeline/clip_decoder.h"

namespace storefuse::pipeline {

std::vector<uint8_t> decode_clip(const std::filesystem::path& file, const features::VisualParams&) {
  throw Error(ErrorKind::Unsupported, "this build of storefuse decodes no video (built without OpenCV)", file.string(),
              "leave the sample's video cell empty (visual input missing, mask 0), or use a build with "
              "STOREFUSE_WITH_OPENCV=ON");
}

bool decodes_video() { return false; }

}  // namespace storefuse::pipeline
