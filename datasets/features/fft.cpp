#include "storefuse/features/fft.h"

#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "fft_simd.h"
#include "storefuse/core/error.h"

namespace storefuse::features {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Radix order: 8 and 4 first (cheapest per point, fewest passes), then 2, 3,
// 5, then any other prime, which gets the O(p^2) generic butterfly.
std::vector<int> factorize(int m) {
  std::vector<int> radices;
  while (m % 8 == 0) radices.push_back(8), m /= 8;
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

using simd::at;
using simd::L;
using simd::Lanes;
using simd::splat;

struct Cx {
  Lanes re, im;
};
inline Cx operator+(Cx a, Cx b) { return {a.re + b.re, a.im + b.im}; }
inline Cx operator-(Cx a, Cx b) { return {a.re - b.re, a.im - b.im}; }
inline Cx operator*(float k, Cx a) { return {k * a.re, k * a.im}; }
inline Cx times_minus_i(Cx a) { return {a.im, -a.re}; }
inline Cx twiddle(Cx a, Lanes wr, Lanes wi) { return {a.re * wr - a.im * wi, a.re * wi + a.im * wr}; }

// One Stockham stage of radix P over sub-transforms of length g*P, s of them
// side by side. Butterfly j of sub-transform q reads elements
// q + s*(j + r*g), r < P, and writes q + s*(P*j + u), u < P, output u scaled
// by the twiddle w^(j*u). Element e is the kLanes floats at e * kLanes.
struct Pass {
  const float *xr, *xi;
  float *yr, *yi;
  int s, g;
  const float *twr, *twi;  // P-1 twiddles per butterfly j

  Cx in(int j, int r, int q) const {
    const std::size_t e = q + static_cast<std::size_t>(s) * (j + r * g);
    return {at(xr, e), at(xi, e)};
  }
  void out(int p, int j, int u, int q, Cx v) const {
    const std::size_t e = q + static_cast<std::size_t>(s) * (p * j + u);
    at(yr, e) = v.re;
    at(yi, e) = v.im;
  }
};

// The twiddles of butterfly j, broadcast once for all s sub-transforms.
template <int P>
struct Twiddles {
  Lanes re[P - 1], im[P - 1];
  Twiddles(const Pass& st, int j) {
    for (int u = 0; u < P - 1; ++u) {
      re[u] = splat(st.twr[j * (P - 1) + u]);
      im[u] = splat(st.twi[j * (P - 1) + u]);
    }
  }
  Cx operator()(int u, Cx v) const { return twiddle(v, re[u - 1], im[u - 1]); }
};

STOREFUSE_SIMD_KERNEL void radix2(const Pass& st) {
  for (int j = 0; j < st.g; ++j) {
    const Twiddles<2> w(st, j);
    for (int q = 0; q < st.s; ++q) {
      const Cx a0 = st.in(j, 0, q), a1 = st.in(j, 1, q);
      st.out(2, j, 0, q, a0 + a1);
      st.out(2, j, 1, q, w(1, a0 - a1));
    }
  }
}

STOREFUSE_SIMD_KERNEL void radix3(const Pass& st) {
  const float h = static_cast<float>(std::sqrt(3.0) / 2);  // sin(2*pi/3)
  for (int j = 0; j < st.g; ++j) {
    const Twiddles<3> w(st, j);
    for (int q = 0; q < st.s; ++q) {
      const Cx a0 = st.in(j, 0, q), a1 = st.in(j, 1, q), a2 = st.in(j, 2, q);
      const Cx t = a1 + a2;
      const Cx m = a0 - 0.5f * t;
      const Cx d = h * times_minus_i(a1 - a2);
      st.out(3, j, 0, q, a0 + t);
      st.out(3, j, 1, q, w(1, m + d));
      st.out(3, j, 2, q, w(2, m - d));
    }
  }
}

STOREFUSE_SIMD_KERNEL void radix4(const Pass& st) {
  for (int j = 0; j < st.g; ++j) {
    const Twiddles<4> w(st, j);
    for (int q = 0; q < st.s; ++q) {
      const Cx a0 = st.in(j, 0, q), a1 = st.in(j, 1, q), a2 = st.in(j, 2, q), a3 = st.in(j, 3, q);
      const Cx t0 = a0 + a2, t1 = a0 - a2, t2 = a1 + a3, t3 = times_minus_i(a1 - a3);
      st.out(4, j, 0, q, t0 + t2);
      st.out(4, j, 1, q, w(1, t1 + t3));
      st.out(4, j, 2, q, w(2, t0 - t2));
      st.out(4, j, 3, q, w(3, t1 - t3));
    }
  }
}

// Radix 8 as two 4-point DFTs (even and odd inputs) joined by w8^k:
//   X[k] = E[k] + w8^k O[k],  X[k+4] = E[k] - w8^k O[k],  w8 = exp(-2*pi*i/8).
STOREFUSE_SIMD_KERNEL void radix8(const Pass& st) {
  const float h = static_cast<float>(std::sqrt(0.5));
  auto dft4 = [](Cx b0, Cx b1, Cx b2, Cx b3, Cx* y) {
    const Cx t0 = b0 + b2, t1 = b0 - b2, t2 = b1 + b3, t3 = times_minus_i(b1 - b3);
    y[0] = t0 + t2, y[1] = t1 + t3, y[2] = t0 - t2, y[3] = t1 - t3;
  };
  for (int j = 0; j < st.g; ++j) {
    const Twiddles<8> w(st, j);
    for (int q = 0; q < st.s; ++q) {
      Cx e[4], o[4];
      dft4(st.in(j, 0, q), st.in(j, 2, q), st.in(j, 4, q), st.in(j, 6, q), e);
      dft4(st.in(j, 1, q), st.in(j, 3, q), st.in(j, 5, q), st.in(j, 7, q), o);
      o[1] = h * Cx{o[1].re + o[1].im, o[1].im - o[1].re};     // x (1 - i) / sqrt 2
      o[2] = times_minus_i(o[2]);                              // x -i
      o[3] = h * Cx{o[3].im - o[3].re, -(o[3].re + o[3].im)};  // x (-1 - i) / sqrt 2
      st.out(8, j, 0, q, e[0] + o[0]);
      st.out(8, j, 4, q, w(4, e[0] - o[0]));
      for (int k = 1; k < 4; ++k) {
        st.out(8, j, k, q, w(k, e[k] + o[k]));
        st.out(8, j, k + 4, q, w(k + 4, e[k] - o[k]));
      }
    }
  }
}

STOREFUSE_SIMD_KERNEL void radix5(const Pass& st) {
  const float c1 = static_cast<float>(std::cos(2 * kPi / 5)), c2 = static_cast<float>(std::cos(4 * kPi / 5));
  const float s1 = static_cast<float>(std::sin(2 * kPi / 5)), s2 = static_cast<float>(std::sin(4 * kPi / 5));
  for (int j = 0; j < st.g; ++j) {
    const Twiddles<5> w(st, j);
    for (int q = 0; q < st.s; ++q) {
      const Cx a0 = st.in(j, 0, q), a1 = st.in(j, 1, q), a2 = st.in(j, 2, q), a3 = st.in(j, 3, q),
               a4 = st.in(j, 4, q);
      const Cx t1 = a1 + a4, t2 = a2 + a3, t3 = a1 - a4, t4 = a2 - a3;
      const Cx m1 = a0 + c1 * t1 + c2 * t2, m2 = a0 + c2 * t1 + c1 * t2;
      const Cx n1 = times_minus_i(s1 * t3 + s2 * t4), n2 = times_minus_i(s2 * t3 - s1 * t4);
      st.out(5, j, 0, q, a0 + t1 + t2);
      st.out(5, j, 1, q, w(1, m1 + n1));
      st.out(5, j, 2, q, w(2, m2 + n2));
      st.out(5, j, 3, q, w(3, m2 - n2));
      st.out(5, j, 4, q, w(4, m1 - n1));
    }
  }
}

// Any prime radix p: a plain p-point DFT per butterfly, O(p) work per point.
// Only lengths with a prime factor above 5 get here.
STOREFUSE_SIMD_KERNEL void radix_generic(const Pass& st, int p, const float* root_r, const float* root_i) {
  for (int j = 0; j < st.g; ++j) {
    for (int q = 0; q < st.s; ++q) {
      for (int u = 0; u < p; ++u) {
        Cx acc = st.in(j, 0, q);
        for (int r = 1; r < p; ++r) {
          const int k = static_cast<int>(static_cast<long long>(r) * u % p);
          acc = acc + twiddle(st.in(j, r, q), splat(root_r[k]), splat(root_i[k]));
        }
        if (u > 0) {
          const int t = (p - 1) * j + u - 1;
          acc = twiddle(acc, splat(st.twr[t]), splat(st.twi[t]));
        }
        st.out(p, j, u, q, acc);
      }
    }
  }
}

// Z is the complex FFT of z[j] = x[2j] + i*x[2j+1], m = n/2. Split it into
// the transforms of the even and odd samples,
//   E[k] = (Z[k] + conj Z[m-k]) / 2,  O[k] = -i (Z[k] - conj Z[m-k]) / 2,
// and combine them: X[k] = E[k] + exp(-2*pi*i*k/n) O[k], k = 0..m.
STOREFUSE_SIMD_KERNEL void split_real(const float* zr, const float* zi, int m, const float* wr,
                                      const float* wi, float* re, float* im) {
  for (int k = 0; k <= m; ++k) {
    const int ka = k == m ? 0 : k, kb = k == 0 ? 0 : m - k;
    const Cx a{at(zr, ka), at(zi, ka)};
    const Cx b{at(zr, kb), at(zi, kb)};
    const Cx even{0.5f * (a.re + b.re), 0.5f * (a.im - b.im)};
    const Cx odd = times_minus_i({0.5f * (a.re - b.re), 0.5f * (a.im + b.im)});
    const Cx x = even + twiddle(odd, splat(wr[k]), splat(wi[k]));
    at(re, k) = x.re;
    at(im, k) = x.im;
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
    const Pass a{re, im, re2, im2, st.stride, st.groups,
                 twiddle_re_.data() + st.twiddle, twiddle_im_.data() + st.twiddle};
    switch (st.radix) {
      case 2: radix2(a); break;
      case 3: radix3(a); break;
      case 4: radix4(a); break;
      case 5: radix5(a); break;
      case 8: radix8(a); break;
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
    at(zr, j) = at(in, 2 * j);
    at(zi, j) = at(in, 2 * j + 1);
  }
  forward_packed(re, im, scratch);
}

void RealFft::forward_packed(float* re, float* im, float* scratch) const {
  if (n_ % 2 != 0) {
    throw Error(ErrorKind::Runtime, "RealFft::forward_packed needs an even length, got " + std::to_string(n_),
                "fft", "call forward() for odd lengths");
  }
  const std::size_t len = static_cast<std::size_t>(m_) * L;
  const float *fr = nullptr, *fi = nullptr;
  complex_fft(scratch, scratch + len, scratch + 2 * len, scratch + 3 * len, &fr, &fi);
  split_real(fr, fi, m_, post_re_.data(), post_im_.data(), re, im);
}

}  // namespace storefuse::features
