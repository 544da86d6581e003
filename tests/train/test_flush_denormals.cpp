// run.flush_denormals: subnormal floats as zero on the threads training uses
// (apply_threads), on by default and off with the config key.
#include <gtest/gtest.h>

#include <limits>
#include <thread>

#include "storefuse/core/config.h"
#include "storefuse/train/train_options.h"
#include "storefuse/train/trainer.h"

namespace storefuse::train {
namespace {

// A subnormal times one, on this thread and on a thread started afterwards.
std::pair<float, float> subnormal_products() {
  volatile float tiny = 1e-39f, one = 1.0f;
  const float here = tiny * one;
  float there = -1;
  std::thread([&] { there = tiny * one; }).join();
  return {here, there};
}

TEST(FlushDenormals, OnByDefaultAndOffFromTheConfig) {
  EXPECT_TRUE(TrainOptions::from_config(config::load("", {})).flush_denormals);
  EXPECT_FALSE(TrainOptions::from_config(config::load("", {"run.flush_denormals=false"})).flush_denormals);
}

TEST(FlushDenormals, AppliesToTheCallingThreadAndThreadsStartedAfter) {
  ASSERT_LT(1e-39f, std::numeric_limits<float>::min());
  apply_threads(1, true);
  EXPECT_EQ(subnormal_products(), std::make_pair(0.0f, 0.0f));
  apply_threads(1, false);
  const auto [here, there] = subnormal_products();
  EXPECT_GT(here, 0.0f);
  EXPECT_GT(there, 0.0f);
  apply_threads(0, true);  // as the other tests expect
}

}  // namespace
}  // namespace storefuse::train
