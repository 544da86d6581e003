// storefuse-infer: the torch-free runtime's command line. Dispatches to one
// subcommand and turns errors into a message on stderr (what, where, fix)
// and an exit code: 0 ok, 1 failure, 2 usage error.
#include <cstring>
#include <iostream>

#include "command.h"
#include "environment.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/version.h"

namespace {

void print_usage(std::ostream& out) {
  out << "storefuse-infer " << STOREFUSE_VERSION << " - run ONNX models without PyTorch\n\n"
      << "usage: storefuse-infer <command> [options]\n\ncommands:\n";
  for (const auto& c : storefuse::infer::cli::commands())
    out << "  " << c.name << std::string(10 - std::strlen(c.name), ' ') << c.summary << "\n";
  out << "\nRun 'storefuse-infer <command> --help' for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace storefuse;
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty()) {
      print_usage(std::cerr);
      return kExitUsage;
    }
    if (args[0] == "--help" || args[0] == "-h") {
      print_usage(std::cout);
      return kExitOk;
    }
    if (args[0] == "--version") {
      std::cout << "storefuse-infer " << STOREFUSE_VERSION << "\n";
      return kExitOk;
    }
    infer::cli::apply_process_environment();
    for (const auto& c : infer::cli::commands()) {
      if (args[0] == c.name) return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
    }
    throw Error(ErrorKind::Usage, "unknown command '" + args[0] + "'", "storefuse-infer",
                "run 'storefuse-infer --help' for the list of commands");
  } catch (const Error& e) {
    std::cerr << "storefuse-infer: " << to_string(e.kind()) << ": " << e.what() << "\n";
    return exit_code(e);
  } catch (const std::exception& e) {
    std::cerr << "storefuse-infer: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
}
