// Per-tensor or per-axis quantization parameters shared by QuantizeLinear and
// DequantizeLinear.
#pragma once

#include "op.h"

namespace storefuse::infer {

struct QuantAxis {
  int64_t channels = 1;  // scale entries (1: per tensor)
  int64_t inner = 1;     // elements per channel step
  // The scale / zero-point index of element i.
  int64_t channel(int64_t i) const { return channels == 1 ? 0 : (i / inner) % channels; }
};

// Checks that scale (and zero point) are scalars or 1-D along `axis` of x.
QuantAxis quant_axis(const OpContext& ctx, int64_t axis);

}  // namespace storefuse::infer
