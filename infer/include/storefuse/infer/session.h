// Per-call state for running a Model. A Session is used by one thread at a
// time; run several Sessions over one shared Model for concurrency.
// Constructing one has no process-wide effect (storefuse/infer/process.h
// has the settings that do).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storefuse/infer/model.h"

namespace storefuse::infer {

struct SessionOptions {
  int threads = 1;                 // threads for one run; 0 means all cores
  bool reference_kernels = false;  // plain kernels instead of the fast ones (for testing)
  bool profile = false;            // time every op; read with Session::profile()
  // A NaN or Inf in a float32 input is a Data error naming the input and
  // the row (one pass over the inputs); false lets them through.
  bool reject_non_finite = true;
  // Subnormal floats (below 2^-126) read and produced as zero on every
  // thread of a run (x86 MXCSR flush-to-zero and denormals-are-zero, arm64
  // FPCR.FZ; set for the run and restored after): an operation on a
  // subnormal takes a microcode assist. Subnormal float32 weights are packed
  // as zero whatever this says (docs/runtime.md). false keeps IEEE
  // subnormals in the run. No effect on other CPUs.
  bool flush_denormals = true;
};

// Options of one run, beside the session's.
struct RunOptions {
  // The outputs to compute, by name; empty: every output. Only the steps
  // these need run (ncnn's Extractor::extract, ONNX Runtime's output_names),
  // and run() returns these alone.
  std::vector<std::string> outputs;
};

// Time spent in one op type, summed over calls.
struct OpProfile {
  std::string op_type;
  int64_t calls = 0;
  double total_ms = 0;
};

class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model, SessionOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs the model on named inputs; returns every model output by name, or
  // those options.outputs names. Throws storefuse::Error: Data for a
  // missing, mistyped or misshaped input, a NaN or Inf input
  // (SessionOptions::reject_non_finite), or an input that breaks a node
  // (naming it); Usage for an output the model does not have; Unsupported
  // for a type a kernel does not handle.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs, const RunOptions& options = {});

  // Per op type, slowest first, since construction (SessionOptions::profile).
  std::vector<OpProfile> profile() const;
  const Model& model() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace storefuse::infer
