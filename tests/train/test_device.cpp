// run.device with this CPU-only LibTorch: cuda is a config error (exit code
// 2) raised before anything is written, auto trains on the CPU.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/core/json.h"
#include "storefuse/train/trainer.h"
#include "synthetic_data.h"

using namespace storefuse;
using namespace storefuse::train;
namespace fs = std::filesystem;

namespace {

class Device : public ::testing::Test {
 protected:
  void SetUp() override {
    if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is visible; these tests are for CPU builds";
    dir_ = fs::temp_directory_path() / ("storefuse_device_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    synthetic::write_separable(dir_ / "train.h5", 128, 1);
    synthetic::write_separable(dir_ / "val.h5", 64, 2);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> sets(const std::string& device) {
    auto s = synthetic::tiny_run_sets(dir_);
    s.push_back("run.name=" + device);
    s.push_back("run.device=" + device);
    s.push_back("train.epochs=1");
    return s;
  }
  fs::path dir_;
};

}  // namespace

TEST_F(Device, CudaIsAConfigErrorThatSaysWhyAndHowToFix) {
  const auto cfg = config::load("", sets("cuda"));
  try {
    pick_device(cfg["run"]["device"]);
    FAIL() << "expected a Config error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Config);
    EXPECT_EQ(exit_code(e), 2);
    EXPECT_NE(std::string(e.what()).find("CPU-only build"), std::string::npos) << e.what();
    EXPECT_NE(e.where().find("run.device=cuda"), std::string::npos) << e.where();
    EXPECT_NE(e.fix().find("run.device: cpu"), std::string::npos) << e.fix();
  }
  EXPECT_THROW(run_training(cfg, false), Error);
  EXPECT_FALSE(fs::exists(dir_ / "cuda")) << "nothing may be written before the device is checked";
}

TEST_F(Device, TheTrainCommandExitsWith2) {
  std::string cmd = STOREFUSE_TRAIN_CLI;
  for (const auto& s : sets("cuda")) cmd += " --set '" + s + "'";
  cmd += " 2>" + (dir_ / "stderr.txt").string();
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

TEST_F(Device, AutoAndCpuTrainOnTheCpu) {
  const auto cfg = config::load("", sets("auto"));
  EXPECT_EQ(pick_device(cfg["run"]["device"]), torch::Device(torch::kCPU));
  ASSERT_EQ(run_training(cfg, false), 0);
  EXPECT_EQ(read_json(dir_ / "auto" / "env.json")["device"], "cpu");
  EXPECT_EQ(pick_device(config::load("", sets("cpu"))["run"]["device"]), torch::Device(torch::kCPU));
}
