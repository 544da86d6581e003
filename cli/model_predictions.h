#pragma once

namespace storefuse::cli {

// Lets `storefuse abtest` run models itself: .onnx files through the
// torch-free runtime (onnx_predictions.cpp) and, in the LibTorch build, run
// directories (run_predictions.cpp). See abtest/models.h.
void register_onnx_predictions();
void register_run_predictions();

}  // namespace storefuse::cli
