// storefuse: the toolkit's command line. Dispatches to one subcommand and
// turns errors into a message on stderr and an exit code (0 ok, 1 runtime
// failure, 2 usage or config error).
#include <cstring>
#include <iostream>

#include "command.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/core/log.h"
#include "storefuse/version.h"

namespace {

void print_usage(std::ostream& out) {
  out << "storefuse " << STOREFUSE_VERSION
      << " - train, evaluate, export and A/B-compare multi-modal retail models\n\n"
         "usage: storefuse [--log-level LEVEL] <command> [options]\n\n"
         "commands:\n";
  for (const auto& c : storefuse::cli::commands()) {
    out << "  " << c.name << std::string(12 - std::strlen(c.name), ' ') << c.summary << "\n";
  }
  out << "\nRun 'storefuse <command> --help' for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace storefuse;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string log_level = "info";
  try {
    while (!args.empty() && args[0].rfind("--", 0) == 0) {
      if (args[0] == "--help" || args[0] == "-h") { print_usage(std::cout); return kExitOk; }
      if (args[0] == "--version") { std::cout << "storefuse " << STOREFUSE_VERSION << "\n"; return kExitOk; }
      if (args[0] == "--log-level" && args.size() > 1) {
        log_level = args[1];
        args.erase(args.begin(), args.begin() + 2);
        continue;
      }
      throw Error(ErrorKind::Usage, "unknown global option '" + args[0] + "'", "storefuse",
                  "global options are --log-level LEVEL, --version, --help");
    }
    init_logging(log_level);
    if (args.empty()) {
      print_usage(std::cerr);
      return kExitUsage;
    }
    for (const auto& c : cli::commands()) {
      if (args[0] == c.name) {
        return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
      }
    }
    throw Error(ErrorKind::Usage, "unknown command '" + args[0] + "'", "storefuse",
                "run 'storefuse --help' for the list of commands");
  } catch (const Error& e) {
    std::cerr << "storefuse: " << to_string(e.kind()) << ": " << e.what() << "\n";
    return exit_code(e);
  } catch (const std::exception& e) {
    std::cerr << "storefuse: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
}
