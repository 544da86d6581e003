// The hog_motion_v1 descriptor; the layout is documented in visual.h and
// docs/features.md (Visual).
#include <algorithm>
#include <cmath>

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

}  // namespace

std::vector<float> visual_vector(const uint8_t* frames, const VisualParams& p) {
  validate(p);
  const int T = p.frames, H = p.height, W = p.width, G = p.grid, cells = G * G;
  const int n_app = cells * p.appearance_bins, n_mot = cells * p.motion_bins;
  const size_t px = static_cast<size_t>(H) * W;
  const float cell_px = static_cast<float>((H / G) * (W / G));
  std::vector<float> out(p.vector_size(), 0.0f);
  float* appearance = out.data();
  float* motion_hog = appearance + n_app;
  float* motion_stats = motion_hog + n_mot;

  const OrientationEdges app_edges(p.appearance_bins), mot_edges(p.motion_bins);
  RowScratch scratch(W, W / G);
  std::vector<float> cur(px), prev(px), diff(px), hist(std::max(n_app, n_mot));
  // e[c * pairs + t]: mean |D_t| over cell c.
  const int pairs = T - 1;
  std::vector<float> energy(static_cast<size_t>(cells) * std::max(pairs, 0), 0.0f);

  for (int t = 0; t < T; ++t) {
    const uint8_t* f = frames + t * px;
    for (size_t i = 0; i < px; ++i) cur[i] = f[i] * (1.0f / 255.0f);

    std::fill(hist.begin(), hist.begin() + n_app, 0.0f);
    gradient_histogram(cur.data(), H, W, G, app_edges, scratch, hist.data());
    l2_normalise(hist.data(), n_app);
    for (int i = 0; i < n_app; ++i) appearance[i] += hist[i] / T;

    if (t > 0) {
      const int k = t - 1;
      for (size_t i = 0; i < px; ++i) diff[i] = cur[i] - prev[i];
      std::fill(hist.begin(), hist.begin() + n_mot, 0.0f);
      gradient_histogram(diff.data(), H, W, G, mot_edges, scratch, hist.data());
      for (int i = 0; i < n_mot; ++i) motion_hog[i] += hist[i] / (cell_px * pairs);
      const int ch = H / G;
      for (int y = 0; y < H; ++y) {
        const int cy = y / ch;
        for (int x = 0; x < W; ++x) {
          energy[static_cast<size_t>(cy * G + scratch.cell[x]) * pairs + k] += std::fabs(diff[y * W + x]);
        }
      }
      for (int c = 0; c < cells; ++c) energy[static_cast<size_t>(c) * pairs + k] /= cell_px;
    }
    std::swap(cur, prev);
  }

  if (pairs < 1) return out;  // a single frame has no motion: both motion parts stay 0
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

}  // namespace storefuse::features
