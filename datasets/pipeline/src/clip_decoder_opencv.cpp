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

bool decodes_video() { return true; }

}  // namespace storefuse::pipeline
