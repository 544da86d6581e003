// Flush-to-zero and denormals-are-zero for the threads of a session's runs
// (SessionOptions::flush_denormals): x86 MXCSR bits (arm64: FPCR.FZ), set on
// entry and restored on exit, so that threads shared with other code keep
// their own settings. No-ops on other CPUs.
#pragma once

#include <tbb/task_arena.h>
#include <tbb/task_scheduler_observer.h>

namespace storefuse::infer {

// The calling thread, for the guard's lifetime.
class FlushDenormalsGuard {
 public:
  explicit FlushDenormalsGuard(bool enable);
  ~FlushDenormalsGuard();
  FlushDenormalsGuard(const FlushDenormalsGuard&) = delete;
  FlushDenormalsGuard& operator=(const FlushDenormalsGuard&) = delete;

 private:
  bool enabled_;
  unsigned saved_ = 0;
};

// Every worker thread while it works in `arena`.
class FlushDenormalsObserver : public tbb::task_scheduler_observer {
 public:
  explicit FlushDenormalsObserver(tbb::task_arena& arena);
  ~FlushDenormalsObserver() override;
  void on_scheduler_entry(bool is_worker) override;
  void on_scheduler_exit(bool is_worker) override;
};

}  // namespace storefuse::infer
