// The LibTorch module's one entry point (torch_module.h): the commands and
// checks that need LibTorch, as storefuse calls them.
#include <string>
#include <vector>

#include "command.h"
#include "model_predictions.h"
#include "storefuse/abtest/models.h"
#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/train/train_options.h"
#include "storefuse/version.h"
#include "torch_module.h"

namespace storefuse::cli {

int run_train(const std::vector<std::string>& args);
int run_runs(const std::vector<std::string>& args);
int run_eval(const std::vector<std::string>& args);
int run_export(const std::vector<std::string>& args);

namespace {

int run_command(const std::string& name, const std::vector<std::string>& args) {
  if (name == "train") return run_train(args);
  if (name == "runs") return run_runs(args);
  if (name == "eval") return run_eval(args);
  if (name == "export") return run_export(args);
  throw Error(ErrorKind::Runtime, "the LibTorch module has no command '" + name + "'", "storefuse-torch.so",
              "storefuse and storefuse-torch.so come from different builds: install them together");
}

void check_train_config(const config::Node& cfg) { train::TrainOptions::from_config(cfg); }

}  // namespace
}  // namespace storefuse::cli

extern "C" const storefuse::cli::TorchModule* storefuse_torch_module() {
  static const storefuse::cli::TorchModule module = {
      STOREFUSE_VERSION, storefuse::cli::run_command, storefuse::cli::check_train_config,
      storefuse::cli::open_run_dir};
  return &module;
}
