// Runs a command line through /bin/sh and captures its exit code and output.
#pragma once

#include <string>

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// `args` is appended to the storefuse binary's path as shell words.
CliResult run_storefuse(const std::string& args);
CliResult run_shell(const std::string& command);
