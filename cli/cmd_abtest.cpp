// storefuse abtest: is model B better than model A, and can it ship?
//   storefuse abtest [compare] --config configs/abtest.yaml       paired, offline
//   storefuse abtest simulate --config ...                         online split over labelled predictions
//   storefuse abtest analyse --log log.csv                         online log of assignments and outcomes
// Flags are shorthands for --set abtest.<key>=...; the exit code is 0
// whatever the verdict (the verdict is in the report and on stdout).
#include <iostream>

#include "command.h"
#include "dataset_labels.h"
#include "model_predictions.h"
#include "storefuse/abtest/run.h"
#include "storefuse/abtest/settings.h"
#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"

namespace storefuse::cli {

namespace {

const char* kUsage =
    "[compare|simulate|analyse] [--config FILE] [--set abtest.key=value ...]\n"
    "       [--a MODEL_A] [--b MODEL_B] [--data DATA] [--threads N] [--log LOG] [--out DIR]";

void print_help(const po::options_description& opts) {
  std::cout << "usage: storefuse abtest " << kUsage << "\n\n"
            << "  compare   (default) both models on the same labelled samples: paired bootstrap\n"
            << "            intervals, McNemar, Wilcoxon, slices with Holm; for .onnx files and run\n"
            << "            directories also latency, size, peak memory and data drift\n"
            << "  simulate  split customers between A and B by the traffic hash, write log.csv\n"
            << "            and analyse it as an online experiment\n"
            << "  analyse   an online log (customer_id, variant, outcome): SRM check, z / Welch\n"
            << "            tests, sample size, always-valid mSPRT p-values\n\n"
            << "Writes report.json, report.md and report.html to --out; prints the verdict.\n"
            << "Settings: the abtest section of configs/defaults.yaml; method: docs/abtest.md.\n\n"
            << opts << "\n";
}

}  // namespace

int run_abtest(const std::vector<std::string>& args) {
  register_dataset_labels();
  register_onnx_predictions();
#ifdef STOREFUSE_WITH_TRAIN
  register_run_predictions();
#endif
  std::string mode = "compare";
  std::vector<std::string> rest = args;
  if (!rest.empty() && rest[0].rfind("-", 0) != 0) {
    mode = rest[0];
    rest.erase(rest.begin());
    if (mode != "compare" && mode != "simulate" && mode != "analyse") {
      throw Error(ErrorKind::Usage, "unknown abtest mode '" + mode + "'", "storefuse abtest",
                  "use compare, simulate or analyse");
    }
  }
  po::options_description opts("options");
  opts.add_options()
      ("config,c", po::value<std::string>()->default_value(""), "YAML config with an abtest: section")
      ("set", po::value<std::vector<std::string>>()->composing(), "override a key: --set abtest.resamples=5000 (repeatable)")
      ("a", po::value<std::string>(), "model A: an .onnx file, a run directory, or predictions (.csv/.jsonl)")
      ("b", po::value<std::string>(), "model B: same kinds as --a")
      ("data", po::value<std::string>(), "evaluation set: a storefuse dataset (.h5; needed for models) or labels (.csv/.jsonl)")
      ("threads", po::value<int>(), "models: runtime threads for both (abtest.threads)")
      ("log", po::value<std::string>(), "analyse: the online log")
      ("out,o", po::value<std::string>(), "report directory");
  if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h")) {
    print_help(opts);
    return kExitOk;
  }
  po::variables_map vm;
  if (!parse_args("abtest " + mode, kUsage, opts, rest, vm)) return kExitOk;

  std::vector<std::string> sets;
  if (vm.count("set")) sets = vm["set"].as<std::vector<std::string>>();
  for (const char* key : {"a", "b", "data", "out"}) {
    // Quoted, so that a path is always a string to the YAML parser.
    if (vm.count(key)) sets.push_back(std::string("abtest.") + key + "=\"" + vm[key].as<std::string>() + "\"");
  }
  if (vm.count("threads")) sets.push_back("abtest.threads=" + std::to_string(vm["threads"].as<int>()));
  if (vm.count("log")) sets.push_back("abtest.online.log=\"" + vm["log"].as<std::string>() + "\"");
  const auto settings = abtest::settings_from_config(config::load(vm["config"].as<std::string>(), sets));

  abtest::Verdict verdict = mode == "simulate"  ? abtest::run_simulate(settings)
                            : mode == "analyse" ? abtest::run_analyse(settings)
                                                : abtest::run_compare(settings);
  std::cout << verdict.decision << "\n";
  for (const auto& c : verdict.checks) std::cout << "  " << c.name << " [" << c.status << "] " << c.detail << "\n";
  std::cout << "report: " << settings.out << "/report.html\n";
  return kExitOk;
}

}  // namespace storefuse::cli
