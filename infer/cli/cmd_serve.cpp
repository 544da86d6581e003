// storefuse-infer serve: the model server (docs/serving.md). Loads one model
// (--model) or a repository (--repository DIR/{name}/{version}/model.onnx),
// answers the Open Inference Protocol v2 over HTTP on 127.0.0.1 by default,
// and runs until SIGTERM or SIGINT: readiness turns off, requests are still
// served for --grace-period, then the listener closes, in-flight requests
// finish and the process exits 0. SIGHUP reloads every model.
// --routing splits a model's traffic between its versions (live A/B, canary,
// shadow); --prediction-log writes every answer for `storefuse abtest analyse`.
#include <pthread.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "../serve/http_server.h"
#include "../serve/prediction_log.h"
#include "../serve/repository.h"
#include "../serve/routing.h"
#include "../serve/server.h"
#include "command.h"
#include "environment.h"
#include "storefuse/core/error.h"

namespace storefuse::infer::cli {

namespace {

std::string model_name_of(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  return stem.empty() ? "model" : stem;
}

}  // namespace

int run_serve(const std::vector<std::string>& args) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  po::options_description options("serve options");
  options.add_options()
      ("model,m", po::value<std::string>(), "one ONNX model to serve (version 1)")
      ("name", po::value<std::string>(), "the name --model is served under (default: its file name without .onnx)")
      ("repository", po::value<std::string>(), "a model repository: DIR/{name}/{version}/model.onnx")
      ("host", po::value<std::string>()->default_value("127.0.0.1"), "address to listen on (0.0.0.0: every interface)")
      ("port", po::value<int>()->default_value(8000), "port to listen on (0: any free port, printed)")
      ("workers", po::value<int>()->default_value(cores), "worker threads per model version, one Session each")
      ("threads", po::value<int>()->default_value(1), "threads of one run (SessionOptions::threads)")
      ("io-threads", po::value<int>()->default_value(1), "HTTP threads (reading, parsing, writing)")
      ("max-batch", po::value<int>()->default_value(1), "rows per run with dynamic batching (1: off)")
      ("max-queue-delay-us", po::value<int64_t>()->default_value(0),
       "how long a worker waits for more requests to fill a batch (0: never waits)")
      ("max-queue-wait-ms", po::value<double>()->default_value(0.0),
       "refuse (503) a request that would wait longer than this in the queue, by the recent compute time per "
       "request; 0: only --queue bounds it")
      ("queue", po::value<int>()->default_value(64), "requests queued per model version; past it: 503 + Retry-After")
      ("timeout-ms", po::value<int64_t>()->default_value(0),
       "deadline of a request that gives none (parameters.timeout, microseconds); 0: none")
      ("max-body-mb", po::value<int>()->default_value(64), "largest request body")
      ("max-connections", po::value<int>()->default_value(256), "open connections; past it: 503 and close")
      ("idle-timeout-s", po::value<int>()->default_value(60), "a keep-alive connection's wait for its next request")
      ("read-timeout-s", po::value<int>()->default_value(30), "a request's header and body")
      ("grace-period", po::value<double>()->default_value(5.0),
       "seconds of serving with readiness off after SIGTERM, before the listener closes")
      ("token-file", po::value<std::string>(),
       "a file holding a bearer token that the repository endpoints require")
      ("token-for-infer", po::bool_switch(), "require the token for infer as well")
      ("tls-cert", po::value<std::string>(), "serve HTTPS only (TLS 1.2+): a PEM certificate chain, with --tls-key")
      ("tls-key", po::value<std::string>(), "the PEM private key of --tls-cert (unencrypted)")
      ("access-log", po::value<std::string>(), "a line per request (id, method, path, status, bytes, ms): a file, or - for stderr")
      ("routing", po::value<std::string>(),
       "live A/B: a YAML file of variants (versions) per model, their weights, the unit and an optional shadow (docs/serving.md)")
      ("prediction-log", po::value<std::string>(),
       "every answer, for 'storefuse abtest analyse --log': FILE.jsonl or FILE.csv, written in the background")
      ("prediction-log-queue", po::value<int>()->default_value(10000),
       "answers waiting for the log writer; past it they are dropped and counted")
      ("prediction-log-max-mb", po::value<double>()->default_value(100.0), "size at which the log is rotated (FILE -> FILE.1)")
      ("prediction-log-keep", po::value<int>()->default_value(3), "rotated log files kept (FILE.1 .. FILE.N)")
      ("media-threads", po::value<int>()->default_value(1),
       "threads decoding the media of /v1/visits:predict and computing their features")
      ("max-visits", po::value<int>()->default_value(16),
       "visits being decoded or waiting for a media thread; past it: 503 + Retry-After");
  add_load_options(options);
  po::variables_map vm;
  if (!parse_args("serve", "(--model MODEL.onnx | --repository DIR) [--port 8000]", options, args, vm)) return 0;
  if (!vm.count("model") == !vm.count("repository"))
    throw Error(ErrorKind::Usage, "give --model or --repository (one of them)", "storefuse-infer serve",
                "run 'storefuse-infer serve --help' for the options");
  auto positive = [&](const char* name) {
    const int v = vm[name].as<int>();
    if (v < 1) throw Error(ErrorKind::Usage, std::string("--") + name + " must be at least 1", "storefuse-infer serve");
    return v;
  };

  serve::BatchOptions batch;
  batch.workers = positive("workers");
  batch.session = session_options(positive("threads"));
  batch.max_batch = positive("max-batch");
  batch.max_queue_delay_us = vm["max-queue-delay-us"].as<int64_t>();
  batch.queue_capacity = positive("queue");
  const double max_wait_ms = vm["max-queue-wait-ms"].as<double>();
  if (!(max_wait_ms >= 0)) throw Error(ErrorKind::Usage, "--max-queue-wait-ms must not be negative", "storefuse-infer serve");
  batch.max_queue_wait_us = static_cast<int64_t>(max_wait_ms * 1000);
  if (batch.max_queue_delay_us < 0)
    throw Error(ErrorKind::Usage, "--max-queue-delay-us must not be negative", "storefuse-infer serve");

  serve::HttpOptions http;
  http.host = vm["host"].as<std::string>();
  http.port = vm["port"].as<int>();
  if (http.port < 0 || http.port > 65535) throw Error(ErrorKind::Usage, "--port must be 0-65535", "storefuse-infer serve");
  http.io_threads = positive("io-threads");
  http.max_body_bytes = static_cast<size_t>(positive("max-body-mb")) << 20;
  http.max_connections = positive("max-connections");
  http.idle_timeout = std::chrono::seconds(positive("idle-timeout-s"));
  http.read_timeout = std::chrono::seconds(positive("read-timeout-s"));
  if (vm.count("tls-cert")) http.tls_cert = vm["tls-cert"].as<std::string>();
  if (vm.count("tls-key")) http.tls_key = vm["tls-key"].as<std::string>();

  serve::ServerOptions server_options;
  server_options.default_timeout_us = vm["timeout-ms"].as<int64_t>() * 1000;
  server_options.limits.max_tensor_bytes = static_cast<int64_t>(http.max_body_bytes);
  if (vm.count("token-file")) {
    std::string token;
    std::FILE* f = std::fopen(vm["token-file"].as<std::string>().c_str(), "r");
    if (!f) throw Error(ErrorKind::Io, "cannot read the token file", vm["token-file"].as<std::string>());
    char buf[512];
    const size_t n = std::fread(buf, 1, sizeof buf, f);
    std::fclose(f);
    token.assign(buf, n);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
    if (token.empty()) throw Error(ErrorKind::Usage, "the token file is empty", vm["token-file"].as<std::string>());
    server_options.token = token;
  }
  server_options.token_for_infer = vm["token-for-infer"].as<bool>();
  server_options.media_threads = positive("media-threads");
  server_options.max_visits = positive("max-visits");
  if (server_options.token_for_infer && server_options.token.empty())
    throw Error(ErrorKind::Usage, "--token-for-infer needs --token-file", "storefuse-infer serve");
  std::FILE* access_log = nullptr;
  if (vm.count("access-log")) {
    const std::string path = vm["access-log"].as<std::string>();
    access_log = path == "-" ? stderr : std::fopen(path.c_str(), "a");
    if (!access_log) throw Error(ErrorKind::Io, "cannot open the access log", path);
  }
  server_options.access_log = access_log;

  // The routing file is checked before any model loads (its versions, after).
  std::optional<serve::Routing> routing;
  if (vm.count("routing")) routing = serve::Routing::load(vm["routing"].as<std::string>());
  serve::PredictionLogOptions log_options;
  if (vm.count("prediction-log")) {
    log_options.path = vm["prediction-log"].as<std::string>();
    log_options.queue_capacity = static_cast<size_t>(positive("prediction-log-queue"));
    const double max_mb = vm["prediction-log-max-mb"].as<double>();
    if (!(max_mb > 0)) throw Error(ErrorKind::Usage, "--prediction-log-max-mb must be positive", "storefuse-infer serve");
    log_options.max_bytes = static_cast<uint64_t>(max_mb * 1024 * 1024);
    log_options.keep = vm["prediction-log-keep"].as<int>();
    if (log_options.keep < 0) throw Error(ErrorKind::Usage, "--prediction-log-keep must not be negative", "storefuse-infer serve");
  }

  // The signals go to a thread that waits for them (sigwait), never to a
  // handler: block them here, before any thread starts, so all inherit it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  serve::Metrics metrics;
  // Declared before the repository: answers finishing while it drains still log.
  std::unique_ptr<serve::PredictionLog> prediction_log;
  if (!log_options.path.empty()) prediction_log = std::make_unique<serve::PredictionLog>(log_options, metrics);
  serve::Repository repository(metrics, batch, load_options(vm));
  if (vm.count("model")) {
    const std::string path = vm["model"].as<std::string>();
    repository.add_file(vm.count("name") ? vm["name"].as<std::string>() : model_name_of(path), path);
  } else {
    repository.set_directory(vm["repository"].as<std::string>());
  }
  const auto errors = repository.load_all();
  for (const std::string& e : errors) std::cerr << "storefuse-infer serve: not loaded: " << e << "\n";
  if (vm.count("model") && !errors.empty())
    throw Error(ErrorKind::Model, "the model did not load", vm["model"].as<std::string>());
  if (routing) {
    routing->check(repository);
    server_options.routing = &*routing;
  }
  server_options.prediction_log = prediction_log.get();

  serve::Server server(repository, metrics, server_options);
  serve::HttpServer listener(http, [&server](serve::HttpRequest&& r, serve::Reply reply) { server.handle(std::move(r), std::move(reply)); },
                             metrics);
  server.set_context(&listener.context());
  listener.start();
  server.set_ready(true);
  for (const auto& e : repository.index())
    if (e.state == "READY") std::cout << "serving " << e.name << " version " << e.version << "\n";
  std::cout << "listening on " << http.host << ":" << listener.port() << std::endl;

  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      for (const std::string& e : repository.load_all()) std::cerr << "storefuse-infer serve: reload failed: " << e << "\n";
      std::cerr << "storefuse-infer serve: reloaded\n";
      continue;
    }
    break;
  }
  std::cerr << "storefuse-infer serve: stopping: readiness off, serving for " << vm["grace-period"].as<double>() << " s\n";
  server.set_ready(false);
  std::this_thread::sleep_for(std::chrono::duration<double>(vm["grace-period"].as<double>()));
  // Each connection answers what it is reading with Connection: close; idle
  // ones close. Waits for all of them (or the read timeout).
  listener.stop_accepting();
  const auto limit = std::chrono::steady_clock::now() + http.read_timeout;
  while ((listener.in_flight() > 0 || listener.open_connections() > 0) && std::chrono::steady_clock::now() < limit)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server.finish_media();
  const int64_t left = listener.in_flight();
  listener.stop();
  repository.clear();
  if (prediction_log) prediction_log->close();  // what is queued is written and flushed
  if (access_log && access_log != stderr) std::fclose(access_log);
  if (left > 0) {
    std::cerr << "storefuse-infer serve: " << left << " requests were still running after " << http.read_timeout.count()
              << " s and were dropped\n";
    return 1;
  }
  std::cerr << "storefuse-infer serve: stopped\n";
  return 0;
}

}  // namespace storefuse::infer::cli
