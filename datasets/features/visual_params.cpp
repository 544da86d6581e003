#include <string>

#include "storefuse/core/error.h"
#include "storefuse/features/visual.h"

namespace storefuse::features {
namespace {

constexpr const char* kDescriptor = "hog_motion_v1";

[[noreturn]] void bad(const std::string& field, const std::string& what) {
  throw Error(ErrorKind::Config, "visual." + field + ": " + what, "visual feature parameters",
              "see docs/features.md (Visual) for the valid ranges");
}

int positive_int(const json& j, const char* field) {
  if (!j.is_number_integer() || j.get<int64_t>() < 1) bad(field, "expected a positive integer, got " + j.dump());
  return j.get<int>();
}

double number(const json& j, const char* field) {
  if (!j.is_number()) bad(field, "expected a number, got " + j.dump());
  return j.get<double>();
}

}  // namespace

bool VisualParams::operator==(const VisualParams& o) const {
  return frames == o.frames && height == o.height && width == o.width && window_s == o.window_s &&
         grid == o.grid && appearance_bins == o.appearance_bins && motion_bins == o.motion_bins &&
         motion_threshold == o.motion_threshold;
}

void validate(const VisualParams& p) {
  if (p.frames < 1) bad("frames", "must be >= 1, got " + std::to_string(p.frames));
  if (p.height < 1 || p.width < 1) bad("height/width", "must be >= 1");
  if (p.grid < 1) bad("grid", "must be >= 1, got " + std::to_string(p.grid));
  if (p.height % p.grid != 0 || p.width % p.grid != 0) {
    bad("grid", "height " + std::to_string(p.height) + " and width " + std::to_string(p.width) +
                    " must be multiples of the grid " + std::to_string(p.grid));
  }
  if (p.height / p.grid < 1 || p.width / p.grid < 1) bad("grid", "cells would be empty");
  if (p.appearance_bins < 1 || p.motion_bins < 1) bad("appearance_bins/motion_bins", "must be >= 1");
  if (!(p.window_s >= 0)) bad("window_s", "must be >= 0 (0 = whole clip)");
  if (!(p.motion_threshold >= 0)) bad("motion_threshold", "must be >= 0");
}

void to_json(json& j, const VisualParams& p) {
  j = json{{"descriptor", kDescriptor},   {"frames", p.frames},
           {"height", p.height},          {"width", p.width},
           {"window_s", p.window_s},      {"grid", p.grid},
           {"appearance_bins", p.appearance_bins}, {"motion_bins", p.motion_bins},
           {"motion_threshold", p.motion_threshold}, {"vector_size", p.vector_size()},
           {"pixel_scale", 1.0 / 255.0}};
}

void from_json(const json& j, VisualParams& p) {
  if (!j.is_object()) bad("", "expected a JSON object, got " + j.dump());
  VisualParams out;
  for (const auto& [key, value] : j.items()) {
    if (key == "frames") out.frames = positive_int(value, "frames");
    else if (key == "height") out.height = positive_int(value, "height");
    else if (key == "width") out.width = positive_int(value, "width");
    else if (key == "window_s") out.window_s = number(value, "window_s");
    else if (key == "grid") out.grid = positive_int(value, "grid");
    else if (key == "appearance_bins") out.appearance_bins = positive_int(value, "appearance_bins");
    else if (key == "motion_bins") out.motion_bins = positive_int(value, "motion_bins");
    else if (key == "motion_threshold") out.motion_threshold = number(value, "motion_threshold");
    else if (key == "descriptor") {
      if (value != kDescriptor) bad("descriptor", "unknown descriptor " + value.dump() + ", this build makes \"" + kDescriptor + "\"");
    } else if (key == "vector_size" || key == "pixel_scale") {
      // Derived values, written for readers of the spec; checked below.
    } else {
      bad(key, "unknown key");
    }
  }
  validate(out);
  if (j.contains("vector_size") && j["vector_size"] != out.vector_size()) {
    bad("vector_size", j["vector_size"].dump() + " does not match the parameters (" +
                           std::to_string(out.vector_size()) + ")");
  }
  p = out;
}

std::vector<int> sample_frame_indices(int available, int count) {
  std::vector<int> idx(count > 0 ? count : 0);
  for (int i = 0; i < count; ++i) {
    // Centre of the i-th of `count` equal slices: never the very first or last
    // frame of a long clip, where fades and cuts tend to be.
    idx[i] = static_cast<int>((i + 0.5) * available / count);
  }
  return idx;
}

}  // namespace storefuse::features
