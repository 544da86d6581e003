// `storefuse export` alone, with the storefuse binary's error handling, for
// the subcommand's tests (the full binary links every part of the toolkit).
#include <iostream>

#include "command.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/core/log.h"

namespace storefuse::cli {
int run_export(const std::vector<std::string>& args);
}

int main(int argc, char** argv) {
  storefuse::init_logging("warn");
  try {
    return storefuse::cli::run_export({argv + 1, argv + argc});
  } catch (const storefuse::Error& e) {
    std::cerr << "storefuse: " << storefuse::to_string(e.kind()) << ": " << e.what() << "\n";
    return exit_code(e);
  }
}
