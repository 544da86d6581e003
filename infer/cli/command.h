// storefuse-infer's subcommands. Each lives in its own cmd_<name>.cpp and is
// listed once in commands.cpp.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace storefuse::infer::cli {

namespace po = boost::program_options;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);  // args after the name
};

const std::vector<Command>& commands();

int run_check(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);
int run_predict(const std::vector<std::string>& args);
int run_serve(const std::vector<std::string>& args);
int run_stream(const std::vector<std::string>& args);
int run_replay(const std::vector<std::string>& args);

// Parses args against `options`. Returns false when --help was asked for
// (help already printed). Bad options throw a Usage error naming the command.
bool parse_args(const std::string& command, const std::string& usage, const po::options_description& options,
                const std::vector<std::string>& args, po::variables_map& vm);

// "1,8,64" -> {1, 8, 64}; every value must be positive (0 too when allow_zero).
std::vector<int> parse_int_list(const std::string& text, const std::string& option, bool allow_zero = false);

}  // namespace storefuse::infer::cli
