// libFuzzer target for the model loader: any bytes either load or raise a
// storefuse::Error; a model that loads and has small inputs also runs once
// on zero-filled inputs (with any dynamic dimension set to 1), which must
// either succeed or raise a storefuse::Error. Anything else (a crash, a
// sanitizer report, another exception) is a bug.
//
//   fuzz_infer_loader -max_total_time=60 CORPUS_DIR tests/fuzz/corpus
#include <cstddef>
#include <cstdint>
#include <string>

#include "storefuse/core/error.h"
#include "storefuse/infer/session.h"

using namespace storefuse::infer;

namespace {

constexpr int64_t kMaxInputElements = 1 << 16;

void run_once(const std::shared_ptr<const Model>& model) {
  std::map<std::string, Tensor> inputs;
  int64_t total = 0;
  for (const ValueInfo& in : model->inputs()) {
    Shape shape = in.shape;
    for (int64_t& d : shape) d = d < 0 ? 1 : d;
    total += numel(shape);
    if (total > kMaxInputElements) return;
    inputs[in.name] = Tensor(in.dtype, shape);
  }
  Session session(model);
  session.run(inputs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    // External data would be looked up here: a folder that does not exist.
    run_once(Model::load_bytes(std::string(reinterpret_cast<const char*>(data), size),
                               "/nonexistent/storefuse-fuzz"));
  } catch (const storefuse::Error&) {
  }
  return 0;
}
