// The LibTorch half of storefuse: train, runs, eval, export, the checks of a
// training config and abtest on run directories. It is a module
// (storefuse-torch.so) that storefuse loads the first time one of these is
// needed, so that the other commands (config, datagen, ingest, features,
// dataset, abtest on .onnx models and prediction files) start without
// LibTorch, whose libraries and static initialisers alone take about 150 MB
// and a second of CPU before main().
//
// storefuse exports its storefuse:: symbols (cli/exports.map), so the
// module's references to the toolkit's libraries bind to storefuse's own
// copies: one config loader, one log, one registry of abtest backends.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace storefuse {
namespace config {
class Node;
}
namespace abtest {
class ModelRunner;
struct RunOptions;
}  // namespace abtest
}  // namespace storefuse

namespace storefuse::cli {

struct TorchModule {
  const char* version;  // STOREFUSE_VERSION of the module's build
  int (*run_command)(const std::string& name, const std::vector<std::string>& args);
  // The checks storefuse train makes of a config before it reads any data.
  void (*check_train_config)(const config::Node& cfg);
  // A run directory's best checkpoint, for storefuse abtest.
  std::unique_ptr<abtest::ModelRunner> (*open_run)(const std::filesystem::path& dir,
                                                   const abtest::RunOptions& options);
};

// Loads the module on the first call (STOREFUSE_TORCH_MODULE, else
// storefuse-torch.so beside the executable, else the installed one).
// Throws Error(Runtime) naming each path tried and why it did not load.
const TorchModule& torch_module();

}  // namespace storefuse::cli

// Defined by the module; the one symbol storefuse looks up in it.
extern "C" const storefuse::cli::TorchModule* storefuse_torch_module();
