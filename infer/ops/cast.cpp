#include "cast.h"

#include <limits>
#include <type_traits>

#include "dispatch.h"
#include "onnx_types.h"

namespace storefuse::infer {

namespace {

template <class To, class From>
To convert(From x) {
  if constexpr (std::is_same_v<From, Float16>) {
    return convert<To>(to_float(x));
  } else if constexpr (std::is_same_v<To, Float16>) {
    return to_float16(static_cast<float>(x));
  } else if constexpr (std::is_same_v<To, bool>) {
    return x != From{0};
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    // Out of range (or NaN) is undefined in ONNX and in C++: saturate, NaN -> 0
    // (found by the fuzz target under UBSan).
    if (!(x == x)) return To{0};
    if (x <= static_cast<From>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (x >= static_cast<From>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(x);
  } else {
    return static_cast<To>(x);
  }
}

}  // namespace

Cast::Cast(const Node& node) {
  int64_t code = node.attr_int("to", 0);
  auto dtype = dtype_from_onnx(code);
  if (!dtype)
    throw node.error(ErrorKind::Unsupported, "cast to " + onnx_type_name(code) + " is not supported",
                     "see docs/operators.md for the supported types");
  to_ = *dtype;
}

void Cast::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  Tensor& out = ctx.output(0, to_, x.shape());
  const int64_t n = x.numel();
  dispatch<float, int64_t, int32_t, uint8_t, int8_t, bool, Float16>(x.dtype(), ctx.node, [&](auto from_zero) {
    using From = decltype(from_zero);
    dispatch<float, int64_t, int32_t, uint8_t, int8_t, bool, Float16>(to_, ctx.node, [&](auto to_zero) {
      using To = decltype(to_zero);
      const From* in = x.data<From>();
      To* o = out.data<To>();
      for (int64_t i = 0; i < n; ++i) o[i] = convert<To>(in[i]);
    });
  });
}

}  // namespace storefuse::infer
