// libFuzzer target for the model loader: any bytes either load or raise a
// storefuse::Error; a model that loads and has small inputs also runs once
// on zero-filled inputs (with any dynamic dimension set to 1), which must
// either succeed or raise a storefuse::Error. Anything else (a crash, a
// sanitizer report, another exception) is a bug.
//
// The same bytes also check the payload cutting the loader does before
// parsing (onnx_wire.h), with payloads of 16 bytes and up so that inputs of
// fuzzing size have some: where protobuf parses both the bytes and what is
// left after cutting, they hold the same model, each cut payload being the
// raw_data of its initializer.
//
//   fuzz_infer_loader -max_total_time=60 CORPUS_DIR tests/fuzz/corpus
#include <cstddef>
#include <cstdint>
#include <string>

#include <onnx/onnx_pb.h>

#include <cstdlib>

#include "onnx_wire.h"
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

void check_cut(const uint8_t* data, size_t size) {
  const auto stripped = strip_payloads(data, size, 16);
  onnx::ModelProto whole, rest;
  if (!stripped || !whole.ParseFromArray(data, static_cast<int>(size)) || !rest.ParseFromString(stripped->bytes)) {
    return;
  }
  onnx::GraphProto* graph = rest.mutable_graph();
  for (const auto& [i, payload] : stripped->cut) {
    if (i >= graph->initializer_size() || payload.offset + payload.size > size) std::abort();
    graph->mutable_initializer(i)->set_raw_data(reinterpret_cast<const char*>(data) + payload.offset, payload.size);
  }
  if (rest.SerializeAsString() != whole.SerializeAsString()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_cut(data, size);
  try {
    // External data would be looked up here: a folder that does not exist.
    run_once(Model::load_bytes(std::string(reinterpret_cast<const char*>(data), size),
                               "/nonexistent/storefuse-fuzz"));
  } catch (const storefuse::Error&) {
  }
  return 0;
}
