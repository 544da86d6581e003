// storefuse runs: the runs under a root and their best validation metrics.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "command.h"
#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/train/run_dir.h"

namespace storefuse::cli {
namespace {

std::string number(const json& record, const std::string& key, int precision = 4) {
  if (record.is_null() || !record.contains(key)) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(precision) << record[key].get<double>();
  return s.str();
}

}  // namespace

int run_runs(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("root", po::value<std::string>(), "directory holding the runs (default: the config's run.root)")
      ("config,c", po::value<std::string>()->default_value(""), "the training config whose run.root to list (default: built-in defaults)")
      ("set", po::value<std::vector<std::string>>()->composing(), "override a key, as for train: --set run.root=/data/runs");
  po::variables_map vm;
  if (!parse_args("runs", "[--root DIR | --config FILE [--set run.root=DIR]]", opts, args, vm)) return kExitOk;
  std::string root, from;
  if (vm.count("root")) {
    if (!vm["config"].as<std::string>().empty() || vm.count("set"))
      throw Error(ErrorKind::Usage, "--root and --config/--set both name the runs' directory", "storefuse runs",
                  "give one of them");
    root = vm["root"].as<std::string>();
    from = "--root";
  } else {
    const std::string file = vm["config"].as<std::string>();
    const auto cfg = config::load(file, vm.count("set") ? vm["set"].as<std::vector<std::string>>()
                                                        : std::vector<std::string>{});
    root = cfg["run"]["root"].as_string();
    from = "run.root of " + (file.empty() ? std::string("the built-in defaults") : file) +
           (vm.count("set") ? " and --set" : "");
  }
  const auto runs = train::list_runs(root);
  if (runs.empty()) {
    std::cerr << "no runs under " << root << " (" << from << ")"
              << (std::filesystem::is_directory(root) ? "" : ": the directory does not exist")
              << "; runs elsewhere: storefuse runs --config CONFIG.yaml, or --root DIR\n";
    return kExitOk;
  }
  const std::vector<std::string> header = {"run", "epochs", "best metric", "best", "best epoch",
                                           "val/accuracy", "val/dwell_mae_s", "val/engagement_mae"};
  std::vector<std::vector<std::string>> rows = {header};
  for (const auto& r : runs) {
    const auto& b = r.best_epoch;
    rows.push_back({r.name, std::to_string(r.epochs), r.best_metric, number(b, r.best_metric),
                    b.is_null() ? "-" : std::to_string(b["epoch"].get<int64_t>()),
                    number(b, "val/accuracy", 3), number(b, "val/dwell_mae_s", 2),
                    number(b, "val/engagement_mae", 3)});
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      std::cout << (i == 0 ? std::left : std::right) << std::setw(static_cast<int>(width[i])) << row[i]
                << (i + 1 < row.size() ? "  " : "\n");
    }
  }
  return kExitOk;
}

}  // namespace storefuse::cli
