// storefuse datagen: RetailSim -> DIR/{train,val,test}.h5 (docs/retailsim.md).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "command.h"
#include "storefuse/core/config.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/core/json.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/retailsim/generate.h"
#include "storefuse/retailsim/probe.h"

namespace storefuse::cli {
namespace {

using datasets::Modality;
namespace rs = retailsim;

std::string pct(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * x);
  return buf;
}

std::string num(double x, int digits = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

void print_report(const rs::GenerateReport& r, std::ostream& out) {
  out << "split   rows   missing  dwell_s p50/p90/p99      oracle_acc  dwell_mae_s  dwell_corr  eng_mae  eng_corr\n";
  for (rs::Split s : rs::kSplits) {
    const auto& sr = r.splits[static_cast<int>(s)];
    if (sr.rows == 0) continue;
    char line[256];
    std::snprintf(line, sizeof line, "%-6s %6lld  %7s  %5.0f / %5.0f / %5.0f  %10s  %11s  %10s  %7s  %8s\n",
                  rs::to_string(s), static_cast<long long>(sr.rows), pct(sr.missing_rate()).c_str(),
                  sr.dwell_quantile(0.5), sr.dwell_quantile(0.9), sr.dwell_quantile(0.99),
                  pct(sr.oracle_accuracy()).c_str(), num(sr.oracle_dwell.mae(), 1).c_str(),
                  num(sr.oracle_dwell.correlation()).c_str(), num(sr.oracle_engagement.mae()).c_str(),
                  num(sr.oracle_engagement.correlation()).c_str());
    out << line;
  }
  out << "accuracy ceiling with " << pct(r.label_noise) << " symmetric label noise: " << pct(1 - r.label_noise)
      << "; generated in " << num(r.seconds, 1) << " s\n";
}

// Linear probes per modality and on all four: train.h5 -> test.h5.
json run_probes(const std::filesystem::path& dir, std::ostream& out) {
  auto train = datasets::DatasetReader::open(dir / "train.h5");
  auto test = datasets::DatasetReader::open(dir / "test.h5");
  if (train->spec().flavour != datasets::Flavour::Vectors) {
    throw Error(ErrorKind::Usage, "--probe needs the vectors flavour", "storefuse datagen",
                "generate with --set retailsim.flavour=vectors");
  }
  auto train_rows = train->read(0, train->num_rows());
  auto test_rows = test->read(0, test->num_rows());
  json result = json::object();
  out << "linear probe (softmax regression, train -> test accuracy):\n";
  for (const auto& r : rs::probe_each_modality_and_all(train_rows, test_rows)) {
    result[r.name] = r.accuracy;
    out << "  " << r.name << std::string(8 - r.name.size(), ' ') << pct(r.accuracy) << "\n";
  }
  return result;
}

}  // namespace

int run_datagen(const std::vector<std::string>& args) {
  const std::string usage = "--out DIR [--config FILE] [--set retailsim.key=value ...] [--emit-media DIR] [--threads N] [--probe]";
  po::options_description opts("options");
  opts.add_options()
      ("config,c", po::value<std::string>()->default_value(""), "YAML config with a retailsim: section (default: built-in defaults)")
      ("out,o", po::value<std::string>()->required(), "directory for train.h5, val.h5, test.h5 and datagen_report.json")
      ("set", po::value<std::vector<std::string>>()->composing(), "override a key: --set retailsim.splits.train=2000 (repeatable)")
      ("emit-media", po::value<std::string>()->default_value(""), "also write the raw media (AVI, WAV, CSV) and a manifest here")
      ("threads", po::value<int>()->default_value(0), "worker threads; 0 = all cores (the files do not depend on it)")
      ("probe", po::bool_switch(), "fit a linear probe per modality and on all four (vectors flavour), report test accuracy")
      ("no-progress", po::bool_switch(), "no progress bar");
  po::variables_map vm;
  if (!parse_args("datagen", usage, opts, args, vm)) return kExitOk;
  std::vector<std::string> sets;
  if (vm.count("set")) sets = vm["set"].as<std::vector<std::string>>();
  const auto cfg_node = config::load(vm["config"].as<std::string>(), sets);
  const rs::RetailSimConfig cfg = rs::from_config(cfg_node);
  const int threads = vm["threads"].as<int>();
  if (threads < 0) throw Error(ErrorKind::Usage, "--threads must be >= 0", "storefuse datagen", "");

  rs::GenerateOptions o;
  o.out_dir = vm["out"].as<std::string>();
  o.emit_media_dir = vm["emit-media"].as<std::string>();
  o.threads = threads;
  o.progress = !vm["no-progress"].as<bool>();
  o.config = cfg_node["retailsim"].to_json();
  spdlog::info("retailsim: {} train / {} val / {} test samples, {} stores ({} held out for test), flavour {}",
               cfg.split_sizes[0], cfg.split_sizes[1], cfg.split_sizes[2], cfg.stores, cfg.test_stores, cfg.flavour);
  const rs::GenerateReport report = rs::generate(cfg, o);
  print_report(report, std::cout);
  json j = report.to_json();
  if (vm["probe"].as<bool>()) j["probe"] = run_probes(o.out_dir, std::cout);
  write_json_atomic(o.out_dir / "datagen_report.json", j);
  std::cout << "wrote " << (o.out_dir / "{train,val,test}.h5").string() << " and datagen_report.json\n";
  return kExitOk;
}

}  // namespace storefuse::cli
