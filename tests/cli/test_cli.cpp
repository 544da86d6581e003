// The storefuse executable as a user meets it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "cli_runner.h"

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string temp_yaml(const std::string& name, const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / name;
  std::ofstream(p) << text;
  return p.string();
}

}  // namespace

TEST(Cli, TopLevelHelpListsCommandsAndExitsZero) {
  auto r = run_storefuse("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "usage: storefuse")) << r.out;
  EXPECT_TRUE(contains(r.out, "config")) << r.out;
}

TEST(Cli, NoCommandIsAUsageError) {
  auto r = run_storefuse("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "usage: storefuse")) << r.err;
}

TEST(Cli, UnknownCommandAndOptionExitTwoWithAFix) {
  auto r = run_storefuse("trian");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown command 'trian'")) << r.err;
  EXPECT_TRUE(contains(r.err, "fix:")) << r.err;
  r = run_storefuse("config show --bogus");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--bogus")) << r.err;
}

TEST(Cli, EveryCommandHasHelp) {
  auto list = run_storefuse("--help");
  std::istringstream lines(list.out);
  std::string line;
  bool in_commands = false;
  int checked = 0;
  while (std::getline(lines, line)) {
    if (line == "commands:") { in_commands = true; continue; }
    if (!in_commands || line.size() < 3 || line[0] != ' ') continue;
    std::string name = line.substr(2, line.find(' ', 2) - 2);
    auto r = run_storefuse(name + " --help");
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_TRUE(contains(r.out, "usage: storefuse " + name)) << name << ": " << r.out;
    ++checked;
  }
  EXPECT_GE(checked, 1);
}

TEST(Cli, ConfigShowResolvesLayers) {
  auto base = temp_yaml("sf_cli_base.yaml", "train:\n  epochs: 3\n");
  auto exp = temp_yaml("sf_cli_exp.yaml", "include: sf_cli_base.yaml\noptim:\n  lr: 0.5\n");
  auto r = run_storefuse("config show --config " + exp + " --set optim.type=sgd --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"epochs\": 3")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"lr\": 0.5")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"type\": \"sgd\"")) << r.out;
}

TEST(Cli, ConfigErrorExitsTwoWithFileLineAndSuggestion) {
  auto exp = temp_yaml("sf_cli_bad.yaml", "optim:\n  lrr: 0.1\n");
  auto r = run_storefuse("config show --config " + exp);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "config error: unknown key 'optim.lrr'")) << r.err;
  EXPECT_TRUE(contains(r.err, "sf_cli_bad.yaml:2:3")) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean 'optim.lr'?")) << r.err;
  EXPECT_TRUE(r.out.empty()) << "nothing on stdout on error: " << r.out;
}

// A "billion laughs": 9 levels of aliases, each repeating the one below 9
// times, would expand to 9^9 values. config show stops with a config error
// naming the limit, within a second and 100 MB of what the same command
// takes on a small config (the binary alone, with LibTorch mapped, is most
// of it).
TEST(Cli, AnAliasBombIsRefusedQuicklyAndSmall) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    yaml += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) yaml += std::string(i ? ", *" : "*") + char(c - 1);
    yaml += "]\n";
  }
  const auto bomb = temp_yaml("sf_cli_bomb.yaml", yaml), small = temp_yaml("sf_cli_small.yaml", "train:\n  epochs: 3\n");
  // Peak resident KiB and seconds of one `config show`, from /usr/bin/time.
  auto measure = [](const std::string& file, CliResult& r) {
    r = run_shell("/usr/bin/time -f 'peak_kib=%M seconds=%e' " + std::string(STOREFUSE_BIN) + " config show --config " + file);
    const auto at = r.err.find("peak_kib=");
    if (at == std::string::npos) return std::pair{-1.0, -1.0};
    return std::pair{std::stod(r.err.substr(at + 9)), std::stod(r.err.substr(r.err.find("seconds=", at) + 8))};
  };
  CliResult r, base;
  const auto [base_kib, base_s] = measure(small, base);
  ASSERT_EQ(base.exit_code, 0) << base.err;
  ASSERT_GT(base_kib, 0) << "no /usr/bin/time output (apt-get install time): " << base.err;
  const auto [kib, s] = measure(bomb, r);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "expands to more than 100000 values")) << r.err;
  EXPECT_TRUE(contains(r.err, "STOREFUSE_CONFIG_MAX_VALUES")) << r.err;
  EXPECT_LT(s, base_s + 1.0) << "seconds; a small config takes " << base_s;
  EXPECT_LT(kib, base_kib + 100 * 1024) << "KiB; a small config takes " << base_kib;
}

TEST(Cli, LogLevelIsValidated) {
  auto r = run_storefuse("--log-level loud config show");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown log level 'loud'")) << r.err;
}

// Positional arguments are shown as arguments, never as --options.
TEST(Cli, HelpShowsArgumentsAndEveryOption) {
  auto r = run_storefuse("dataset --help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "usage: storefuse dataset ACTION FILE")) << r.out;
  EXPECT_TRUE(contains(r.out, "arguments:\n  ACTION")) << r.out;
  EXPECT_FALSE(contains(r.out, "--action")) << r.out;
  EXPECT_FALSE(contains(r.out, "--file")) << r.out;
  r = run_storefuse("features --help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "  KIND")) << r.out;
  EXPECT_FALSE(contains(r.out, "--kind")) << r.out;
  EXPECT_FALSE(contains(r.out, "--input")) << r.out;
  r = run_storefuse("config --help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "--set")) << r.out;
  EXPECT_TRUE(contains(r.out, "--origins")) << r.out;
  r = run_storefuse("dataset info");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "missing argument FILE")) << r.err;
  r = run_storefuse("dataset info a.h5 b.h5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "too many arguments")) << r.err;
}

// config show refuses what train would refuse before reading data.
TEST(Cli, ConfigShowChecksTheValuesTrainChecks) {
  auto r = run_storefuse("config show --set optim.lr=-0.1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "'optim.lr' expects a number > 0, got -0.1")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  r = run_storefuse("config show --set data.batch_size=0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "'data.batch_size' expects an integer in [1, inf], got 0")) << r.err;
  r = run_storefuse("config show --set train.early_stopping.mode=min");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "is better when higher")) << r.err;
}

// runs lists the config's run.root, and says where it looked.
TEST(Cli, RunsListsTheConfigsRunRoot) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("sf_cli_runs_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "r1");
  std::ofstream(root / "r1" / "config.yaml") << "run:\n  name: r1\n";
  std::ofstream(root / "r1" / "metrics.jsonl") << "{\"kind\": \"epoch\", \"epoch\": 1, \"val/accuracy\": 0.5}\n";
  auto cfg = temp_yaml("sf_cli_runs.yaml", "run:\n  root: " + root.string() + "\n");
  auto r = run_storefuse("runs --config " + cfg);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "r1")) << r.out;
  r = run_storefuse("runs --set run.root=" + (root / "none").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "no runs under " + (root / "none").string() + " (run.root of the built-in defaults and --set)"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "the directory does not exist")) << r.err;
  r = run_storefuse("runs --root " + root.string() + " --config " + cfg);
  EXPECT_EQ(r.exit_code, 2);
  fs::remove_all(root);
}

// A config that includes a device never ending (or any file past 1 MiB)
// stops at the limit instead of reading on.
TEST(Cli, AnEndlessIncludeStopsAtTheSizeLimit) {
  auto cfg = temp_yaml("sf_cli_zero.yaml", "include: /dev/zero\n");
  auto r = run_shell("timeout 20 " + std::string(STOREFUSE_BIN) + " config show --config " + cfg);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "over the limit of 1048576 bytes")) << r.err;
  EXPECT_TRUE(contains(r.err, "/dev/zero")) << r.err;
}
