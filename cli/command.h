// The storefuse toolkit's subcommands. Each lives in its own cmd_<name>.cpp
// and is listed once in commands.cpp.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace storefuse::cli {

namespace po = boost::program_options;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);  // args after the name
};

const std::vector<Command>& commands();

// Parses args against `options` (+ positional). Returns false when --help was
// asked for (help already printed to stdout). Bad options throw a Usage error
// that names the command.
bool parse_args(const std::string& command, const std::string& usage,
                const po::options_description& options,
                const std::vector<std::string>& args, po::variables_map& vm,
                const po::positional_options_description* positional = nullptr);

}  // namespace storefuse::cli
