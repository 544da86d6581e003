// Forward DFT of real signals of any length n >= 1:
//   X[k] = sum_{t<n} x[t] exp(-2*pi*i*k*t/n),  k = 0..n/2.
// Mixed-radix Stockham FFT with radix 8/4/2/3/5 butterflies and a plain DFT
// butterfly for any other prime factor; even n runs as a complex FFT of
// length n/2 plus one post-processing pass. Twiddles are computed once, in
// double precision, when the plan is built.
#pragma once

#include <cstddef>
#include <vector>

namespace storefuse::features {

class RealFft {
 public:
  // Signals transformed by one forward() call. Samples are interleaved across
  // lanes, so every butterfly is one SIMD operation over the lanes whatever
  // the radix: 8 floats are two SSE registers or one AVX register.
  static constexpr int kLanes = 8;

  explicit RealFft(int n);  // throws storefuse::Error (Config) for n < 1

  int size() const { return n_; }
  int bins() const { return n_ / 2 + 1; }
  std::size_t scratch_floats() const { return 4 * static_cast<std::size_t>(m_) * kLanes; }

  // in:      size() * kLanes floats, sample t of lane l at in[t * kLanes + l].
  // re, im:  bins() * kLanes floats each, bin k of lane l at [k * kLanes + l].
  // scratch: scratch_floats() floats, owned by the caller so that one plan
  //          can serve several threads at once.
  void forward(const float* in, float* re, float* im, float* scratch) const;

  // Even n only, one pass fewer: the caller writes the input already packed
  // as pairs, sample 2j of each lane into packed_even(scratch)[j * kLanes + l]
  // and sample 2j+1 into packed_odd(scratch), then calls forward_packed,
  // which overwrites all of scratch. MFCC windows its frames straight into them.
  float* packed_even(float* scratch) const { return scratch; }
  float* packed_odd(float* scratch) const { return scratch + static_cast<std::size_t>(m_) * kLanes; }
  void forward_packed(float* re, float* im, float* scratch) const;

 private:
  struct Stage {
    int radix;
    int stride;        // sub-transforms already split off (product of earlier radices)
    int groups;        // butterflies per sub-transform: length / radix
    std::size_t twiddle;  // offset into twiddle_re_/twiddle_im_
    std::size_t roots;    // generic radix only: offset of exp(-2*pi*i*r/radix), r < radix
  };

  void complex_fft(float* re, float* im, float* re2, float* im2,
                   const float** out_re, const float** out_im) const;

  int n_;
  int m_;  // complex FFT length: n/2 for even n, n for odd n
  std::vector<Stage> stages_;
  std::vector<float> twiddle_re_, twiddle_im_;  // stage twiddles w^(j*u), u = 1..radix-1
  std::vector<float> post_re_, post_im_;        // even n: exp(-2*pi*i*k/n), k = 0..n/2
};

}  // namespace storefuse::features
