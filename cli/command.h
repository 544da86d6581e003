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

// A positional argument, in the order given: read as vm[name], shown in
// --help as NAME under "arguments", never as an option.
struct Argument {
  const char* name;
  const char* help;
};

// Parses args against `options` and the positional `arguments` (each
// required). Returns false when --help was asked for (help already printed
// to stdout). Bad options and missing arguments throw a Usage error that
// names the command.
bool parse_args(const std::string& command, const std::string& usage,
                const po::options_description& options,
                const std::vector<std::string>& args, po::variables_map& vm,
                const std::vector<Argument>& arguments = {});

}  // namespace storefuse::cli
