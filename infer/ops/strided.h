// Strided copies shared by the data-movement ops (Transpose, Slice, Expand).
#pragma once

#include "shape_util.h"

namespace storefuse::infer {

// out[i] = in[offset + sum(index_d(i) * in_strides[d])] over out's shape.
// Works for every element type: only the element size matters.
void copy_strided(const Tensor& in, Tensor& out, const std::vector<int64_t>& in_strides, int64_t offset = 0);

}  // namespace storefuse::infer
