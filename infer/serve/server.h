// The Open Inference Protocol (v2) over HTTP: health, server and model
// metadata, readiness, infer (JSON and binary tensors), the model
// repository extension, and Prometheus /metrics. docs/serving.md lists the
// endpoints and their answers.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <mutex>
#include <string>

#include "http_server.h"
#include "metrics.h"
#include "repository.h"
#include "v2_codec.h"

namespace storefuse::infer::serve {

struct ServerOptions {
  RequestLimits limits;
  int64_t default_timeout_us = 0;  // a request's deadline when it gives none; 0: none
  std::string token;               // bearer token for the repository endpoints (and infer, with token_for_infer)
  bool token_for_infer = false;
  std::FILE* access_log = nullptr;  // one line per request, or none
};

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

 private:
  void infer(HttpRequest&& request, Reply reply, const std::string& model, const std::string& version);
  void log_access(const HttpRequest& request, const HttpResponse& response, const std::string& id, double ms);

  Repository& repository_;
  Metrics& metrics_;
  ServerOptions options_;
  boost::asio::io_context* context_ = nullptr;
  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> next_id_{1};
  std::mutex log_mutex_;
};

}  // namespace storefuse::infer::serve
