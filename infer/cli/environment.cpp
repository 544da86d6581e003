#include "environment.h"

#include <cstdlib>
#include <string>

#include "storefuse/core/error.h"
#include "storefuse/infer/process.h"

namespace storefuse::infer::cli {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

void apply_process_environment() {
  use_single_threaded_blas();
  const std::string isa = env("STOREFUSE_INFER_ISA");
  if (isa == "portable") {
    limit_kernel_isa(KernelIsa::Portable);
  } else if (isa == "avx2") {
    limit_kernel_isa(KernelIsa::Avx2);
  } else if (!isa.empty() && isa != "avx512" && isa != "neon") {
    throw Error(ErrorKind::Usage, "STOREFUSE_INFER_ISA=" + isa + " is not a kernel set", "the environment",
                "use portable, avx2, avx512 or neon, or unset it");
  }
}

void add_load_options(po::options_description& options) {
  options.add_options()("no-verify-weights", po::bool_switch(),
                        "load a model whose weights digest does not match (a damaged file) instead of refusing it");
}

LoadOptions load_options(const po::variables_map& vm) {
  LoadOptions o;
  o.fold_linear = env("STOREFUSE_INFER_FOLD") != "0";
  o.verify_weights = !vm["no-verify-weights"].as<bool>();
  return o;
}

SessionOptions session_options(int threads) {
  SessionOptions o;
  o.threads = threads;
  o.flush_denormals = env("STOREFUSE_INFER_DENORMALS") != "keep";
  return o;
}

}  // namespace storefuse::infer::cli
