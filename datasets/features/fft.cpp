#include "storefuse/features/fft.h"

#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "storefuse/core/error.h"

namespace storefuse::features {
namespace {

constexpr int L = RealFft::kLanes;
constexpr double kPi = 3.14159265358979323846;

// Radix order: 4 first (cheapest per point), then 2, 3, 5, then any other
// prime, which gets the O(p^2) generic butterfly.
std::vector<int> factorize(int m) {
  std::vector<int> radices;
  while (m % 4 == 0) radices.push_back(4), m /= 4;
  for (int p : {2, 3, 5}) {
    while (m % p == 0) radices.push_back(p), m /= p;
  }
  for (int p = 7; m > 1; p += 2) {
    if (static_cast<long long>(p) * p > m) p = m;  // what is left is prime
    while (m % p == 0) radices.push_back(p), m /= p;
  }
  return radices;
}

// One Stockham stage. Element e of a complex array is the kLanes floats at
// [e * L, e * L + L). Butterfly j of sub-transform q reads elements
// q + s * (j + r * g) for r < radix and writes q + s * (radix * j + u),
// scaled by the twiddle w^(j*u). For fixed j and r the s sub-transforms are
// adjacent, so the inner loops run over s * L contiguous floats.
struct StageArgs {
  const float *xr, *xi;
  float *yr, *yi;
  int s, g;
  const float *twr, *twi;
};

inline void twiddle(float& re, float& im, float wr, float wi) {
  const float t = re * wr - im * wi;
  im = re * wi + im * wr;
  re = t;
}

void radix2(const StageArgs& a) {
  const int n = a.s * L;
  for (int j = 0; j < a.g; ++j) {
    const float wr = a.twr[j], wi = a.twi[j];
    const float *x0r = a.xr + j * n, *x0i = a.xi + j * n;
    const float *x1r = x0r + a.g * n, *x1i = x0i + a.g * n;
    float *y0r = a.yr + 2 * j * n, *y0i = a.yi + 2 * j * n;
    float *y1r = y0r + n, *y1i = y0i + n;
    for (int i = 0; i < n; ++i) {
      y0r[i] = x0r[i] + x1r[i];
      y0i[i] = x0i[i] + x1i[i];
      float dr = x0r[i] - x1r[i], di = x0i[i] - x1i[i];
      twiddle(dr, di, wr, wi);
      y1r[i] = dr;
      y1i[i] = di;
    }
  }
}

void radix3(const StageArgs& a) {
  const float h = static_cast<float>(std::sqrt(3.0) / 2);  // sin(2*pi/3)
  const int n = a.s * L;
  const int step = a.g * n;
  for (int j = 0; j < a.g; ++j) {
    const float* w_r = a.twr + 2 * j;
    const float* w_i = a.twi + 2 * j;
    const float *x0r = a.xr + j * n, *x0i = a.xi + j * n;
    float *y0r = a.yr + 3 * j * n, *y0i = a.yi + 3 * j * n;
    for (int i = 0; i < n; ++i) {
      const float a0r = x0r[i], a0i = x0i[i];
      const float a1r = x0r[i + step], a1i = x0i[i + step];
      const float a2r = x0r[i + 2 * step], a2i = x0i[i + 2 * step];
      const float tr = a1r + a2r, ti = a1i + a2i;
      const float mr = a0r - 0.5f * tr, mi = a0i - 0.5f * ti;
      const float dr = h * (a1i - a2i), di = -h * (a1r - a2r);  // -i*h*(a1 - a2)
      float b1r = mr + dr, b1i = mi + di, b2r = mr - dr, b2i = mi - di;
      twiddle(b1r, b1i, w_r[0], w_i[0]);
      twiddle(b2r, b2i, w_r[1], w_i[1]);
      y0r[i] = a0r + tr;
      y0i[i] = a0i + ti;
      y0r[i + n] = b1r;
      y0i[i + n] = b1i;
      y0r[i + 2 * n] = b2r;
      y0i[i + 2 * n] = b2i;
    }
  }
}

void radix4(const StageArgs& a) {
  const int n = a.s * L;
  const int step = a.g * n;
  for (int j = 0; j < a.g; ++j) {
    const float* w_r = a.twr + 3 * j;
    const float* w_i = a.twi + 3 * j;
    const float *x0r = a.xr + j * n, *x0i = a.xi + j * n;
    float *y0r = a.yr + 4 * j * n, *y0i = a.yi + 4 * j * n;
    for (int i = 0; i < n; ++i) {
      const float a0r = x0r[i], a0i = x0i[i];
      const float a1r = x0r[i + step], a1i = x0i[i + step];
      const float a2r = x0r[i + 2 * step], a2i = x0i[i + 2 * step];
      const float a3r = x0r[i + 3 * step], a3i = x0i[i + 3 * step];
      const float t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
      const float t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1r - a3r, t3i = a1i - a3i;
      // b1 = t1 - i*t3, b3 = t1 + i*t3
      float b1r = t1r + t3i, b1i = t1i - t3r;
      float b2r = t0r - t2r, b2i = t0i - t2i;
      float b3r = t1r - t3i, b3i = t1i + t3r;
      twiddle(b1r, b1i, w_r[0], w_i[0]);
      twiddle(b2r, b2i, w_r[1], w_i[1]);
      twiddle(b3r, b3i, w_r[2], w_i[2]);
      y0r[i] = t0r + t2r;
      y0i[i] = t0i + t2i;
      y0r[i + n] = b1r;
      y0i[i + n] = b1i;
      y0r[i + 2 * n] = b2r;
      y0i[i + 2 * n] = b2i;
      y0r[i + 3 * n] = b3r;
      y0i[i + 3 * n] = b3i;
    }
  }
}

void radix5(const StageArgs& a) {
  const float c1 = static_cast<float>(std::cos(2 * kPi / 5));
  const float c2 = static_cast<float>(std::cos(4 * kPi / 5));
  const float s1 = static_cast<float>(std::sin(2 * kPi / 5));
  const float s2 = static_cast<float>(std::sin(4 * kPi / 5));
  const int n = a.s * L;
  const int step = a.g * n;
  for (int j = 0; j < a.g; ++j) {
    const float* w_r = a.twr + 4 * j;
    const float* w_i = a.twi + 4 * j;
    const float *x0r = a.xr + j * n, *x0i = a.xi + j * n;
    float *y0r = a.yr + 5 * j * n, *y0i = a.yi + 5 * j * n;
    for (int i = 0; i < n; ++i) {
      const float a0r = x0r[i], a0i = x0i[i];
      const float a1r = x0r[i + step], a1i = x0i[i + step];
      const float a2r = x0r[i + 2 * step], a2i = x0i[i + 2 * step];
      const float a3r = x0r[i + 3 * step], a3i = x0i[i + 3 * step];
      const float a4r = x0r[i + 4 * step], a4i = x0i[i + 4 * step];
      const float t1r = a1r + a4r, t1i = a1i + a4i, t3r = a1r - a4r, t3i = a1i - a4i;
      const float t2r = a2r + a3r, t2i = a2i + a3i, t4r = a2r - a3r, t4i = a2i - a3i;
      const float m1r = a0r + c1 * t1r + c2 * t2r, m1i = a0i + c1 * t1i + c2 * t2i;
      const float m2r = a0r + c2 * t1r + c1 * t2r, m2i = a0i + c2 * t1i + c1 * t2i;
      // n1 = -i*(s1*t3 + s2*t4), n2 = -i*(s2*t3 - s1*t4)
      const float n1r = s1 * t3i + s2 * t4i, n1i = -(s1 * t3r + s2 * t4r);
      const float n2r = s2 * t3i - s1 * t4i, n2i = -(s2 * t3r - s1 * t4r);
      float b1r = m1r + n1r, b1i = m1i + n1i, b4r = m1r - n1r, b4i = m1i - n1i;
      float b2r = m2r + n2r, b2i = m2i + n2i, b3r = m2r - n2r, b3i = m2i - n2i;
      twiddle(b1r, b1i, w_r[0], w_i[0]);
      twiddle(b2r, b2i, w_r[1], w_i[1]);
      twiddle(b3r, b3i, w_r[2], w_i[2]);
      twiddle(b4r, b4i, w_r[3], w_i[3]);
      y0r[i] = a0r + t1r + t2r;
      y0i[i] = a0i + t1i + t2i;
      y0r[i + n] = b1r;
      y0i[i + n] = b1i;
      y0r[i + 2 * n] = b2r;
      y0i[i + 2 * n] = b2i;
      y0r[i + 3 * n] = b3r;
      y0i[i + 3 * n] = b3i;
      y0r[i + 4 * n] = b4r;
      y0i[i + 4 * n] = b4i;
    }
  }
}

// Any prime radix p: a plain p-point DFT per butterfly, O(p) work per point.
// Only lengths with a prime factor above 5 get here.
void radix_generic(const StageArgs& a, int p, const float* root_r, const float* root_i) {
  const int n = a.s * L;
  const int step = a.g * n;
  for (int j = 0; j < a.g; ++j) {
    const float* x0r = a.xr + j * n;
    const float* x0i = a.xi + j * n;
    for (int u = 0; u < p; ++u) {
      float* yr = a.yr + (p * j + u) * n;
      float* yi = a.yi + (p * j + u) * n;
      std::memcpy(yr, x0r, n * sizeof(float));
      std::memcpy(yi, x0i, n * sizeof(float));
      for (int r = 1; r < p; ++r) {
        const int k = static_cast<int>(static_cast<long long>(r) * u % p);
        const float wr = root_r[k], wi = root_i[k];
        const float* xr = x0r + r * step;
        const float* xi = x0i + r * step;
        for (int i = 0; i < n; ++i) {
          yr[i] += xr[i] * wr - xi[i] * wi;
          yi[i] += xr[i] * wi + xi[i] * wr;
        }
      }
      if (u == 0) continue;
      const float wr = a.twr[(p - 1) * j + u - 1], wi = a.twi[(p - 1) * j + u - 1];
      for (int i = 0; i < n; ++i) twiddle(yr[i], yi[i], wr, wi);
    }
  }
}

}  // namespace

RealFft::RealFft(int n) : n_(n), m_(n % 2 == 0 ? n / 2 : n) {
  if (n < 1) {
    throw Error(ErrorKind::Config, "FFT length must be at least 1, got " + std::to_string(n),
                "fft", "set n_fft to a positive length");
  }
  auto push = [this](double angle) {
    twiddle_re_.push_back(static_cast<float>(std::cos(angle)));
    twiddle_im_.push_back(static_cast<float>(-std::sin(angle)));
  };
  int length = m_, stride = 1;
  for (int p : factorize(m_)) {
    Stage st{p, stride, length / p, twiddle_re_.size(), 0};
    for (int j = 0; j < st.groups; ++j) {
      for (int u = 1; u < p; ++u) push(2 * kPi * j * u / length);
    }
    if (p > 5) {
      st.roots = twiddle_re_.size();
      for (int r = 0; r < p; ++r) push(2 * kPi * r / p);
    }
    stages_.push_back(st);
    length /= p;
    stride *= p;
  }
  if (n % 2 == 0) {
    for (int k = 0; k <= m_; ++k) {
      post_re_.push_back(static_cast<float>(std::cos(2 * kPi * k / n)));
      post_im_.push_back(static_cast<float>(-std::sin(2 * kPi * k / n)));
    }
  }
}

void RealFft::complex_fft(float* re, float* im, float* re2, float* im2,
                          const float** out_re, const float** out_im) const {
  for (const Stage& st : stages_) {
    StageArgs a{re, im, re2, im2, st.stride, st.groups,
                twiddle_re_.data() + st.twiddle, twiddle_im_.data() + st.twiddle};
    switch (st.radix) {
      case 2: radix2(a); break;
      case 3: radix3(a); break;
      case 4: radix4(a); break;
      case 5: radix5(a); break;
      default:
        radix_generic(a, st.radix, twiddle_re_.data() + st.roots, twiddle_im_.data() + st.roots);
    }
    std::swap(re, re2);
    std::swap(im, im2);
  }
  *out_re = re;
  *out_im = im;
}

void RealFft::forward(const float* in, float* re, float* im, float* scratch) const {
  const std::size_t len = static_cast<std::size_t>(m_) * L;
  float* zr = scratch;
  float* zi = scratch + len;
  const float *fr = nullptr, *fi = nullptr;

  if (n_ % 2 != 0) {
    std::memcpy(zr, in, len * sizeof(float));
    std::memset(zi, 0, len * sizeof(float));
    complex_fft(zr, zi, scratch + 2 * len, scratch + 3 * len, &fr, &fi);
    std::memcpy(re, fr, bins() * L * sizeof(float));
    std::memcpy(im, fi, bins() * L * sizeof(float));
    return;
  }

  // Pack pairs of real samples as one complex sample: z[j] = x[2j] + i*x[2j+1].
  for (int j = 0; j < m_; ++j) {
    std::memcpy(zr + j * L, in + 2 * j * L, L * sizeof(float));
    std::memcpy(zi + j * L, in + (2 * j + 1) * L, L * sizeof(float));
  }
  complex_fft(zr, zi, scratch + 2 * len, scratch + 3 * len, &fr, &fi);

  // Split Z into the transforms of the even and odd samples,
  //   E[k] = (Z[k] + conj Z[m-k]) / 2,  O[k] = -i (Z[k] - conj Z[m-k]) / 2,
  // and combine them: X[k] = E[k] + exp(-2*pi*i*k/n) O[k].
  for (int k = 0; k <= m_; ++k) {
    const float* ar = fr + (k % m_) * L;
    const float* ai = fi + (k % m_) * L;
    const float* br = fr + ((m_ - k) % m_) * L;
    const float* bi = fi + ((m_ - k) % m_) * L;
    const float wr = post_re_[k], wi = post_im_[k];
    for (int l = 0; l < L; ++l) {
      const float er = 0.5f * (ar[l] + br[l]), ei = 0.5f * (ai[l] - bi[l]);
      const float or_ = 0.5f * (ai[l] + bi[l]), oi = -0.5f * (ar[l] - br[l]);
      re[k * L + l] = er + or_ * wr - oi * wi;
      im[k * L + l] = ei + or_ * wi + oi * wr;
    }
  }
}

}  // namespace storefuse::features
