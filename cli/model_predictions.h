#pragma once

#include <filesystem>
#include <memory>

namespace storefuse::abtest {
class ModelRunner;
struct RunOptions;
}  // namespace storefuse::abtest

namespace storefuse::cli {

// Lets `storefuse abtest` run models itself: .onnx files through the
// torch-free runtime (onnx_predictions.cpp) and, in the LibTorch build, run
// directories (run_predictions.cpp, in the LibTorch module, which is loaded
// only when a run directory is opened). See abtest/models.h.
void register_onnx_predictions();
void register_run_predictions();
std::unique_ptr<abtest::ModelRunner> open_run_dir(const std::filesystem::path& dir,
                                                  const abtest::RunOptions& options);

}  // namespace storefuse::cli
