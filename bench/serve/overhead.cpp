// What the server adds over Session::run, in process: the time from an
// HTTP request object handed to Server::handle (parse, checks, queue, a
// worker's run, encoding) to the answer, against Session::run of the same
// inputs on this thread, alternating, for a JSON and a binary request.
//   serve_overhead MODEL.onnx REQUEST.json REQUEST.bin HEADER_LENGTH [ROUNDS]
// (bench/serve/make_request.py writes the two bodies.) Prints the median of
// each and their difference per round.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "repository.h"
#include "server.h"
#include "storefuse/infer/process.h"
#include "v2_codec.h"

using namespace storefuse::infer;
using Clock = std::chrono::steady_clock;

namespace {

std::string read(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: serve_overhead MODEL.onnx REQUEST.json REQUEST.bin HEADER_LENGTH [ROUNDS]\n");
    return 2;
  }
  use_single_threaded_blas();
  const std::string json_body = read(argv[2]), binary_body = read(argv[3]), header_length = argv[4];
  const int rounds = argc > 5 ? std::atoi(argv[5]) : 5;
  serve::Metrics metrics;
  serve::BatchOptions batch;
  batch.workers = 1;
  serve::Repository repository(metrics, batch, LoadOptions{});
  repository.add_file("seed", argv[1]);
  repository.load_all();
  serve::Server server(repository, metrics, serve::ServerOptions{});
  server.set_ready(true);
  // The baseline: the same inputs through a Session of the model the server
  // holds (the same weights in memory, so that neither side finds them
  // colder in the caches than the other).
  Session session(repository.find("seed")->shared_model());
  std::map<std::string, Tensor> inputs;
  for (auto& in : serve::parse_infer_request(json_body, json_body.size()).inputs) inputs.emplace(in.name, in.tensor);

  std::mutex mutex;
  std::condition_variable done;
  auto through_server = [&](const std::string& body, bool binary) {
    serve::HttpRequest request{serve::http::verb::post, "/v2/models/seed/infer", 11};
    request.body() = body;
    if (binary) request.set("Inference-Header-Content-Length", header_length);
    request.prepare_payload();
    bool answered = false;
    unsigned status = 0;
    const auto start = Clock::now();
    server.handle(std::move(request), [&](serve::HttpResponse&& res) {
      std::lock_guard<std::mutex> lock(mutex);
      status = res.result_int();
      answered = true;
      done.notify_one();
    });
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [&] { return answered; });
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (status != 200) {
      std::fprintf(stderr, "the server answered %u\n", status);
      std::exit(1);
    }
    return us;
  };
  for (int i = 0; i < 50; ++i) {  // warm-up
    session.run(inputs);
    through_server(json_body, false);
    through_server(binary_body, true);
  }
  std::printf("round  run_us  json_us  binary_us  json_added_us  binary_added_us\n");
  for (int r = 0; r < rounds; ++r) {
    std::vector<double> run, json, binary;
    for (int i = 0; i < 300; ++i) {
      const auto start = Clock::now();
      session.run(inputs);
      run.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      json.push_back(through_server(json_body, false));
      binary.push_back(through_server(binary_body, true));
    }
    const double m = median(run), j = median(json), b = median(binary);
    std::printf("%5d  %6.1f  %7.1f  %9.1f  %13.1f  %15.1f\n", r + 1, m, j, b, j - m, b - m);
  }
  return 0;
}
