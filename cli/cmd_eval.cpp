// storefuse eval: a trained run on a labelled dataset -> eval.json, eval.md
// (overall and per slice) and a short table on stdout (docs/evaluation.md).
#include <cstdio>
#include <iostream>

#include "command.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/metrics/statistics.h"
#include "storefuse/train/evaluation.h"

namespace storefuse::cli {

int run_eval(const std::vector<std::string>& args) {
  const std::string usage = "--run DIR --data FILE [--checkpoint best|last] [--out DIR] [--drop-modality NAME]...";
  po::options_description opts("options");
  opts.add_options()
      ("run,r", po::value<std::string>()->required(), "the run directory, e.g. runs/seed_fusion")
      ("data,d", po::value<std::string>()->required(), "labelled dataset (.h5) with the model's feature spec")
      ("checkpoint", po::value<std::string>()->default_value("best"), "best or last")
      ("out,o", po::value<std::string>()->default_value(""), "where eval.json and eval.md go (default: the run directory)")
      ("drop-modality", po::value<std::vector<std::string>>()->composing(),
       "remove this modality at test time (visual, audio, text or sensor; repeatable): its input is zeroed "
       "and its mask set to 0 in every row, as if the sensor were down (docs/ablation.md)")
      ("no-progress", po::bool_switch(), "no progress bar");
  po::variables_map vm;
  if (!parse_args("eval", usage, opts, args, vm)) return kExitOk;

  train::EvalRequest request;
  request.run_dir = vm["run"].as<std::string>();
  request.data = vm["data"].as<std::string>();
  request.checkpoint = vm["checkpoint"].as<std::string>();
  request.out_dir = vm["out"].as<std::string>();
  request.progress = !vm["no-progress"].as<bool>();
  if (vm.count("drop-modality")) request.drop_modalities = vm["drop-modality"].as<std::vector<std::string>>();
  const auto result = train::evaluate_run(request);
  if (result.json_file.empty()) return kExitOk;  // a rank other than 0 of a distributed eval: rank 0 reports

  const auto& r = result.overall;
  std::printf("%lld samples", static_cast<long long>(r.n));
  if (!request.drop_modalities.empty()) {
    std::printf(", removed at test time:");
    for (const auto& m : request.drop_modalities) std::printf(" %s", m.c_str());
  }
  std::printf("\n");
  for (const metrics::Statistic& s : metrics::statistics()) std::printf("  %-26s %.*f\n", s.label.c_str(), s.decimals, s.of(r));
  for (const auto& [slice, reports] : result.slices) {
    // The spread of accuracy over the slice's values, worst first.
    auto worst = reports.begin(), best = reports.begin();
    for (auto it = reports.begin(); it != reports.end(); ++it) {
      if (it->second.accuracy < worst->second.accuracy) worst = it;
      if (it->second.accuracy > best->second.accuracy) best = it;
    }
    std::printf("  %-26s %zu values, accuracy %.4f (%s) .. %.4f (%s)\n", ("by " + slice).c_str(),
                reports.size(), worst->second.accuracy, worst->first.c_str(), best->second.accuracy,
                best->first.c_str());
  }
  std::cout << "wrote " << result.json_file.string() << " and " << result.markdown_file.string() << "\n";
  return kExitOk;
}

}  // namespace storefuse::cli
