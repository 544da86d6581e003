// storefuse dataset info|validate FILE: look inside a dataset file, or check
// it fully (the same checks training runs on open) before a long job.
#include <iostream>

#include "command.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/core/progress.h"
#include "storefuse/datasets/dataset_format.h"
#include "storefuse/datasets/dataset_reader.h"

namespace storefuse::cli {
namespace {

using datasets::DatasetReader;
using datasets::kModalities;

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

json describe(const DatasetReader& r) {
  const auto st = r.storage();
  return {{"path", r.path().string()},
          {"format", datasets::kFormatName},
          {"format_version", datasets::kFormatVersion},
          {"rows", r.num_rows()},
          {"rows_with_nan_or_inf", r.skipped_rows().size()},
          {"has_targets", r.has_targets()},
          {"storage",
           {{"file_bytes", st.file_bytes},
            {"chunk_rows", st.chunk_rows},
            {"compression_level", st.compression_level},
            {"shuffle", st.shuffle}}},
          {"feature_spec", r.spec().to_json()},
          {"provenance", r.provenance()}};
}

void print_info(const DatasetReader& r) {
  const auto& spec = r.spec();
  const auto st = r.storage();
  std::cout << r.path().string() << "\n"
            << "  format        " << datasets::kFormatName << " v" << datasets::kFormatVersion << "\n"
            << "  rows          " << r.num_rows();
  if (!r.skipped_rows().empty()) {
    std::cout << " (" << r.skipped_rows().size() << " with NaN/Inf, first row "
              << r.skipped_rows().front() << ")";
  }
  std::cout << "\n  labeled       " << (r.has_targets() ? "yes" : "no") << "\n"
            << "  storage       " << format_count(double(st.file_bytes)) << "B, chunks of "
            << st.chunk_rows << " rows, "
            << (st.compression_level > 0 ? "deflate " + std::to_string(st.compression_level) +
                                               (st.shuffle ? " + shuffle" : "")
                                         : std::string("uncompressed"))
            << "\n  flavour       " << to_string(spec.flavour) << "\n";
  for (auto m : kModalities) {
    std::string name = to_string(m);
    std::cout << "  " << name << std::string(14 - name.size(), ' ') << to_string(spec[m].dtype)
              << " " << shape_string(spec[m].shape) << "\n";
  }
  std::cout << "  classes       ";
  for (size_t i = 0; i < spec.class_names.size(); ++i) {
    std::cout << (i ? ", " : "") << spec.class_names[i];
  }
  std::cout << "\n  provenance    " << r.provenance().dump() << "\n";
}

}  // namespace

int run_dataset(const std::vector<std::string>& args) {
  po::options_description options("options");
  std::string action, file, nan_policy;
  bool as_json = false;
  options.add_options()
      ("nan-policy", po::value(&nan_policy)->default_value("error"),
       "validate: 'error' fails on NaN/Inf values, 'skip' accepts the file and "
       "reports the rows training would leave out")
      ("json", po::bool_switch(&as_json), "info: print JSON instead of a table");
  po::variables_map vm;
  if (!parse_args("dataset", "ACTION FILE [options]", options, args, vm,
                  {{"action", "info (describe the file) or validate (check every value)"},
                   {"file", "dataset file (.h5)"}})) {
    return kExitOk;
  }
  action = vm["action"].as<std::string>();
  file = vm["file"].as<std::string>();
  if (action != "info" && action != "validate") {
    throw Error(ErrorKind::Usage, "unknown action '" + action + "'", "storefuse dataset",
                "use 'storefuse dataset info FILE' or 'storefuse dataset validate FILE'");
  }
  if (nan_policy != "error" && nan_policy != "skip") {
    throw Error(ErrorKind::Usage, "--nan-policy must be 'error' or 'skip'", "storefuse dataset");
  }
  // info describes files with NaN rows too; validate decides on them.
  const bool skip = action == "info" || nan_policy == "skip";
  auto reader = DatasetReader::open(file, {skip ? datasets::NanPolicy::Skip : datasets::NanPolicy::Error});
  if (action == "validate") {
    std::cout << "ok: " << file << ": " << reader->num_rows() << " rows pass every check";
    if (!reader->skipped_rows().empty()) {
      std::cout << " (" << reader->skipped_rows().size() << " rows with NaN/Inf will be skipped)";
    }
    std::cout << "\n";
  } else if (as_json) {
    std::cout << describe(*reader).dump(2) << "\n";
  } else {
    print_info(*reader);
  }
  return kExitOk;
}

}  // namespace storefuse::cli
