#include <iostream>
#include <sstream>

#include "command.h"
#include "storefuse/core/error.h"

namespace storefuse::infer::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"check", "load and validate a model; list its inputs, outputs and ops", run_check},
      {"bench", "measure latency and throughput over batch sizes and thread counts", run_bench},
      {"predict", "predict every sample of a dataset file; write CSV or JSONL", run_predict},
      {"serve", "serve models over HTTP (Open Inference Protocol v2), with dynamic batching", run_serve},
      {"stream", "live store streams in (MQTT, a local socket, video), event-time windows, predictions and events out", run_stream},
      {"replay", "send recorded visits (a media manifest) to a stream processor as live streams", run_replay},
  };
  return list;
}

bool parse_args(const std::string& command, const std::string& usage, const po::options_description& options,
                const std::vector<std::string>& args, po::variables_map& vm) {
  po::options_description all(options);
  all.add_options()("help,h", "show this help and exit");
  try {
    po::store(po::command_line_parser(args).options(all).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: storefuse-infer " << command << " " << usage << "\n\n" << all << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(ErrorKind::Usage, e.what(), "storefuse-infer " + command,
                "run 'storefuse-infer " + command + " --help' for the options");
  }
  return true;
}

std::vector<int> parse_int_list(const std::string& text, const std::string& option, bool allow_zero) {
  std::vector<int> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    int v = -1;
    try {
      v = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty() || v < (allow_zero ? 0 : 1))
      throw Error(ErrorKind::Usage, "--" + option + ": '" + item + "' is not a " +
                                        (allow_zero ? "non-negative" : "positive") + " integer",
                  "storefuse-infer", "give a comma-separated list such as 1,8,64");
    values.push_back(v);
  }
  if (values.empty()) throw Error(ErrorKind::Usage, "--" + option + " is empty", "storefuse-infer");
  return values;
}

}  // namespace storefuse::infer::cli
