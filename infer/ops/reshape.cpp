#include "reshape.h"

#include <algorithm>
#include <limits>

#include "shape_util.h"

namespace storefuse::infer {

namespace {

enum class Problem { None, TwoInferred, Negative, Overflow };

// A target shape read in order: the product of its sizes other than -1
// (saturating), where its -1 is, and the first problem met.
struct Target {
  Problem problem = Problem::None;
  int infer_at = -1;
  int64_t known = 1;
};

Target scan(const Shape& shape) {
  Target t;
  for (size_t i = 0; i < shape.size() && t.problem == Problem::None; ++i) {
    if (shape[i] == -1) {
      if (t.infer_at >= 0) t.problem = Problem::TwoInferred;
      t.infer_at = static_cast<int>(i);
    } else if (shape[i] < 0) {
      t.problem = Problem::Negative;
    } else if (__builtin_mul_overflow(t.known, shape[i], &t.known)) {  // found by the fuzz target
      t.known = std::numeric_limits<int64_t>::max();
      t.problem = Problem::Overflow;
    }
  }
  return t;
}

}  // namespace

Reshape::Reshape(const Node& node) : allow_zero_(node.attr_int("allowzero", 0) != 0) {
  if (node.constants.size() < 2 || !node.constants[1].defined()) return;
  const Shape shape = read_int_list(node.constants[1], node);
  Shape sizes = shape;  // a 0 that copies an input size counts as 1 here
  if (!allow_zero_) std::replace(sizes.begin(), sizes.end(), int64_t{0}, int64_t{1});
  const Target t = scan(sizes);
  if (t.problem == Problem::TwoInferred)
    throw node.error(ErrorKind::Model, "the target shape " + to_string(shape) + " has more than one -1");
  if (t.problem == Problem::Negative)
    throw node.error(ErrorKind::Model, "the target shape " + to_string(shape) + " has a negative size");
  if (t.known >= kMaxTensorBytes) {
    throw node.error(ErrorKind::Model,
                     "the target shape " + to_string(shape) + " has " +
                         (t.problem == Problem::Overflow ? "more than 2^63" : std::to_string(t.known)) +
                         " elements: no tensor this runtime holds is that large (under 1 TiB)",
                     "check the exporter's shape arithmetic");
  }
}

void Reshape::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  Shape shape = read_int_list(ctx.input(1), ctx.node);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 0 || allow_zero_) continue;
    if (i >= x.shape().size()) throw ctx.node.error(ErrorKind::Data, "0 in shape refers past the input's rank");
    shape[i] = x.shape()[i];
  }
  const Target t = scan(shape);
  if (t.problem == Problem::TwoInferred) throw ctx.node.error(ErrorKind::Data, "shape has more than one -1");
  if (t.problem == Problem::Negative)
    throw ctx.node.error(ErrorKind::Data, "shape " + to_string(shape) + " has a negative dimension");
  if (t.problem == Problem::Overflow)
    throw ctx.node.error(ErrorKind::Data, "shape " + to_string(shape) + " has more elements than int64 holds");
  if (t.infer_at >= 0) shape[t.infer_at] = t.known == 0 ? 0 : x.numel() / t.known;
  if (numel(shape) != x.numel())
    throw ctx.node.error(ErrorKind::Data, "cannot reshape " + to_string(x.shape()) + " to " + to_string(shape));
  ctx.set_output(0, x.view(shape));
}

}  // namespace storefuse::infer
