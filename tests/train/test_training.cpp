// The trainer end to end on small synthetic datasets: it learns, two runs
// with one seed agree, and a run killed with SIGKILL or stopped with SIGINT
// resumes to exactly the weights of an uninterrupted run.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/metrics/statistics.h"
#include "storefuse/train/losses.h"
#include "storefuse/train/model.h"
#include "storefuse/train/run_dir.h"
#include "storefuse/train/trainer.h"
#include "synthetic_data.h"

using namespace storefuse;
using namespace storefuse::train;
namespace fs = std::filesystem;

namespace {

class Training : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("storefuse_train_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    synthetic::write_separable(dir_ / "train.h5", 1024, 1);
    synthetic::write_separable(dir_ / "val.h5", 256, 2);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> sets(const std::string& name, std::vector<std::string> extra = {}) {
    auto s = synthetic::tiny_run_sets(dir_);
    s.push_back("run.name=" + name);
    s.insert(s.end(), extra.begin(), extra.end());
    return s;
  }
  int train(const std::string& name, std::vector<std::string> extra = {}, bool resume = false) {
    return run_training(config::load("", sets(name, std::move(extra))), resume);
  }
  pid_t spawn(const std::string& name, std::vector<std::string> extra, bool resume = false) {
    std::vector<std::string> args = {STOREFUSE_TRAIN_CLI};
    for (auto& s : sets(name, std::move(extra))) { args.push_back("--set"); args.push_back(s); }
    if (resume) args.push_back("--resume");
    pid_t pid = fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid;
  }
  // Waits until the run has logged `steps` step records; false if it exited first.
  bool wait_for_steps(pid_t pid, const std::string& name, size_t steps) {
    for (int i = 0; i < 20000; ++i) {
      if (lines(dir_ / name / "metrics.jsonl", "step").size() >= steps) return true;
      if (waitpid(pid, nullptr, WNOHANG) == pid) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    return false;
  }
  static int wait_exit(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // metrics.jsonl records of one kind, without the timing fields.
  static std::vector<json> lines(const fs::path& file, const std::string& kind) {
    std::vector<json> out;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      auto r = json::parse(line, nullptr, false);
      if (r.is_discarded() || r["kind"] != kind) continue;
      for (const auto& f : timing_fields()) r.erase(f);
      out.push_back(r);
    }
    return out;
  }
  static void expect_same_weights(const fs::path& a, const fs::path& b) {
    auto load = [](const fs::path& file) {
      auto cfg = config::load(file.parent_path() / "config.yaml");
      auto model = make_model(cfg["model"], synthetic::tiny_spec());
      torch::serialize::InputArchive archive, weights;
      archive.load_from(file.string());
      archive.read("model", weights);
      model->load(weights);
      return model;
    };
    auto ma = load(a), mb = load(b);
    auto pa = ma->named_parameters(), pb = mb->named_parameters();
    ASSERT_GT(pa.size(), 10u);
    for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
    for (const auto& item : ma->named_buffers())
      EXPECT_TRUE(torch::equal(item.value(), mb->named_buffers()[item.key()])) << item.key();
  }
  fs::path dir_;
};

}  // namespace

TEST_F(Training, LearnsSeparableData) {
  ASSERT_EQ(train("learn", {"train.epochs=4"}), 0);
  auto epochs = lines(dir_ / "learn" / "metrics.jsonl", "epoch");
  ASSERT_EQ(epochs.size(), 4u);
  EXPECT_LT(epochs.back()["train/loss"].get<double>(), 0.5 * epochs.front()["train/loss"].get<double>());
  EXPECT_GT(epochs.back()["val/accuracy"].get<double>(), 0.9);  // chance: 0.25
  EXPECT_LT(epochs.back()["val/dwell_mae_s"].get<double>(), 10.0);  // targets span 20..65 s
  for (const char* f : {"config.yaml", "env.json", "last.pt", "best.pt", "epoch-4.pt", "epoch-2.pt"})
    EXPECT_TRUE(fs::exists(dir_ / "learn" / f)) << f;
  EXPECT_FALSE(fs::exists(dir_ / "learn" / "epoch-1.pt"));  // keep_last: 3
  // Validation reports every statistic of the table, as eval computes it.
  for (const auto& s : storefuse::metrics::statistics()) {
    EXPECT_TRUE(epochs.back().contains("val/" + s.name)) << s.name;
  }
  EXPECT_LE(epochs.back()["val/ece"].get<double>(), 1.0);
  auto runs = list_runs(dir_);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].epochs, 4);
}

TEST_F(Training, LearnsDwellInLogSpace) {
  ASSERT_EQ(train("log", {"train.epochs=4", "model.dwell_space=log", "loss.dwell.kind=huber"}), 0);
  auto epochs = lines(dir_ / "log" / "metrics.jsonl", "epoch");
  ASSERT_EQ(epochs.size(), 4u);
  EXPECT_LT(epochs.back()["val/dwell_mae_s"].get<double>(), 10.0);  // targets span 20..65 s
  auto cfg = config::load(dir_ / "log" / "config.yaml", {"model.dwell_space=seconds"});
  auto model = make_model(cfg["model"], synthetic::tiny_spec());
  torch::serialize::InputArchive archive, weights;
  archive.load_from((dir_ / "log" / "best.pt").string());
  archive.read("model", weights);
  model->load(weights);
  const DwellScale scale = model->dwell_scale();
  EXPECT_TRUE(scale.log) << "the checkpoint carries the space";
  // Statistics of log1p(seconds) of targets between about 15 and 70 s.
  EXPECT_GT(scale.mean, std::log1p(15.0));
  EXPECT_LT(scale.mean, std::log1p(70.0));
  EXPECT_LT(scale.std, 1.0);
}

TEST_F(Training, LogMseOnALogSpaceHeadIsAConfigError) {
  try {
    train("log_mse", {"model.dwell_space=log", "loss.dwell.kind=log_mse"});
    FAIL() << "expected a Config error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Config);
    EXPECT_NE(std::string(e.what()).find("dwell_space"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "log_mse")) << "nothing written";
}

// The early-stopping mode follows the table of statistics (and losses are
// better lower): a contradiction is a config error naming the fix.
TEST_F(Training, AnEarlyStoppingModeAgainstTheMetricsDirectionIsAConfigError) {
  for (const auto& [metric, mode] : {std::pair{"val/accuracy", "min"}, {"val/dwell_mae_s", "max"}, {"val/loss", "max"}}) {
    try {
      train("mode", {"train.epochs=1", std::string("train.early_stopping.metric=") + metric,
                     std::string("train.early_stopping.mode=") + mode});
      FAIL() << metric << " " << mode;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Config);
      EXPECT_NE(std::string(e.what()).find(std::string("set train.early_stopping.mode: ") +
                                           (std::string(mode) == "min" ? "max" : "min")),
                std::string::npos)
          << e.what();
    }
    EXPECT_FALSE(fs::exists(dir_ / "mode")) << "nothing written";
  }
}

TEST_F(Training, SameSeedGivesIdenticalMetrics) {
  const std::vector<std::string> extra = {"train.epochs=2", "train.modality_dropout=0.2"};
  ASSERT_EQ(train("a", extra), 0);
  ASSERT_EQ(train("b", extra), 0);
  EXPECT_EQ(lines(dir_ / "a" / "metrics.jsonl", "step"), lines(dir_ / "b" / "metrics.jsonl", "step"));
  EXPECT_EQ(lines(dir_ / "a" / "metrics.jsonl", "epoch"), lines(dir_ / "b" / "metrics.jsonl", "epoch"));
  expect_same_weights(dir_ / "a" / "last.pt", dir_ / "b" / "last.pt");
}

TEST_F(Training, KilledRunResumesBitForBit) {
  const std::vector<std::string> extra = {"train.epochs=3", "data.batch_size=8",
                                          "train.checkpoint.every_steps=7", "train.grad_accum_steps=2"};
  ASSERT_EQ(train("whole", extra), 0);
  pid_t pid = spawn("killed", extra);
  ASSERT_TRUE(wait_for_steps(pid, "killed", 90)) << "the run ended before it could be killed";
  kill(pid, SIGKILL);
  ASSERT_EQ(wait_exit(pid), 128 + SIGKILL);
  ASSERT_EQ(wait_exit(spawn("killed", extra, /*resume=*/true)), 0);
  expect_same_weights(dir_ / "whole" / "last.pt", dir_ / "killed" / "last.pt");
  EXPECT_EQ(lines(dir_ / "whole" / "metrics.jsonl", "step"), lines(dir_ / "killed" / "metrics.jsonl", "step"));
  EXPECT_EQ(lines(dir_ / "whole" / "metrics.jsonl", "epoch"), lines(dir_ / "killed" / "metrics.jsonl", "epoch"));
}

TEST_F(Training, SigintCheckpointsExits130AndResumes) {
  const std::vector<std::string> extra = {"train.epochs=2", "data.batch_size=8"};
  ASSERT_EQ(train("whole", extra), 0);
  pid_t pid = spawn("stopped", extra);
  ASSERT_TRUE(wait_for_steps(pid, "stopped", 20)) << "the run ended before it could be stopped";
  kill(pid, SIGINT);
  ASSERT_EQ(wait_exit(pid), 130);
  EXPECT_LT(lines(dir_ / "stopped" / "metrics.jsonl", "step").size(), 256u);
  ASSERT_EQ(wait_exit(spawn("stopped", extra, /*resume=*/true)), 0);
  expect_same_weights(dir_ / "whole" / "last.pt", dir_ / "stopped" / "last.pt");
}

// One trainer per run directory (issue: two runs on one directory both
// exited 0 and mixed their metrics): a second one, new or resuming, is
// refused naming the first's pid; once the first is killed the kernel has
// released its lock and the run resumes.
TEST_F(Training, ASecondTrainerOnTheSameRunIsRefusedNamingTheFirst) {
  const std::vector<std::string> extra = {"train.epochs=3", "data.batch_size=8", "train.checkpoint.every_steps=2"};
  pid_t pid = spawn("busy", extra);
  ASSERT_TRUE(wait_for_steps(pid, "busy", 5)) << "the run ended before the second trainer started";
  for (bool resume : {false, true}) {
    try {
      train("busy", extra, resume);
      ADD_FAILURE() << "a second trainer ran (resume " << resume << ")";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Usage);
      EXPECT_NE(std::string(e.what()).find("in use by process " + std::to_string(pid) + " on "), std::string::npos)
          << e.what();
    }
  }
  kill(pid, SIGKILL);
  ASSERT_EQ(wait_exit(pid), 128 + SIGKILL);
  EXPECT_EQ(train("busy", extra, /*resume=*/true), 0);
  EXPECT_EQ(lines(dir_ / "busy" / "metrics.jsonl", "epoch").size(), 3u);
}

// A last.pt cut short (SIGKILL while it was written) does not stop --resume:
// the newest epoch checkpoint that loads takes over, and the dead writer's
// temp file is removed when the next trainer takes the run.
TEST_F(Training, ResumeFallsBackToTheNewestCheckpointThatLoads) {
  const std::vector<std::string> extra = {"train.epochs=2"};
  ASSERT_EQ(train("whole", extra), 0);
  ASSERT_EQ(train("cut", extra), 0);
  const fs::path last = dir_ / "cut" / "last.pt", stale = dir_ / "cut" / ".last.pt.tmp-99999-0a1b2c";
  fs::resize_file(last, 100);
  fs::remove(dir_ / "cut" / "epoch-2.pt");  // so that epoch 2 is trained again, from epoch-1.pt
  std::ofstream(stale) << "half a checkpoint";
  EXPECT_EQ(train("cut", extra, /*resume=*/true), 0);
  EXPECT_FALSE(fs::exists(stale));
  expect_same_weights(dir_ / "whole" / "last.pt", last);
  EXPECT_EQ(lines(dir_ / "whole" / "metrics.jsonl", "epoch"), lines(dir_ / "cut" / "metrics.jsonl", "epoch"));
}

TEST_F(Training, DivergenceStopsWithAClearErrorAndKeepsTheCheckpoint) {
  try {
    train("diverge", {"train.epochs=3", "optim.type=sgd", "optim.lr=1e30", "train.grad_clip_norm=0",
                      "train.checkpoint.every_steps=1"});
    FAIL() << "expected a Runtime error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Runtime);
    const std::string what = e.what();
    EXPECT_TRUE(what.find("NaN") != std::string::npos || what.find("Inf") != std::string::npos) << what;
    EXPECT_NE(what.find("last.pt"), std::string::npos) << what;
  }
}

TEST_F(Training, RefusesToOverwriteARunAndToResumeAnother) {
  ASSERT_EQ(train("once", {"train.epochs=1"}), 0);
  EXPECT_THROW(train("once", {"train.epochs=1"}), Error);
  // The refusal names each changed key with both values.
  try {
    train("once", {"train.epochs=1", "optim.lr=1e-2"}, /*resume=*/true);
    ADD_FAILURE() << "resumed under another config";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Config);
    EXPECT_NE(std::string(e.what()).find("optim.lr 0.003 -> 0.01"), std::string::npos) << e.what();
  }
}
