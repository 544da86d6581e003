#include "denormals.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define STOREFUSE_INFER_MXCSR 1
#endif

namespace storefuse::infer {

namespace {

#if defined(STOREFUSE_INFER_MXCSR)
constexpr unsigned kFlushBits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
thread_local unsigned worker_saved = 0;
#endif

}  // namespace

FlushDenormalsGuard::FlushDenormalsGuard(bool enable) : enabled_(enable) {
#if defined(STOREFUSE_INFER_MXCSR)
  if (enabled_) {
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | kFlushBits);
  }
#endif
}

FlushDenormalsGuard::~FlushDenormalsGuard() {
#if defined(STOREFUSE_INFER_MXCSR)
  if (enabled_) _mm_setcsr(saved_);
#endif
}

FlushDenormalsObserver::FlushDenormalsObserver(tbb::task_arena& arena) : tbb::task_scheduler_observer(arena) {
  observe(true);
}

FlushDenormalsObserver::~FlushDenormalsObserver() { observe(false); }

void FlushDenormalsObserver::on_scheduler_entry(bool is_worker) {
#if defined(STOREFUSE_INFER_MXCSR)
  if (!is_worker) return;  // the calling thread has its guard
  worker_saved = _mm_getcsr();
  _mm_setcsr(worker_saved | kFlushBits);
#else
  (void)is_worker;
#endif
}

void FlushDenormalsObserver::on_scheduler_exit(bool is_worker) {
#if defined(STOREFUSE_INFER_MXCSR)
  if (is_worker) _mm_setcsr(worker_saved);
#else
  (void)is_worker;
#endif
}

}  // namespace storefuse::infer
