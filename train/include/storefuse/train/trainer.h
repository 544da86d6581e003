// The training loop behind `storefuse train`.
//
//   auto cfg = config::load("configs/seed_fusion.yaml", {"train.epochs=5"});
//   int code = train::run_training(cfg, /*resume=*/false);
//
// Creates (or, with resume, continues) the run directory described in
// run_dir.h. Each epoch: shuffled batches from data.train, forward, losses,
// backward, optimizer step every train.grad_accum_steps batches (clipped,
// scheduled lr), then validation on data.val, checkpoints and early stopping.
//
// Stops early and cleanly on SIGINT/SIGTERM: the step in flight finishes,
// last.pt is written, and the result is 130 (143 for SIGTERM); --resume
// continues bit for bit. A NaN or Inf loss or gradient throws Error(Runtime)
// without writing a checkpoint, so last.pt stays the last good state.
#pragma once

#include "storefuse/core/config.h"

namespace storefuse::train {

// Returns the process exit code: 0 when the run completed (or stopped early
// on its validation metric), 128 + signal when interrupted.
int run_training(const config::Node& cfg, bool resume);

// run.threads: 0 picks one intra-op thread. BLAS keeps its own threads (one
// per core), which is the fastest setting measured on the seed network
// (docs/training.md, "Threads").
void apply_threads(int threads);

}  // namespace storefuse::train
