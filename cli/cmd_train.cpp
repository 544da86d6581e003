// storefuse train: train a model of the zoo from a YAML config.
#include <cstdlib>
#include <iostream>

#include "command.h"
#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/train/distributed.h"
#include "storefuse/train/model.h"
#include "storefuse/train/train_options.h"
#include "storefuse/train/trainer.h"

namespace storefuse::cli {

int run_train(const std::vector<std::string>& args) {
  std::string usage = "--config FILE [--set a.b=c ...] [--resume] [--nproc N] | --list-models";
  po::options_description opts("options");
  opts.add_options()
      ("config,c", po::value<std::string>()->default_value(""), "YAML config file (default: built-in defaults)")
      ("set", po::value<std::vector<std::string>>()->composing(), "override a key: --set optim.lr=3e-4 (repeatable)")
      ("resume", po::bool_switch(), "continue the run in <run.root>/<run.name> from last.pt")
      ("nproc", po::value<int>()->default_value(1),
       "data-parallel on this machine: N ranks, as torchrun --nproc_per_node=N starts them (docs/distributed.md)")
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
  const int nproc = vm["nproc"].as<int>();
  if (nproc < 1 || nproc > 1024) {
    throw Error(ErrorKind::Usage, "--nproc must be in [1, 1024]", "--nproc " + std::to_string(nproc));
  }
  // A rank started by the launcher below sees WORLD_SIZE and trains.
  if (nproc > 1 && std::getenv("WORLD_SIZE") == nullptr) {
    const auto o = train::TrainOptions::from_config(cfg);  // a bad config fails here, once
    return train::launch_local_ranks(nproc, o.dist.timeout + std::chrono::seconds(30));
  }
  return train::run_training(cfg, vm["resume"].as<bool>());
}

}  // namespace storefuse::cli
