// A missing test peer (ONNX Runtime, python3-torch, h5py, chromium): locally
// the test skips and says why; in CI (CI=true) it fails, so that a broken
// setup cannot pass as a green run.
//
//   if (!have_h5py()) STOREFUSE_MISSING_PEER("python3 with h5py is not installed");
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

namespace storefuse::testing {

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::strcmp(ci, "true") == 0;
}

}  // namespace storefuse::testing

#define STOREFUSE_MISSING_PEER(why)                                         \
  do {                                                                      \
    if (::storefuse::testing::in_ci()) {                                    \
      FAIL() << "CI=true, and a test peer is missing: " << why;             \
    } else {                                                                \
      GTEST_SKIP() << why;                                                  \
    }                                                                       \
  } while (0)
