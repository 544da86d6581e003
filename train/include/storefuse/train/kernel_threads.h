// Threads for storefuse's own CPU kernels: the fused optimizer step and
// gradient norm, ReLU + dropout, attention over modality tokens.
//
//   set_kernel_threads(0);                       // one per core
//   parallel_chunks(n, 1 << 15, [&](int64_t begin, int64_t end) { ... });
//
// Why not at::parallel_for: ATen's OpenMP workers spin after each parallel
// region, and on a small machine they spin against OpenBLAS's own GEMM
// threads (docs/training.md, "Threads"). These workers sleep on a condition
// variable between calls, so storefuse keeps ATen at one intra-op thread and
// still runs its memory-bound kernels on every core between the GEMMs.
//
// Chunks are fixed ranges of `grain` elements handed out through a counter:
// the caller works too and never waits for a worker that has not started,
// so a descheduled worker (a busy machine) costs nothing. Which thread runs
// a chunk never changes a result: kernels either write disjoint elements or
// reduce over fixed blocks.
#pragma once

#include <cstdint>
#include <functional>

namespace storefuse::train {

// n > 0: that many threads (the caller and n - 1 workers); 0: one per core.
void set_kernel_threads(int n);
int kernel_threads();

// Runs f(begin, end) over [0, n) in chunks of `grain` (the last may be
// shorter), on the kernel threads, and returns when all are done. A call
// made while another is in flight (from a worker, or from a second thread)
// runs on the calling thread alone. An exception thrown by f is rethrown.
void parallel_chunks(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f);

}  // namespace storefuse::train
