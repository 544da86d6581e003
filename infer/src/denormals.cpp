#include "denormals.h"

// The thread's floating-point control register and the bits that flush:
// x86 MXCSR FTZ | DAZ; arm64 FPCR.FZ (bit 24), which flushes subnormal inputs
// and results, float and double alike (FPCR's bits above 31 are RES0, so the
// 32-bit builtins keep the whole register).
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define STOREFUSE_INFER_FP_CONTROL 1
#elif defined(__aarch64__)
#define STOREFUSE_INFER_FP_CONTROL 1
#endif

namespace storefuse::infer {

namespace {

#if defined(__x86_64__) || defined(__i386__)
constexpr unsigned kFlushBits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
unsigned get_fp_control() { return _mm_getcsr(); }
void set_fp_control(unsigned v) { _mm_setcsr(v); }
#elif defined(__aarch64__)
constexpr unsigned kFlushBits = 1u << 24;  // FZ
unsigned get_fp_control() { return __builtin_aarch64_get_fpcr(); }
void set_fp_control(unsigned v) { __builtin_aarch64_set_fpcr(v); }
#endif
#if defined(STOREFUSE_INFER_FP_CONTROL)
thread_local unsigned worker_saved = 0;
#endif

}  // namespace

FlushDenormalsGuard::FlushDenormalsGuard(bool enable) : enabled_(enable) {
#if defined(STOREFUSE_INFER_FP_CONTROL)
  if (enabled_) {
    saved_ = get_fp_control();
    set_fp_control(saved_ | kFlushBits);
  }
#endif
}

FlushDenormalsGuard::~FlushDenormalsGuard() {
#if defined(STOREFUSE_INFER_FP_CONTROL)
  if (enabled_) set_fp_control(saved_);
#endif
}

FlushDenormalsObserver::FlushDenormalsObserver(tbb::task_arena& arena) : tbb::task_scheduler_observer(arena) {
  observe(true);
}

FlushDenormalsObserver::~FlushDenormalsObserver() { observe(false); }

void FlushDenormalsObserver::on_scheduler_entry(bool is_worker) {
#if defined(STOREFUSE_INFER_FP_CONTROL)
  if (!is_worker) return;  // the calling thread has its guard
  worker_saved = get_fp_control();
  set_fp_control(worker_saved | kFlushBits);
#else
  (void)is_worker;
#endif
}

void FlushDenormalsObserver::on_scheduler_exit(bool is_worker) {
#if defined(STOREFUSE_INFER_FP_CONTROL)
  if (is_worker) set_fp_control(worker_saved);
#else
  (void)is_worker;
#endif
}

}  // namespace storefuse::infer
