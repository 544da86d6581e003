#include "global_average_pool.h"

#include "dispatch.h"
#include "shape_util.h"

namespace storefuse::infer {

void GlobalAveragePool::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  if (x.dtype() != DType::Float32) throw unsupported_dtype(ctx.node, x.dtype());
  if (x.rank() < 3) throw ctx.node.error(ErrorKind::Data, "expected [N, C, spatial...], got " + to_string(x.shape()));
  Shape shape(x.rank(), 1);
  shape[0] = x.dim(0);
  shape[1] = x.dim(1);
  const int64_t plane = span(x.shape(), 2, x.rank());
  const float* in = x.data<float>();
  float* out = ctx.output(0, DType::Float32, shape).data<float>();
  for (int64_t p = 0; p < shape[0] * shape[1]; ++p) {
    double sum = 0;
    for (int64_t i = 0; i < plane; ++i) sum += in[p * plane + i];
    out[p] = static_cast<float>(sum / static_cast<double>(plane));
  }
}

}  // namespace storefuse::infer
