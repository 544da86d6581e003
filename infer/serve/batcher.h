// One loaded model version and the workers that run it: a bounded queue of
// requests, and worker threads (each with its own Session) that take
// requests from it and run them together, up to a maximum batch, waiting at
// most a maximum queue delay for more (0: a free worker never waits).
// Requests are batched along their first dimension when the model's inputs
// and outputs all have a dynamic first dimension; otherwise one at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics.h"
#include "storefuse/infer/model.h"
#include "storefuse/infer/session.h"

namespace storefuse::infer::serve {

using Clock = std::chrono::steady_clock;

struct BatchOptions {
  int workers = 1;                // threads, one Session each
  SessionOptions session;         // each worker's (threads: per run)
  int max_batch = 1;              // rows per run; 1 turns batching off
  int64_t max_queue_delay_us = 0; // how long a worker waits to fill a batch
  int queue_capacity = 64;        // requests waiting; past it: 503
  // Admission by expected wait: a request that would wait longer than this
  // in the queue (the requests ahead of it times the recent compute time per
  // request, over the workers) is refused (503) instead of queued, so that
  // admitted requests keep their latency under overload. 0: off (the queue
  // bound alone).
  int64_t max_queue_wait_us = 0;
};

// What a run gives a request back.
struct JobResult {
  std::map<std::string, Tensor> outputs;  // this request's rows
  int status = 200;                       // 400 bad input, 504 deadline, 500 run failure
  std::string error;
  double queue_s = 0, compute_s = 0;
  int64_t batch_rows = 0;                 // rows in the run that computed it
};

struct Job {
  std::map<std::string, Tensor> inputs;
  int64_t rows = 0;
  Clock::time_point admitted, deadline;
  // Called once, from a worker thread. It must not keep the instance alive
  // past its return (post the answer to another thread, moving out what it
  // captured): the last reference to an instance must not drop in one of
  // its own workers.
  std::function<void(JobResult&&)> done;
};

class VisitModel;

class ModelInstance {
 public:
  ModelInstance(std::string name, std::string version, std::shared_ptr<const Model> model, BatchOptions options,
                ModelSeries& series);
  ~ModelInstance();  // finishes what is queued, then joins the workers
  ModelInstance(const ModelInstance&) = delete;
  ModelInstance& operator=(const ModelInstance&) = delete;

  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const Model& model() const { return *model_; }
  const std::shared_ptr<const Model>& shared_model() const { return model_; }
  bool batches() const { return options_.max_batch > 1; }
  const BatchOptions& options() const { return options_; }
  ModelSeries& series() { return series_; }
  // Names of behavior_logits' classes from the model's metadata (empty if
  // it has none), for the prediction log.
  const std::shared_ptr<const std::vector<std::string>>& class_names() const { return class_names_; }

  // Checks the inputs against the model: every declared input present, its
  // datatype and every dimension but a dynamic one as declared, the same
  // rows in all, and no others. Returns the rows. Throws Error(Data).
  int64_t check_inputs(const std::map<std::string, Tensor>& inputs) const;
  // Queues the job; false when the queue is full (the caller answers 503).
  bool submit(Job job);
  size_t queued() const;

 private:
  void work(int index);
  void run_batch(Session& session, std::vector<Job>& jobs);

  std::string name_, version_;
  std::shared_ptr<const Model> model_;
  BatchOptions options_;
  ModelSeries& series_;
  std::shared_ptr<const std::vector<std::string>> class_names_;
  // The raw-media endpoint's adapter and feature pipeline (visits.h), made
  // on first use.
  friend const VisitModel& visit_model(const ModelInstance& instance);
  mutable std::once_flag visit_once_;
  mutable std::shared_ptr<const VisitModel> visit_model_;
  mutable std::exception_ptr visit_error_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  // Recent compute time per request (an exponential average over runs, a
  // batched run's time shared by its requests), for max_queue_wait_us.
  std::atomic<int64_t> service_ns_{0};
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace storefuse::infer::serve
