// The hog_motion_v1 descriptor; the layout is documented in visual.h and
// docs/features.md (Visual).
#include <algorithm>
#include <cmath>
#include <string>

#include "storefuse/core/error.h"
#include "storefuse/features/visual.h"

namespace storefuse::features {
namespace {

// Unsigned orientation bins without trigonometry per pixel: fold the
// gradient into the upper half plane (theta in [0, pi)); then
// bin = floor(theta * bins / pi) is the number of bin edges phi_k = k * pi / bins
// that theta has reached, and theta >= phi_k exactly when the cross product
// gy * cos(phi_k) - gx * sin(phi_k) is >= 0. Counting the edges over a whole
// row at a time lets the compiler vectorise it.
struct OrientationEdges {
  explicit OrientationEdges(int bins) : bins(bins) {
    for (int k = 1; k < bins; ++k) {
      cos.push_back(static_cast<float>(std::cos(k * 3.14159265358979323846 / bins)));
      sin.push_back(static_cast<float>(std::sin(k * 3.14159265358979323846 / bins)));
    }
  }
  int bins;
  std::vector<float> cos, sin;
};

// Per-row scratch for gradient_histogram.
struct RowScratch {
  explicit RowScratch(int w, int cell_w) : gx(w), gy(w), mag(w), bin(w), cell(w) {
    for (int x = 0; x < w; ++x) cell[x] = x / cell_w;
  }
  std::vector<float> gx, gy, mag;
  std::vector<int> bin, cell;
};

// Adds each pixel's gradient magnitude of `img` (h x w, row-major) to its
// cell's orientation bin: hist[(cy * grid + cx) * bins + bin]. Central
// differences inside, one-sided at the border (replicated edge pixels).
void gradient_histogram(const float* img, int h, int w, int grid, const OrientationEdges& edges,
                        RowScratch& s, float* hist) {
  const int cell_h = h / grid, bins = edges.bins;
  float *gx = s.gx.data(), *gy = s.gy.data(), *mag = s.mag.data();
  int* bin = s.bin.data();
  for (int y = 0; y < h; ++y) {
    const float* row = img + static_cast<size_t>(y) * w;
    const float* up = img + static_cast<size_t>(std::max(y - 1, 0)) * w;
    const float* down = img + static_cast<size_t>(std::min(y + 1, h - 1)) * w;
    for (int x = 0; x < w; ++x) {
      float dx = row[std::min(x + 1, w - 1)] - row[std::max(x - 1, 0)];
      float dy = down[x] - up[x];
      bool flip = dy < 0 || (dy == 0 && dx < 0);
      gx[x] = flip ? -dx : dx;
      gy[x] = flip ? -dy : dy;
      mag[x] = std::sqrt(dx * dx + dy * dy);
      bin[x] = 0;
    }
    for (size_t k = 0; k < edges.cos.size(); ++k) {
      const float c = edges.cos[k], sn = edges.sin[k];
      for (int x = 0; x < w; ++x) bin[x] += gy[x] * c - gx[x] * sn >= 0;
    }
    float* cell_row = hist + static_cast<size_t>(y / cell_h) * grid * bins;
    for (int x = 0; x < w; ++x) {
      if (mag[x] > 0) cell_row[s.cell[x] * bins + bin[x]] += mag[x];
    }
  }
}

void l2_normalise(float* v, int n) {
  double ss = 0;
  for (int i = 0; i < n; ++i) ss += static_cast<double>(v[i]) * v[i];
  if (ss == 0) return;  // a flat frame keeps an all-zero histogram
  float inv = static_cast<float>(1.0 / std::sqrt(ss));
  for (int i = 0; i < n; ++i) v[i] *= inv;
}

void to_unit(const uint8_t* frame, size_t px, float* out) {
  for (size_t i = 0; i < px; ++i) out[i] = frame[i] * (1.0f / 255.0f);
}

}  // namespace

// What computing parts needs, allocated once per descriptor (or per memo).
struct VisualWork {
  explicit VisualWork(const VisualParams& p)
      : p(p), px(static_cast<size_t>(p.frame_pixels())), app_edges(p.appearance_bins), mot_edges(p.motion_bins),
        scratch(p.width, p.width / p.grid), cur(px), prev(px), diff(px) {}
  const VisualParams p;
  const size_t px;
  const OrientationEdges app_edges, mot_edges;
  RowScratch scratch;
  std::vector<float> cur, prev, diff;

  int cells() const { return p.grid * p.grid; }
  float cell_px() const { return static_cast<float>((p.height / p.grid) * (p.width / p.grid)); }

  // The frame's L2-normalised appearance histogram: cells * appearance_bins.
  std::vector<float> appearance(const uint8_t* frame) {
    std::vector<float> hist(static_cast<size_t>(cells()) * p.appearance_bins, 0.0f);
    to_unit(frame, px, cur.data());
    gradient_histogram(cur.data(), p.height, p.width, p.grid, app_edges, scratch, hist.data());
    l2_normalise(hist.data(), static_cast<int>(hist.size()));
    return hist;
  }
  // The difference image's histogram (cells * motion_bins), then each
  // cell's mean |difference| (cells).
  std::vector<float> motion(const uint8_t* before, const uint8_t* after) {
    const int n_mot = cells() * p.motion_bins, G = p.grid, W = p.width, ch = p.height / G;
    std::vector<float> out(static_cast<size_t>(n_mot + cells()), 0.0f);
    to_unit(before, px, prev.data());
    to_unit(after, px, cur.data());
    for (size_t i = 0; i < px; ++i) diff[i] = cur[i] - prev[i];
    gradient_histogram(diff.data(), p.height, W, G, mot_edges, scratch, out.data());
    float* energy = out.data() + n_mot;
    for (int y = 0; y < p.height; ++y) {
      const int cy = y / ch;
      for (int x = 0; x < W; ++x) energy[cy * G + scratch.cell[x]] += std::fabs(diff[static_cast<size_t>(y) * W + x]);
    }
    for (int c = 0; c < cells(); ++c) energy[c] /= cell_px();
    return out;
  }

  // The descriptor from each frame's appearance part and each consecutive
  // pair's motion part, added up in frame order.
  std::vector<float> combine(const std::vector<const std::vector<float>*>& appearance,
                             const std::vector<const std::vector<float>*>& motion) const {
    const int T = p.frames, cells = this->cells();
    const int n_app = cells * p.appearance_bins, n_mot = cells * p.motion_bins;
    const float cell_px = this->cell_px();
    std::vector<float> out(p.vector_size(), 0.0f);
    float* app = out.data();
    float* motion_hog = app + n_app;
    float* motion_stats = motion_hog + n_mot;
    for (int t = 0; t < T; ++t) {
      const float* hist = appearance[static_cast<size_t>(t)]->data();
      for (int i = 0; i < n_app; ++i) app[i] += hist[i] / T;
    }
    const int pairs = T - 1;
    if (pairs < 1) return out;  // a single frame has no motion: both motion parts stay 0
    // e[c * pairs + k]: mean |D_k| over cell c.
    std::vector<float> energy(static_cast<size_t>(cells) * pairs);
    for (int k = 0; k < pairs; ++k) {
      const float* part = motion[static_cast<size_t>(k)]->data();
      for (int i = 0; i < n_mot; ++i) motion_hog[i] += part[i] / (cell_px * pairs);
      for (int c = 0; c < cells; ++c) energy[static_cast<size_t>(c) * pairs + k] = part[n_mot + c];
    }
    const int half = pairs / 2;  // first half: pairs [0, half); second: [half, pairs)
    for (int c = 0; c < cells; ++c) {
      const float* e = energy.data() + static_cast<size_t>(c) * pairs;
      double sum = 0, sum_t = 0, first = 0, second = 0;
      float mx = e[0], mn = e[0];
      int moving = 0;
      for (int k = 0; k < pairs; ++k) {
        sum += e[k];
        sum_t += static_cast<double>(k) * e[k];
        (k < half ? first : second) += e[k];
        mx = std::max(mx, e[k]);
        mn = std::min(mn, e[k]);
        moving += e[k] > p.motion_threshold;
      }
      double mean = sum / pairs, var = 0;
      for (int k = 0; k < pairs; ++k) var += (e[k] - mean) * (e[k] - mean);
      float* s = motion_stats + c * VisualParams::kMotionStats;
      s[0] = static_cast<float>(mean);
      s[1] = static_cast<float>(std::sqrt(var / pairs));
      s[2] = mx;
      s[3] = mn;
      // Where in the window the motion happened; 0.5 (no preference) when still.
      s[4] = sum > 0 && pairs > 1 ? static_cast<float>(sum_t / sum / (pairs - 1)) : 0.5f;
      s[5] = half > 0 ? static_cast<float>(first / half) : static_cast<float>(mean);
      s[6] = static_cast<float>(second / (pairs - half));
      s[7] = static_cast<float>(moving) / pairs;
    }
    return out;
  }
};

std::vector<float> visual_vector(const uint8_t* frames, const VisualParams& p) {
  validate(p);
  VisualWork work(p);
  const size_t px = work.px;
  std::vector<std::vector<float>> app, mot;
  for (int t = 0; t < p.frames; ++t) {
    app.push_back(work.appearance(frames + t * px));
    if (t > 0) mot.push_back(work.motion(frames + (t - 1) * px, frames + t * px));
  }
  std::vector<const std::vector<float>*> a, m;
  for (const auto& v : app) a.push_back(&v);
  for (const auto& v : mot) m.push_back(&v);
  return work.combine(a, m);
}

VisualMemo::VisualMemo(const VisualParams& p, size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
  validate(p);
  work_ = std::make_unique<VisualWork>(p);
}

VisualMemo::~VisualMemo() = default;

const VisualParams& VisualMemo::params() const { return work_->p; }

uint64_t VisualMemo::hits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hits_;
}

uint64_t VisualMemo::misses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return misses_;
}

std::vector<float> VisualMemo::vector(const uint8_t* frames, const std::vector<uint64_t>& keys) {
  const VisualParams& p = work_->p;
  const size_t px = work_->px;
  if (keys.size() != static_cast<size_t>(p.frames))
    throw Error(ErrorKind::Runtime, std::to_string(keys.size()) + " frame keys for " + std::to_string(p.frames) + " frames",
                "visual features");
  std::lock_guard<std::mutex> lock(mutex_);
  ++clock_;
  auto find = [&](auto& map, const auto& key, auto&& compute) -> const std::vector<float>* {
    auto it = map.find(key);
    if (it == map.end()) {
      ++misses_;
      it = map.emplace(key, Entry{compute(), 0}).first;
    } else {
      ++hits_;
    }
    it->second.used = clock_;
    return &it->second.value;
  };
  std::vector<const std::vector<float>*> a, m;
  for (int t = 0; t < p.frames; ++t) {
    a.push_back(find(appearance_, keys[static_cast<size_t>(t)], [&] { return work_->appearance(frames + t * px); }));
    if (t > 0)
      m.push_back(find(motion_, std::make_pair(keys[static_cast<size_t>(t - 1)], keys[static_cast<size_t>(t)]),
                       [&] { return work_->motion(frames + (t - 1) * px, frames + t * px); }));
  }
  std::vector<float> out = work_->combine(a, m);
  // The least recently used go: this window's entries all carry clock_.
  auto evict = [&](auto& map) {
    while (map.size() > capacity_) {
      auto oldest = map.begin();
      for (auto it = map.begin(); it != map.end(); ++it)
        if (it->second.used < oldest->second.used) oldest = it;
      if (oldest->second.used == clock_) break;
      map.erase(oldest);
    }
  };
  evict(appearance_);
  evict(motion_);
  return out;
}

}  // namespace storefuse::features
