// Visual features: a clip becomes T grayscale frames [T, H, W] uint8 (the
// `sequences` input) and a 2048-value descriptor (the seed model's `visual`
// vector). The dataset builder, RetailSim and the runtime all go through
// these functions, so a clip read from disk and a clip rendered in memory are
// treated alike.
//
//   VisualParams p;                                   // 16 frames of 64x64
//   std::vector<uint8_t> frames = read_clip("zone3.avi", p);  // T*H*W (video.h)
//   std::vector<float> v = visual_vector(frames.data(), p);   // 2048
//
// This header needs no OpenCV; decoding video and preprocessing decoded
// frames (OpenCV) are in video.h, library storefuse_video.
//
// The descriptor (docs/features.md, Visual) has three parts over a G x G grid
// of cells, frames scaled to 0..1:
//   appearance  G*G*appearance_bins: per frame, a histogram of unsigned
//               gradient orientations weighted by magnitude in each cell, the
//               frame's whole histogram L2-normalised; averaged over frames.
//   motion HOG  G*G*motion_bins: the same histogram of each difference image
//               D_t = F_{t+1} - F_t, divided by the cell's pixel count (not
//               normalised, so its scale is the amount of motion); averaged.
//   motion stats G*G*8: from e_t = mean |D_t| over a cell: mean, std, max,
//               min, temporal centroid (0..1), mean of the first half of the
//               pairs, mean of the second half, fraction with e_t > threshold.
// Values are cell-major: part offset + (cell_y * G + cell_x) * bins + bin.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "storefuse/core/json.h"

namespace storefuse::features {

struct VisualParams {
  int frames = 16;          // T: frames sampled evenly over the window
  int height = 64;          // H, W: frames are resized to this (INTER_AREA)
  int width = 64;
  double window_s = 0.0;    // seconds from the clip's start to sample from; 0 = whole clip
  int grid = 8;             // G: cells per side; H and W must be multiples of it
  int appearance_bins = 16; // orientation bins over 0..pi, appearance part
  int motion_bins = 8;      // orientation bins over 0..pi, motion HOG part
  double motion_threshold = 0.02;  // e_t above this counts as "moving" (pixel units 0..1)

  int frame_pixels() const { return height * width; }
  int vector_size() const { return grid * grid * (appearance_bins + motion_bins + kMotionStats); }
  bool operator==(const VisualParams& o) const;

  static constexpr int kMotionStats = 8;
};

// Throws storefuse::Error (Config) naming the first bad field.
void validate(const VisualParams& p);
// Every field, plus "descriptor": "hog_motion_v1" and "vector_size", so a
// feature spec says what produced its vector. from_json rejects unknown keys.
void to_json(json& j, const VisualParams& p);
void from_json(const json& j, VisualParams& p);

// Indices of `count` frames spread evenly over `available` frames: frame
// floor((i + 0.5) * available / count). Repeats frames when available < count.
std::vector<int> sample_frame_indices(int available, int count);

// The descriptor of T*H*W frames: p.vector_size() floats (2048 by default).
std::vector<float> visual_vector(const uint8_t* frames, const VisualParams& p);

struct VisualWork;  // the parts' computation (visual_descriptor.cpp)

// visual_vector for windows that share frames, as a stream's sliding windows
// do: each frame's appearance part and each consecutive pair's motion part
// are computed once and kept, by the frame's key, for the `capacity` frames
// and pairs used last (about 6.3 KB each at the default params). The caller
// keys frames (a stream: the capture time's bits, one frame per capture
// time); equal keys must mean equal pixels. vector() then equals
// visual_vector() bit for bit: the same parts, added up in the same order.
// Thread-safe; one window at a time.
class VisualMemo {
 public:
  VisualMemo(const VisualParams& p, size_t capacity);  // Error(Config) for bad params
  ~VisualMemo();
  VisualMemo(const VisualMemo&) = delete;
  VisualMemo& operator=(const VisualMemo&) = delete;

  // T*H*W frames, as visual_vector, and T keys; Error(Runtime) for another count.
  std::vector<float> vector(const uint8_t* frames, const std::vector<uint64_t>& keys);
  const VisualParams& params() const;
  uint64_t hits() const;    // parts found, over both kinds
  uint64_t misses() const;  // parts computed

 private:
  using Key = uint64_t;
  struct Entry {
    std::vector<float> value;
    uint64_t used;
  };
  mutable std::mutex mutex_;
  std::unique_ptr<VisualWork> work_;
  std::map<Key, Entry> appearance_;
  std::map<std::pair<Key, Key>, Entry> motion_;
  size_t capacity_;
  uint64_t clock_ = 0, hits_ = 0, misses_ = 0;
};

}  // namespace storefuse::features
