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

#include <torch/torch.h>

#include "storefuse/core/config.h"

namespace storefuse::train {

// Returns the process exit code: 0 when the run completed (or stopped early
// on its validation metric), 128 + signal when interrupted.
int run_training(const config::Node& cfg, bool resume);

// run.threads. 0 (auto): one ATen intra-op thread and one kernel thread per
// core (kernel_threads.h), BLAS with its own threads: the fastest setting
// measured on the seed network (docs/training.md, "Threads"). N > 0: N ATen
// intra-op threads and N kernel threads.
// flush_denormals (run.flush_denormals): subnormal floats read and produced
// as zero (x86 FTZ/DAZ) on the calling thread and the threads started after
// it. Weight decay leaves subnormal weights, and each operation on one takes
// a microcode assist: without it the demo's epochs grew from 4-7 s to
// 12-17 s after epoch 16 (docs/training.md, "Subnormal numbers").
void apply_threads(int threads, bool flush_denormals = true);

// Keeps memory freed between training steps in the process (glibc malloc's
// mmap and trim thresholds raised), so that each step's activations and
// gradients reuse pages instead of faulting in fresh zeroed ones: about 2,400
// page faults per step of the seed network at batch 256 otherwise.
void reuse_freed_memory();

// run.device: cpu; cuda (a Config error naming the cause when this LibTorch
// has no CUDA or sees no device); auto: cuda when available, else cpu.
torch::Device pick_device(const config::Node& device);

}  // namespace storefuse::train
