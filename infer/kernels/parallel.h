// Splitting a loop across the threads of the session's TBB arena.
#pragma once

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <cstdint>

namespace storefuse::infer {

// Below this many elements a loop runs on the calling thread.
constexpr int64_t kParallelGrain = 16384;

// Calls f(begin, end) over disjoint blocks covering [0, n), each at least
// `grain` long, on the arena's threads (inline when one is enough).
template <class F>
void parallel_range(int64_t n, int64_t grain, F&& f) {
  if (n <= grain || tbb::this_task_arena::max_concurrency() <= 1) {
    if (n > 0) f(int64_t{0}, n);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, n, grain),
                    [&](const tbb::blocked_range<int64_t>& r) { f(r.begin(), r.end()); });
}

}  // namespace storefuse::infer
