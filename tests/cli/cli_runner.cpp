#include "cli_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "storefuse/core/atomic_file.h"

CliResult run_shell(const std::string& command) {
  auto dir = std::filesystem::temp_directory_path();
  std::string tag = std::to_string(::getpid());
  auto out_path = dir / ("storefuse_cli_out_" + tag);
  auto err_path = dir / ("storefuse_cli_err_" + tag);
  std::string full = command + " >" + out_path.string() + " 2>" + err_path.string() + " </dev/null";
  int status = std::system(full.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = storefuse::read_file(out_path);
  r.err = storefuse::read_file(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return r;
}

CliResult run_storefuse(const std::string& args) {
  return run_shell(std::string(STOREFUSE_BIN) + " " + args);
}
