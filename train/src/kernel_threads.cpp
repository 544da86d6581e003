#include "storefuse/train/kernel_threads.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace storefuse::train {
namespace {

class KernelPool {
 public:
  ~KernelPool() { resize(1); }

  void resize(int threads) {
    std::lock_guard<std::mutex> call(call_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    stop_ = false;
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
    threads_ = threads;
  }

  int threads() const { return threads_; }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
    grain = std::max<int64_t>(grain, 1);
    const int64_t chunks = (n + grain - 1) / grain;
    std::unique_lock<std::mutex> call(call_, std::try_to_lock);
    if (chunks <= 1 || !call.owns_lock() || workers_.empty()) {
      for (int64_t begin = 0; begin < n; begin += grain) f(begin, std::min(n, begin + grain));
      return;
    }
    Job job(&f, n, grain, chunks);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      ++generation_;
    }
    wake_.notify_all();
    job.run_chunks();
    {
      std::unique_lock<std::mutex> lock(mutex_);
      job_ = nullptr;  // no worker joins from here on
      done_.wait(lock, [&] { return active_ == 0; });
    }
    if (job.error) std::rethrow_exception(job.error);
  }

 private:
  struct Job {
    Job(const std::function<void(int64_t, int64_t)>* f, int64_t n, int64_t grain, int64_t chunks)
        : f(f), n(n), grain(grain), chunks(chunks) {}
    const std::function<void(int64_t, int64_t)>* f;
    int64_t n, grain, chunks;
    std::atomic<int64_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;

    void run_chunks() {
      for (int64_t c; (c = next.fetch_add(1)) < chunks;) {
        try {
          (*f)(c * grain, std::min(n, (c + 1) * grain));
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
        }
      }
    }
  };

  void work() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || (job_ != nullptr && generation_ != seen); });
      if (stop_) return;
      seen = generation_;
      Job* job = job_;
      ++active_;
      lock.unlock();
      job->run_chunks();
      lock.lock();
      if (--active_ == 0) done_.notify_one();
    }
  }

  std::mutex call_;  // one call in flight; nested or concurrent calls run serially
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  Job* job_ = nullptr;
  uint64_t generation_ = 0;
  int active_ = 0;
  int threads_ = 1;
  bool stop_ = false;
};

int cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

KernelPool& pool() {
  static KernelPool* p = [] {
    auto* created = new KernelPool;  // never destroyed: workers must outlive static destructors
    created->resize(cores());
    return created;
  }();
  return *p;
}

}  // namespace

void set_kernel_threads(int n) { pool().resize(n > 0 ? n : cores()); }

int kernel_threads() { return pool().threads(); }

void parallel_chunks(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
  pool().run(n, grain, f);
}

}  // namespace storefuse::train
