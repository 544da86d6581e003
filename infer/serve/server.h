// The Open Inference Protocol (v2) over HTTP: health, server and model
// metadata, readiness, infer (JSON and binary tensors), the model
// repository extension, and Prometheus /metrics. docs/serving.md lists the
// endpoints and their answers.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http_server.h"
#include "metrics.h"
#include "prediction_log.h"
#include "repository.h"
#include "routing.h"
#include "storefuse/core/error.h"
#include "v2_codec.h"

namespace storefuse::infer::serve {

struct ServerOptions {
  RequestLimits limits;
  int64_t default_timeout_us = 0;  // a request's deadline when it gives none; 0: none
  std::string token;               // bearer token for the repository endpoints (and infer, with token_for_infer)
  bool token_for_infer = false;
  std::FILE* access_log = nullptr;  // one line per request, or none
  // Live A/B: a request to /v2/models/NAME/infer of a routed model goes to
  // the variant its unit is assigned (a versioned path bypasses routing).
  const Routing* routing = nullptr;
  PredictionLog* prediction_log = nullptr;  // every answer, or none
  // POST /v1/visits:predict: threads decoding media and computing features
  // (off the I/O thread), and the visits they may hold, running or waiting;
  // past it: 503 + Retry-After.
  int media_threads = 1;
  int max_visits = 16;
};

// An Error as an HTTP status (Data, Usage, Unsupported: 400; Io: 404; else
// 500) and as the message of {"error": ...}: problem (where); fix.
http::status status_of(const Error& e);
std::string error_message(const Error& e);
// The request parameter `outcome` (a replay client's label, a known
// conversion), copied into the prediction log; Error(Data) if not a number.
std::optional<double> outcome_of(const std::map<std::string, std::string>& parameters);
// Counts an answered job in its series: success (and rows) or failure, and
// its queue, compute and request durations.
void record(ModelSeries& s, const JobResult& r);
// 503 with Retry-After: 1 and {"error": what}: a queue or a limit is full.
HttpResponse busy(const HttpRequest& request, const std::string& what);
// Seconds since the Unix epoch: the prediction log's time.
double unix_time_s();
// Releases an instance on an I/O thread, never in one of its own workers
// (Job::done).
void release_instance(boost::asio::io_context* context, std::shared_ptr<ModelInstance>& instance);

class Server {
 public:
  Server(Repository& repository, Metrics& metrics, ServerOptions options);
  // Where answers computed on worker threads release the model instance
  // they held (see Job::done).
  void set_context(boost::asio::io_context* context) { context_ = context; }
  void handle(HttpRequest&& request, Reply reply);
  // Readiness: true once models are loaded, false from the first SIGTERM.
  void set_ready(bool ready) { ready_.store(ready); }
  bool ready() const { return ready_.load() && repository_.any_ready(); }
  // Waits for the visits the media threads hold (decoding, or handing to a
  // worker), so that none answers after the HTTP server is gone. At
  // shutdown, after the connections drained and before HttpServer::stop.
  void finish_media() { media_pool_.join(); }

 private:
  void infer(HttpRequest&& request, Reply reply, const std::string& request_id, const std::string& model,
             const std::string& version);
  // What an answer carries besides its outputs: the variant, and what the
  // prediction log and the shadow copy need.
  struct Answer {
    std::string request_id, unit_id, experiment, variant;
    std::optional<double> outcome;
    std::shared_ptr<ModelInstance> shadow;  // the shadow variant's instance, or none
    std::string shadow_variant;
    ModelSeries* shadow_series = nullptr;
    std::map<std::string, Tensor> inputs;  // for the shadow copy (storage shared)
    int64_t rows = 0;
  };
  // A routed model's instance for the request's unit (the parameter the
  // route names, else its header); fills `answer`'s routing fields and the
  // variant's series. Error(Io) when that version is not loaded.
  std::shared_ptr<ModelInstance> routed_instance(const Route& route, const std::map<std::string, std::string>& parameters,
                                                 const HttpRequest& request, Answer& answer, ModelSeries*& series);
  // The request's deadline: parameters.timeout (microseconds), else the default.
  int64_t timeout_us(const std::map<std::string, std::string>& parameters) const;
  // POST /v1/visits:predict (server_visits.cpp): runs on the media threads.
  void visit(HttpRequest&& request, Reply reply, const std::string& request_id);
  void run_visit(const HttpRequest& request, const Reply& reply, const std::string& request_id);
  // POST /v1/outcomes (server_outcomes.cpp): the answer's body.
  std::string outcomes(const std::string& body);
  // The end of every answered job: counts it in its series, sends the
  // response, then, for a 200, logs it and copies it to the shadow variant;
  // releases the instances on an I/O thread.
  void finish(JobResult& r, HttpResponse&& res, const Reply& reply, std::shared_ptr<ModelInstance>& instance,
              ModelSeries& series, const std::shared_ptr<Answer>& answer, double latency_ms);
  // Queues the job on its version; a full queue (or one past
  // --max-queue-wait-ms) is counted as rejected and answered 503.
  void enqueue(ModelInstance& instance, ModelSeries& series, Job&& job, const HttpRequest& request, const Reply& reply);
  void log_answer(const Answer& answer, const ModelInstance& instance, const std::string& variant, bool shadow,
                  double latency_ms, std::map<std::string, Tensor>&& outputs);
  void submit_shadow(const std::shared_ptr<Answer>& answer);
  void log_access(const HttpRequest& request, const HttpResponse& response, const std::string& id, double ms);

  Repository& repository_;
  Metrics& metrics_;
  ServerOptions options_;
  boost::asio::io_context* context_ = nullptr;
  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> next_id_{1};
  std::mutex log_mutex_;
  std::atomic<int> visits_{0};  // held by the media threads: running or waiting
  boost::asio::thread_pool media_pool_;  // last: joined before the rest goes
};

}  // namespace storefuse::infer::serve
