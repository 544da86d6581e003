// storefuse config show: the resolved config, as a run would see it.
#include <iostream>

#include "command.h"
#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#ifdef STOREFUSE_WITH_TRAIN
#include "torch_module.h"
#endif

namespace storefuse::cli {

int run_config(const std::vector<std::string>& args) {
  const std::string usage = "show [--config FILE] [--set a.b=c ...] [--format yaml|json] [--origins]";
  po::options_description opts("options");
  opts.add_options()
      ("config,c", po::value<std::string>()->default_value(""), "YAML config file (default: built-in defaults)")
      ("set", po::value<std::vector<std::string>>()->composing(), "override a key: --set optim.lr=3e-4 (repeatable)")
      ("format", po::value<std::string>()->default_value("yaml"), "yaml or json")
      ("origins", po::bool_switch(), "annotate each value with the file:line it came from");
  po::variables_map vm;
  const bool help = !args.empty() && (args[0] == "--help" || args[0] == "-h");
  if (help || args.empty() || args[0] != "show") {
    if (help) {
      std::cout << "Prints the config resolved from configs/defaults.yaml, the file's includes, the file\n"
                << "and the --set overrides, checked as storefuse train checks it before reading data.\n\n";
      parse_args("config", usage, opts, {"--help"}, vm);
      return kExitOk;
    }
    throw Error(ErrorKind::Usage, args.empty() ? "expected a subcommand" : "unknown subcommand '" + args[0] + "'",
                "storefuse config", "usage: storefuse config " + usage);
  }
  if (!parse_args("config show", usage.substr(5), opts, {args.begin() + 1, args.end()}, vm)) return kExitOk;
  std::vector<std::string> sets;
  if (vm.count("set")) sets = vm["set"].as<std::vector<std::string>>();
  auto cfg = config::load(vm["config"].as<std::string>(), sets);
  // The checks storefuse train makes before it reads any data (the model's
  // and loss's settings need the data's shapes and are checked by train).
#ifdef STOREFUSE_WITH_TRAIN
  torch_module().check_train_config(cfg);
#endif
  std::string format = vm["format"].as<std::string>();
  if (vm["origins"].as<bool>()) {
    std::cout << cfg.to_yaml_with_origins();
  } else if (format == "json") {
    std::cout << cfg.to_json().dump(2) << "\n";
  } else if (format == "yaml") {
    std::cout << cfg.to_yaml();
  } else {
    throw Error(ErrorKind::Usage, "unknown format '" + format + "'", "--format", "use yaml or json");
  }
  return kExitOk;
}

}  // namespace storefuse::cli
