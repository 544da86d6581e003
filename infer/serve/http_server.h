// HTTP/1.1 with keep-alive on Boost.Beast: an acceptor and a few I/O
// threads; every connection reads one request at a time (bounded header
// and body, read and idle timeouts), hands it to the handler, and writes the
// answer the handler gives back, from any thread. With a certificate and a
// key, every connection is TLS (1.2 or later, OpenSSL through Beast's
// ssl_stream), the handshake bounded by the read timeout.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "metrics.h"

namespace storefuse::infer::serve {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;
// Called exactly once per request, from any thread.
using Reply = std::function<void(HttpResponse&&)>;
using Handler = std::function<void(HttpRequest&&, Reply)>;

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0: any free port (port() says which)
  int io_threads = 1;
  size_t max_body_bytes = size_t{64} << 20;
  size_t max_header_bytes = size_t{16} << 10;
  int max_connections = 256;
  std::chrono::seconds read_timeout{30};  // a request's header and body
  std::chrono::seconds idle_timeout{60};  // a keep-alive connection between requests
  std::string tls_cert;  // PEM certificate chain; with tls_key: HTTPS only
  std::string tls_key;   // PEM private key
};

class HttpServer {
 public:
  // Binds and listens (throws Error(Io) naming the address when it cannot;
  // Error(Usage) naming the file for a certificate or key OpenSSL refuses).
  HttpServer(HttpOptions options, Handler handler, Metrics& metrics);
  ~HttpServer();
  int port() const { return port_; }
  boost::asio::io_context& context() { return context_; }
  // Starts the I/O threads.
  void start();
  // No new connections; every open one answers the request it is reading
  // or sends next with Connection: close, and one that is idle closes
  // after a short wait (a request already on its way is still answered).
  void stop_accepting();
  // Open connections.
  int open_connections() const { return connections_.load(); }
  // Requests read and not yet answered.
  int64_t in_flight() const { return in_flight_.load(); }
  // Stops the I/O threads and joins them (open connections are dropped).
  void stop();

 private:
  class ConnectionBase;
  template <class Stream>
  class Connection;
  struct Tls;
  void accept();
  template <class C>
  void admit(const std::shared_ptr<C>& connection, int open);

  HttpOptions options_;
  Handler handler_;
  Metrics& metrics_;
  boost::asio::io_context context_;
  struct Acceptor;
  std::unique_ptr<Acceptor> acceptor_;
  std::unique_ptr<Tls> tls_;  // none: plain HTTP
  int port_ = 0;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int> connections_{0};
  std::atomic<bool> closing_{false};
  std::mutex registry_mutex_;
  std::vector<std::weak_ptr<ConnectionBase>> registry_;  // for stop_accepting
  // Keeps the I/O threads running while every connection waits for a worker
  // and the acceptor is closed (no socket operation pending).
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
};

// A response with a body and content type, keep-alive as the request asked.
HttpResponse make_response(const HttpRequest& request, http::status status, std::string body,
                           const char* content_type = "application/json");

}  // namespace storefuse::infer::serve
