// The storefuse executable as a user meets it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

TEST(Cli, LogLevelIsValidated) {
  auto r = run_storefuse("--log-level loud config show");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown log level 'loud'")) << r.err;
}
