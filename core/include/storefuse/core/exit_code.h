// Exit codes shared by both executables: 0 success, 2 usage or config
// error, 1 anything else.
#pragma once

#include "storefuse/core/error.h"

namespace storefuse {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

inline int exit_code(ErrorKind kind) {
  return kind == ErrorKind::Usage || kind == ErrorKind::Config ? kExitUsage : kExitFailure;
}
inline int exit_code(const Error& e) { return exit_code(e.kind()); }

}  // namespace storefuse
