#include "storefuse/features/video.h"
#include "storefuse/pipeline/clip_decoder.h"

namespace storefuse::pipeline {

std::vector<uint8_t> decode_clip(const std::filesystem::path& file, const features::VisualParams& p) {
  return features::read_clip(file, p);
}

bool decodes_video() { return true; }

}  // namespace storefuse::pipeline
