#include "command.h"

namespace storefuse::cli {

int run_config(const std::vector<std::string>& args);
int run_dataset(const std::vector<std::string>& args);
int run_abtest(const std::vector<std::string>& args);

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"config", "show the resolved config (defaults < includes < file < --set)", run_config},
      {"dataset", "inspect or validate a dataset file (info|validate FILE)", run_dataset},
      {"abtest", "compare two model versions: paired statistics, online split, verdict, report", run_abtest},
  };
  return list;
}

}  // namespace storefuse::cli
