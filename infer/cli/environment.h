// The environment variables storefuse-infer reads (docs/runtime.md), and the
// option every command that loads a model shares, turned into the runtime's
// explicit options: the library itself reads none.
//   STOREFUSE_INFER_ISA=avx2|portable   limit_kernel_isa
//   STOREFUSE_INFER_FOLD=0              LoadOptions::fold_linear = false
//   STOREFUSE_INFER_DENORMALS=keep      SessionOptions::flush_denormals = false
//   --no-verify-weights                 LoadOptions::verify_weights = false
#pragma once

#include "command.h"
#include "storefuse/infer/model.h"
#include "storefuse/infer/session.h"

namespace storefuse::infer::cli {

// Once, in main: the ISA limit and a single-threaded OpenBLAS. An unknown
// STOREFUSE_INFER_ISA value is a Usage error.
void apply_process_environment();
// Adds --no-verify-weights to a command's options.
void add_load_options(po::options_description& options);
LoadOptions load_options(const po::variables_map& vm);
SessionOptions session_options(int threads);

}  // namespace storefuse::infer::cli
