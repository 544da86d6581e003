// `storefuse train` alone: the same subcommand code and error handling as
// the storefuse binary, for tests that kill and resume training processes.
#include <iostream>

#include "command.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/core/log.h"

namespace storefuse::cli {
int run_train(const std::vector<std::string>& args);
}

int main(int argc, char** argv) {
  storefuse::init_logging("warn");
  try {
    return storefuse::cli::run_train({argv + 1, argv + argc});
  } catch (const storefuse::Error& e) {
    std::cerr << "storefuse: " << storefuse::to_string(e.kind()) << ": " << e.what() << "\n";
    return exit_code(e);
  }
}
