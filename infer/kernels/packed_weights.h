// The constant right operand of a Gemm or MatMul (the weights), prepared
// once at load as W [N, K]: row n holds the weights of output column n, K
// contiguous, in the precision the model stores them in (float32, float16,
// or int8 with a float scale and an optional zero point per output column).
// Float32 W is held in column panels (panel_gemm.h) and every product runs
// the panel GEMM. Int8 and float16 W are kept [N, K] as stored: products
// with up to kDotRows rows run the dot-product kernels over them (widened on
// the fly, never stored as float32); larger ones widen blocks of W to
// float32 for BLAS sgemm.
#pragma once

#include <map>
#include <vector>

#include "node.h"
#include "panel_gemm.h"

namespace storefuse::infer {

class PackedWeights {
 public:
  PackedWeights() = default;
  // From a float32 operand: [K, N] (transposed here once), or already
  // [N, K] when `nk` (shared, not copied).
  static PackedWeights from_float(const Tensor& b, bool nk);
  // From the reduced-precision storage the optimiser traced the operand to;
  // undefined when the layout is not one the kernels take (a scale along K,
  // a uint8 or int32 source): the caller then uses the float32 operand.
  static PackedWeights from_stored(const StoredWeights& stored, bool nk);
  // Input i of a node: from its stored form when the kernels take it, else
  // from its float32 value; undefined when neither is known at load time.
  static PackedWeights for_input(const Node& node, size_t i, bool nk);

  bool defined() const { return defined_; }
  int64_t n() const { return n_; }
  int64_t k() const { return k_; }
  DType format() const { return w_.defined() ? w_.dtype() : DType::Float32; }
  size_t bytes() const {
    return w_.defined() ? w_.nbytes() + (scale_.size() + zero_.size()) * sizeof(float) : panels_.bytes();
  }
  void held_storage(std::map<const void*, size_t>& storage) const {
    if (defined()) storage[w_.defined() ? w_.raw() : panels_.raw()] = bytes();
  }

  // C [m, N] = epilogue(A W^T) (GemmEpilogue: alpha, beta * C, bias per
  // column, Relu), A [m, K] with row stride lda (or stored transposed, [K,
  // m] with row stride lda, when trans_a). With `reference`, W is widened to
  // float32 and multiplied by the plain loops, the epilogue applied after.
  void multiply(const float* a, bool trans_a, int64_t lda, int64_t m, float* c, int64_t ldc,
                const GemmEpilogue& e, bool reference) const;

  // Rows [begin, end) of W as float32, (q - zero point) * scale for int8.
  void widen(int64_t begin, int64_t end, float* out) const;

 private:
  void dot_rows(const float* a, int64_t lda, int64_t m, int64_t begin, int64_t end, float alpha, float beta,
                float* c, int64_t ldc) const;

  bool defined_ = false;
  int64_t n_ = 0, k_ = 0;
  PanelWeights panels_;      // Float32
  Tensor w_;                 // [N, K]: Float16 or Int8
  std::vector<float> scale_;  // Int8: per output column (N entries)
  std::vector<float> zero_;   // Int8: per output column, empty when all zero
};

}  // namespace storefuse::infer
