#include "command.h"
#ifdef STOREFUSE_WITH_TRAIN
#include "torch_module.h"
#endif

namespace storefuse::cli {

int run_config(const std::vector<std::string>& args);
int run_dataset(const std::vector<std::string>& args);
int run_abtest(const std::vector<std::string>& args);
int run_datagen(const std::vector<std::string>& args);
int run_features(const std::vector<std::string>& args);
int run_ingest(const std::vector<std::string>& args);
#ifdef STOREFUSE_WITH_TRAIN
namespace {
// The LibTorch commands run in the module (torch_module.h), loaded here.
template <const char* Name>
int run_in_torch_module(const std::vector<std::string>& args) {
  return torch_module().run_command(Name, args);
}
constexpr char kTrain[] = "train", kRuns[] = "runs", kEval[] = "eval", kExport[] = "export";
}  // namespace
#endif

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"config", "show the resolved config (defaults < includes < file < --set)", run_config},
      {"datagen", "generate a RetailSim dataset (train/val/test HDF5, split by store)", run_datagen},
      {"ingest", "build a dataset from real media files listed in a manifest (video, WAV, POS, sensor CSV)", run_ingest},
      {"features", "show what the feature extractors make of one raw input", run_features},
      {"dataset", "inspect or validate a dataset file (info|validate FILE)", run_dataset},
#ifdef STOREFUSE_WITH_TRAIN
      {"train", "train a model of the zoo from a YAML config (--resume continues a run)", run_in_torch_module<kTrain>},
      {"runs", "list training runs and their best validation metrics", run_in_torch_module<kRuns>},
      {"eval", "evaluate a run on a dataset: metrics overall and per slice (JSON, Markdown)", run_in_torch_module<kEval>},
      {"export", "export a trained run to a verified, self-describing ONNX file", run_in_torch_module<kExport>},
#endif
      {"abtest", "compare two model versions: paired statistics, online split, verdict, report", run_abtest},
  };
  return list;
}

}  // namespace storefuse::cli
