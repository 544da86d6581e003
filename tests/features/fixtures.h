// Reads the torchaudio golden fixtures written by
// tests/fixtures/make_mfcc_fixtures.py (see its docstring for the layout).
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/json.h"

namespace fixtures {

inline std::string mfcc_dir() { return std::string(STOREFUSE_FIXTURES_DIR) + "/mfcc/"; }

inline storefuse::json mfcc_cases() {
  return storefuse::json::parse(storefuse::read_file(mfcc_dir() + "cases.json"));
}

// Raw little-endian floats of type T (float or double); the test hosts are
// little-endian, like the generator's "<f4"/"<f8".
template <typename T>
std::vector<T> read_raw(const std::string& file) {
  const std::string bytes = storefuse::read_file(mfcc_dir() + file);
  std::vector<T> out(bytes.size() / sizeof(T));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

}  // namespace fixtures
