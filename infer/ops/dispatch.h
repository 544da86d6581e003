// Calls a generic kernel with the C++ type matching a runtime element type.
// Types outside the kernel's list raise Unsupported, naming the node, so a
// kernel never computes on a type it was not written for.
#pragma once

#include "node.h"

namespace storefuse::infer {

inline Error unsupported_dtype(const Node& node, DType dtype, const char* role = "input") {
  return node.error(ErrorKind::Unsupported,
                    std::string(role) + " type " + to_string(dtype) + " is not supported",
                    "see docs/operators.md for the types each op accepts");
}

// dispatch<float, int64_t>(dtype, node, [&](auto zero) { using T = decltype(zero); ... });
template <class... Ts, class F>
void dispatch(DType dtype, const Node& node, F&& f) {
  bool done = ((dtype == dtype_of<Ts>() ? (f(Ts{}), true) : false) || ...);
  if (!done) throw unsupported_dtype(node, dtype);
}

}  // namespace storefuse::infer
