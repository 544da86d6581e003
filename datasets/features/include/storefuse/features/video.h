// Video decoding and frame preprocessing through OpenCV (library
// storefuse_video): the only part of the feature extractors that needs it.
// A build without OpenCV still has every other extractor, and the visual
// descriptor of frames decoded elsewhere (visual.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "storefuse/features/visual.h"

namespace storefuse::features {

// One decoded frame (BGR, BGRA or gray, any size) -> H x W gray uint8, written
// at `out`: cvtColor to gray, then resize with INTER_AREA.
void preprocess_frame(const cv::Mat& frame, const VisualParams& p, uint8_t* out);

// Frames already decoded (e.g. rendered by RetailSim): samples T of them and
// preprocesses each. Returns T*H*W bytes. Throws Error (Data) when empty.
std::vector<uint8_t> frames_from_mats(const std::vector<cv::Mat>& clip, const VisualParams& p);

// Decodes a video file with cv::VideoCapture (the first window_s seconds when
// window_s > 0, by the file's frame rate) and samples T frames. Throws Error
// (Io) when it cannot be opened, (Data) when it has no frames.
std::vector<uint8_t> read_clip(const std::filesystem::path& path, const VisualParams& p);

// A clip given as encoded images (JPEG, PNG: what cv::imdecode reads), in
// capture order: decoded, then sampled and preprocessed as frames_from_mats.
// Throws Error (Data) naming the image that does not decode.
std::vector<uint8_t> frames_from_images(const std::vector<std::string>& images, const VisualParams& p);

// One encoded image -> H x W gray at `out`, as frames_from_images treats each
// of its images; `name` goes into the error. Throws Error (Data) when it
// does not decode.
void image_to_gray(std::string_view image, const VisualParams& p, uint8_t* out, const std::string& name);

// Every frame of a video file as it decodes, encoded as `ext` images
// (".png": lossless, so decoding them gives back the same pixels; ".jpg"),
// with the file's frame rate (0 when unknown). A sender of frames uses it
// (storefuse-infer replay). Throws Error (Io) / (Data) as read_clip.
std::vector<std::string> encode_clip_frames(const std::filesystem::path& path, const std::string& ext, double& fps);

// A video file's bytes (a request's upload): written to a private temporary
// file, which cv::VideoCapture needs, decoded as read_clip, removed. Bytes
// that do not decode are Error (Data); Error (Io) only when the temporary
// file cannot be written.
std::vector<uint8_t> read_clip_bytes(std::string_view bytes, const VisualParams& p);

}  // namespace storefuse::features
