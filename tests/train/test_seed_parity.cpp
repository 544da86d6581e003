// seed_fusion against the PyTorch original (tests/fixtures/seed_model.py):
// same weights, same inputs and mask, outputs within 1e-5.
#include <gtest/gtest.h>

#include "../peer.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "storefuse/train/seed_fusion.h"

using namespace storefuse::train;
namespace fs = std::filesystem;

TEST(SeedParity, ForwardMatchesPyTorch) {
  const fs::path dir = fs::temp_directory_path() / ("storefuse_seed_parity_" + std::to_string(getpid()));
  const std::string cmd = std::string("/usr/bin/python3 ") + STOREFUSE_SOURCE_DIR +
                          "/tests/fixtures/seed_model.py --export " + dir.string() + " > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) STOREFUSE_MISSING_PEER("python3-torch is not available: " << cmd);
  std::ifstream in(dir / "seed_reference.pt", std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  auto dict = torch::pickle_load(bytes).toGenericDict();
  auto get = [&](const std::string& key) { return dict.at(key).toTensor(); };

  SeedFusionImpl model;
  model.eval();
  {
    torch::NoGradGuard no_grad;
    for (auto& item : model.named_parameters()) item.value().copy_(get("param." + item.key()));
  }
  ModelInput input;
  const char* names[] = {"visual", "audio", "text", "sensor"};
  for (int m = 0; m < kNumModalities; ++m) input.inputs[m] = get(std::string("input.") + names[m]);
  input.mask = get("input.mask");
  auto out = model.forward(input);
  EXPECT_TRUE(torch::allclose(out.behavior_logits, get("output.behavior_logits"), 1e-5, 1e-5))
      << (out.behavior_logits - get("output.behavior_logits")).abs().max();
  EXPECT_TRUE(torch::allclose(out.dwell_s, get("output.dwell"), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(out.engagement, get("output.engagement"), 1e-5, 1e-5));
}
