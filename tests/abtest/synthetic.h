// Synthetic prediction and label files for the A/B tests: n samples over
// `classes`, model A right with probability acc_a, B with acc_b, per sample.
#pragma once

#include <algorithm>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storefuse/abtest/random.h"

namespace storefuse::abtest::testing {

struct SyntheticSpec {
  int n = 600;
  std::vector<std::string> classes = {"browse", "pick_up", "compare", "purchase"};
  double acc_a = 0.70, acc_b = 0.70;
  double dwell_noise_a = 5.0, dwell_noise_b = 5.0;
  int stores = 3;
  int customers = 300;
  uint64_t seed = 1;
  bool latency = false;
  double latency_b_scale = 1.0;
  std::string slow_store_for_b;  // B is always wrong on this store, if set
};

// One directory per process: ctest -j runs the tests of a fixture in parallel
// processes, which must not share (and delete) each other's files.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("storefuse_abtest_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Writes a.csv, b.csv and labels.csv into dir.
inline void write_synthetic(const std::filesystem::path& dir, const SyntheticSpec& s) {
  Rng rng(s.seed);
  const size_t c = s.classes.size();
  std::ofstream la(dir / "labels.csv"), fa(dir / "a.csv"), fb(dir / "b.csv");
  la << "sample_id,behavior,dwell_s,engagement,store_id,camera_id,missing_modality,customer_id\n";
  std::string header = "sample_id";
  for (const auto& k : s.classes) header += ",p_" + k;
  header += ",dwell_s,engagement";
  if (s.latency) header += ",latency_ms";
  fa << header << "\n";
  fb << header << "\n";
  for (int i = 0; i < s.n; ++i) {
    const size_t y = rng.index(c);
    const double dwell = 5 + 60 * rng.uniform(), eng = rng.uniform();
    const std::string store = "s" + std::to_string(rng.index(uint64_t(s.stores)));
    la << "id" << i << "," << s.classes[y] << "," << dwell << "," << eng << "," << store << ",cam"
       << rng.index(2) << "," << (rng.bernoulli(0.2) ? "audio" : "none") << ",c" << rng.index(uint64_t(s.customers)) << "\n";
    for (int m = 0; m < 2; ++m) {
      bool right = rng.bernoulli(m == 0 ? s.acc_a : s.acc_b);
      if (m == 1 && store == s.slow_store_for_b) right = false;
      const size_t pred = right ? y : (y + 1 + rng.index(c - 1)) % c;
      const double conf = 0.4 + 0.5 * rng.uniform();
      std::ofstream& f = m == 0 ? fa : fb;
      f << "id" << i;
      for (size_t k = 0; k < c; ++k) f << "," << (k == pred ? conf : (1 - conf) / double(c - 1));
      const double noise = m == 0 ? s.dwell_noise_a : s.dwell_noise_b;
      f << "," << dwell + noise * rng.normal() << "," << std::clamp(eng + 0.2 * rng.normal(), 0.0, 1.0);
      if (s.latency) f << "," << (m == 0 ? 1.0 : s.latency_b_scale) * (4 + rng.uniform());
      f << "\n";
    }
  }
}

}  // namespace storefuse::abtest::testing
