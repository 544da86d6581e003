// storefuse-infer check: load and validate a model, then describe it.
#include <iostream>

#include "command.h"
#include "environment.h"
#include "storefuse/infer/model.h"
#include "storefuse/infer/process.h"

namespace storefuse::infer::cli {

namespace {

std::string describe(const ValueInfo& v) {
  std::string dims;
  for (size_t d = 0; d < v.shape.size(); ++d) {
    dims += d ? ", " : "";
    dims += v.shape[d] >= 0 ? std::to_string(v.shape[d]) : (v.dim_names[d].empty() ? "?" : v.dim_names[d]);
  }
  return v.name + "  " + to_string(v.dtype) + " [" + dims + "]";
}

}  // namespace

int run_check(const std::vector<std::string>& args) {
  po::options_description options("check options");
  options.add_options()("model,m", po::value<std::string>()->required(), "ONNX model file");
  add_load_options(options);
  po::variables_map vm;
  if (!parse_args("check", "--model MODEL.onnx", options, args, vm)) return 0;

  const std::string path = vm["model"].as<std::string>();
  auto model = Model::load(path, load_options(vm));
  std::cout << path << ": ok\n"
            << "  producer    " << (model->producer().empty() ? "-" : model->producer()) << "\n"
            << "  opset       " << model->opset() << "\n"
            << "  parameters  " << model->parameter_count() << "\n";
  std::string packed;
  for (const auto& [format, count] : model->packed_weight_counts())
    packed += (packed.empty() ? "" : ", ") + std::to_string(count) + " " + format;
  std::cout << "  weights     " << model->weight_bytes() << " bytes held (packed matrices: "
            << (packed.empty() ? "none" : packed) << ")\n";
  const WeightsDigestCheck& digest = model->weights_digest();
  std::cout << "  digest      "
            << (digest.digest.empty() ? "none (not written by storefuse export): damage cannot be detected"
                                      : digest.digest + (digest.checked ? " (verified)" : " (not checked: --no-verify-weights)"))
            << "\n";
  const KernelInfo kernels = kernel_info();
  std::cout << "  kernels     " << kernels.isa << " (cpu: " << kernels.cpu_features << ")\n";
  std::cout << "inputs:\n";
  for (const ValueInfo& v : model->inputs()) std::cout << "  " << describe(v) << "\n";
  std::cout << "outputs:\n";
  for (const ValueInfo& v : model->outputs()) std::cout << "  " << describe(v) << "\n";
  const auto running = model->op_counts();
  std::cout << "ops (in the file -> as run: after folding linear layers and constants, fusing activations, dropping dead nodes):\n";
  for (const auto& [op, count] : model->loaded_op_counts()) {
    auto it = running.find(op);
    std::cout << "  " << op << std::string(op.size() < 20 ? 20 - op.size() : 1, ' ') << count << " -> "
              << (it == running.end() ? 0 : it->second) << "\n";
  }
  if (!model->metadata().empty()) {
    std::cout << "metadata:\n";
    for (const auto& [key, value] : model->metadata())
      std::cout << "  " << key << ": " << (value.size() > 60 ? value.substr(0, 57) + "..." : value) << "\n";
  }
  return 0;
}

}  // namespace storefuse::infer::cli
