// Loads an ONNX model, runs it on a batch of inputs filled with a ramp, and
// prints every output's shape and first values. Any number of Sessions may
// share the loaded model (one per thread).
//
//   infer_example MODEL.onnx [BATCH]
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "storefuse/core/error.h"
#include "storefuse/infer/process.h"
#include "storefuse/infer/session.h"

using namespace storefuse::infer;

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: infer_example MODEL.onnx [BATCH]\n");
    return 2;
  }
  const int64_t batch = argc == 3 ? std::atoll(argv[2]) : 1;
  try {
    use_single_threaded_blas();  // once per process: the runtime threads around OpenBLAS
    std::shared_ptr<const Model> model = Model::load(argv[1]);
    std::map<std::string, Tensor> inputs;
    for (const ValueInfo& in : model->inputs()) {
      Shape shape = in.shape;
      for (int64_t& d : shape) d = d < 0 ? batch : d;  // dynamic axes: the batch
      Tensor t(in.dtype, shape);                      // zero-filled
      if (in.dtype == DType::Float32) {
        float* x = t.data<float>();
        for (int64_t i = 0; i < t.numel(); ++i) x[i] = static_cast<float>(i % 17) / 17.0f - 0.5f;
      }
      inputs[in.name] = t;
    }
    SessionOptions options;
    options.threads = 1;
    Session session(model, options);
    for (const auto& [name, out] : session.run(inputs)) {
      std::printf("%s %s", name.c_str(), to_string(out.shape()).c_str());
      if (out.dtype() == DType::Float32)
        for (int64_t i = 0; i < out.numel() && i < 4; ++i) std::printf(" %.6g", out.data<float>()[i]);
      std::printf("\n");
    }
  } catch (const storefuse::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.kind() == storefuse::ErrorKind::Usage ? 2 : 1;
  }
  return 0;
}
