// storefuse train: train a model of the zoo from a YAML config.
#include <iostream>

#include "command.h"
#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/train/model.h"
#include "storefuse/train/trainer.h"

namespace storefuse::cli {

int run_train(const std::vector<std::string>& args) {
  std::string usage = "--config FILE [--set a.b=c ...] [--resume] | --list-models";
  po::options_description opts("options");
  opts.add_options()
      ("config,c", po::value<std::string>()->default_value(""), "YAML config file (default: built-in defaults)")
      ("set", po::value<std::vector<std::string>>()->composing(), "override a key: --set optim.lr=3e-4 (repeatable)")
      ("resume", po::bool_switch(), "continue the run in <run.root>/<run.name> from last.pt")
      ("list-models", po::bool_switch(), "list the model types of the zoo and exit");
  po::variables_map vm;
  if (!parse_args("train", usage, opts, args, vm)) return kExitOk;
  if (vm["list-models"].as<bool>()) {
    for (const auto& m : train::model_zoo()) std::cout << m.type << "\t" << m.summary << "\n";
    return kExitOk;
  }
  std::vector<std::string> sets;
  if (vm.count("set")) sets = vm["set"].as<std::vector<std::string>>();
  auto cfg = config::load(vm["config"].as<std::string>(), sets);
  return train::run_training(cfg, vm["resume"].as<bool>());
}

}  // namespace storefuse::cli
