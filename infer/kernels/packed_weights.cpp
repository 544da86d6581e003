#include "packed_weights.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>

#include "dot_kernels.h"
#include "sgemm.h"

namespace storefuse::infer {

namespace {

// A 2-D tensor transposed, element by element (any element type).
Tensor transposed(const Tensor& t) {
  const int64_t rows = t.dim(0), cols = t.dim(1);
  const size_t size = dtype_size(t.dtype());
  Tensor out(t.dtype(), {cols, rows});
  const auto* in = static_cast<const uint8_t*>(t.raw());
  auto* o = static_cast<uint8_t*>(out.raw());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) std::copy_n(in + (i * cols + j) * size, size, o + (j * rows + i) * size);
  return out;
}

// Below this many multiply-adds a split across threads costs more than it saves.
constexpr int64_t kMinParallelWork = 1 << 17;
// Output columns per call of a dot kernel (its results go through a small
// buffer); the kernel prefetches the next rows only within one call.
constexpr int64_t kDotChunk = 256;

}  // namespace

PackedWeights PackedWeights::from_float(const Tensor& b, bool nk) {
  PackedWeights p;
  if (b.dtype() != DType::Float32 || b.rank() != 2) return p;
  p.n_ = nk ? b.dim(0) : b.dim(1);
  p.k_ = nk ? b.dim(1) : b.dim(0);
  p.panels_ = PanelWeights(b.data<float>(), p.n_, p.k_, nk);
  p.defined_ = true;
  return p;
}

PackedWeights PackedWeights::from_stored(const StoredWeights& stored, bool nk) {
  PackedWeights p;
  const Tensor& v = stored.values;
  if (!v.defined() || v.rank() != 2) return p;
  // W = values when the operand's orientation and the stored one agree.
  const bool as_stored = nk != stored.transposed;
  if (v.dtype() == DType::Float16 && !stored.scale.defined()) {
    p.w_ = as_stored ? v : transposed(v);
    p.n_ = p.w_.dim(0);
    p.k_ = p.w_.dim(1);
    p.defined_ = true;
    return p;
  }
  if (v.dtype() != DType::Int8 || !stored.scale.defined() || stored.scale.dtype() != DType::Float32) return p;
  const Tensor& zero = stored.zero_point;
  if (zero.defined() && (zero.dtype() != DType::Int8 || zero.numel() != stored.scale.numel())) return p;
  const int64_t n = as_stored ? v.dim(0) : v.dim(1);
  const bool per_tensor = stored.scale.numel() == 1 && stored.scale.rank() <= 1 && (stored.scale.rank() == 0 || n == 1);
  const int64_t n_axis = as_stored ? 0 : 1;
  if (!per_tensor && (stored.scale.rank() != 1 || stored.axis != n_axis || stored.scale.numel() != n)) return p;
  const float* s = stored.scale.data<float>();
  p.scale_.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p.scale_[i] = s[per_tensor ? 0 : i];
  if (zero.defined()) {
    const int8_t* z = zero.data<int8_t>();
    if (std::any_of(z, z + zero.numel(), [](int8_t x) { return x != 0; })) {
      p.zero_.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) p.zero_[i] = z[per_tensor ? 0 : i];
    }
  }
  p.w_ = as_stored ? v : transposed(v);
  p.n_ = p.w_.dim(0);
  p.k_ = p.w_.dim(1);
  p.defined_ = true;
  return p;
}

PackedWeights PackedWeights::for_input(const Node& node, size_t i, bool nk) {
  if (const StoredWeights* stored = node.stored_weights(i)) {
    PackedWeights p = from_stored(*stored, nk);
    if (p.defined()) return p;
  }
  const Tensor* value = node.constant(i);
  return value ? from_float(*value, nk) : PackedWeights();
}

void PackedWeights::widen(int64_t begin, int64_t end, float* out) const {
  const int64_t k = this->k();
  if (!w_.defined()) {
    panels_.unpack(begin, end, out);
    return;
  }
  for (int64_t r = begin; r < end; ++r, out += k) {
    switch (w_.dtype()) {
      case DType::Float16: {
        const Float16* w = w_.data<Float16>() + r * k;
        for (int64_t p = 0; p < k; ++p) out[p] = to_float(w[p]);
        break;
      }
      default: {
        const int8_t* w = w_.data<int8_t>() + r * k;
        const float z = zero_.empty() ? 0.0f : zero_[r], s = scale_[r];
        for (int64_t p = 0; p < k; ++p) out[p] = (static_cast<float>(w[p]) - z) * s;
      }
    }
  }
}

void PackedWeights::dot_rows(const float* a, int64_t lda, int64_t m, int64_t begin, int64_t end, float alpha,
                             float beta, float* c, int64_t ldc) const {
  const DotKernels& kernels = dot_kernels();
  const int64_t k = this->k();
  float sums[kDotRows] = {};  // of each A row, for the zero points
  for (int64_t r = 0; r < m && !zero_.empty(); ++r)
    for (int64_t p = 0; p < k; ++p) sums[r] += a[r * lda + p];
  float dots[kDotRows * kDotChunk];
  for (int64_t j = begin; j < end; j += kDotChunk) {
    const int64_t len = std::min(kDotChunk, end - j);
    if (w_.dtype() == DType::Float16) {
      kernels.f16(reinterpret_cast<const uint16_t*>(w_.data<Float16>()) + j * k, k, len, k, a, lda, m, dots,
                  kDotChunk);
    } else {
      kernels.i8(w_.data<int8_t>() + j * k, k, len, k, a, lda, m, dots, kDotChunk);
    }
    for (int64_t r = 0; r < m; ++r) {
      float* out = c + r * ldc + j;
      for (int64_t i = 0; i < len; ++i) {
        float v = dots[r * kDotChunk + i];
        if (!scale_.empty()) v = (zero_.empty() ? v : v - zero_[j + i] * sums[r]) * scale_[j + i];
        out[i] = alpha * v + (beta == 0 ? 0.0f : beta * out[i]);
      }
    }
  }
}

namespace {

// The part of the epilogue that follows alpha and beta: bias, then Relu.
void finish(float* c, int64_t ldc, int64_t m, int64_t n, const GemmEpilogue& e) {
  if (!e.bias && !e.relu) return;
  for (int64_t i = 0; i < m; ++i) {
    float* row = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) {
      float y = row[j] + (e.bias ? e.bias_scale * e.bias[j] : 0.0f);
      row[j] = e.relu && !(y > 0) ? 0.0f : y;
    }
  }
}

}  // namespace

void PackedWeights::multiply(const float* a, bool trans_a, int64_t lda, int64_t m, float* c, int64_t ldc,
                             const GemmEpilogue& e, bool reference) const {
  const int64_t n = this->n(), k = this->k();
  if (m == 0 || n == 0) return;
  const float alpha = e.alpha, beta = e.beta;
  if (reference) {
    std::vector<float> w(static_cast<size_t>(n * k));
    widen(0, n, w.data());
    sgemm_reference({trans_a, true, m, n, k, lda, k, ldc}, alpha, a, w.data(), beta, c);
    finish(c, ldc, m, n, e);
    return;
  }
  std::vector<float> rows;  // A made row-major when stored transposed
  if (trans_a) {
    rows.resize(static_cast<size_t>(m * k));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p) rows[i * k + p] = a[p * lda + i];
    a = rows.data();
    lda = k;
  }
  if (!w_.defined()) {
    panels_.multiply(a, lda, m, c, ldc, e);
    return;
  }
  // Every row through the dot kernels, kDotRows rows at a time: a row's
  // result is then the same whatever rows run with it (a request batched
  // with others gets the bits it gets alone). Measured on the seed network's
  // int8 variant, 1 thread: 5 rows 1.1 ms against 3.1 ms widening blocks of
  // W for sgemm, 64 rows about the same.
  const int threads = tbb::this_task_arena::max_concurrency();
  auto rows_from = [&](int64_t begin, int64_t end) {
    for (int64_t i = 0; i < m; i += kDotRows)
      dot_rows(a + i * lda, lda, std::min(kDotRows, m - i), begin, end, alpha, beta, c + i * ldc, ldc);
  };
  if (threads <= 1 || m * n * k < kMinParallelWork) {
    rows_from(0, n);
  } else {
    // Each thread reads its own share of W's rows.
    const int64_t grain = ((n + threads - 1) / threads + 15) / 16 * 16;
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, n, grain),
                      [&](const tbb::blocked_range<int64_t>& r) { rows_from(r.begin(), r.end()); });
  }
  finish(c, ldc, m, n, e);
}

}  // namespace storefuse::infer
