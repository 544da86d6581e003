#include "div.h"

#include <type_traits>

#include "elementwise.h"

namespace storefuse::infer {

void Div::run(OpContext& ctx) const {
  run_binary<float, int64_t, int32_t, uint8_t, int8_t>(ctx, [&](auto x, auto y) {
    if constexpr (std::is_integral_v<decltype(y)>) {
      if (y == 0) throw ctx.node.error(ErrorKind::Data, "integer division by zero");
    }
    return x / y;
  });
}

}  // namespace storefuse::infer
