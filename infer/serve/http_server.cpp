#include "http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <algorithm>
#include <fstream>
#include <optional>
#include <type_traits>

#include "storefuse/core/error.h"
#include "v2_codec.h"

namespace storefuse::infer::serve {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct HttpServer::Acceptor {
  explicit Acceptor(net::io_context& c) : acceptor(net::make_strand(c)) {}
  tcp::acceptor acceptor;
};

HttpResponse make_response(const HttpRequest& request, http::status status, std::string body, const char* content_type) {
  HttpResponse res(status, request.version());
  res.set(http::field::server, "storefuse-infer");
  res.set(http::field::content_type, content_type);
  res.keep_alive(request.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// What stop_accepting needs of a connection, plain or TLS.
class HttpServer::ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  virtual net::any_io_executor executor() = 0;
  virtual void drain() = 0;
};

struct HttpServer::Tls {
  ssl::context context{ssl::context::tls_server};
};

template <class Stream>
class HttpServer::Connection : public HttpServer::ConnectionBase,
                               public std::enable_shared_from_this<HttpServer::Connection<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <class... TlsContext>
  Connection(tcp::socket&& socket, HttpServer& server, TlsContext&... tls) : stream_(std::move(socket), tls...), server_(server) {
    server_.metrics_.open_connections.fetch_add(1);
  }
  ~Connection() override {
    server_.metrics_.open_connections.fetch_sub(1);
    server_.connections_.fetch_sub(1);
  }

  net::any_io_executor executor() override { return stream_.get_executor(); }
  // At shutdown: an idle connection gets a short while for a request that
  // may be on its way, then closes.
  // (A new expiry does not reach a read already waiting, so a timer of its
  // own cancels it.)
  void drain() override {
    if (!idle_) return;
    drain_timer_.emplace(stream_.get_executor());
    drain_timer_->expires_after(kDrainWait);
    drain_timer_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec && self->idle_) self->lowest().cancel();
    });
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->handshake([self] { self->read(); }); });
  }

  // Refuses the connection: one 503 and close.
  void refuse() {
    handshake([self = this->shared_from_this()] {
      auto res = std::make_shared<HttpResponse>(http::status::service_unavailable, 11);
      res->set(http::field::content_type, "application/json");
      res->set(http::field::retry_after, "1");
      res->keep_alive(false);
      res->body() = error_body("the server is at its connection limit");
      res->prepare_payload();
      self->lowest().expires_after(std::chrono::seconds(5));
      http::async_write(self->stream_, *res, [self, res](beast::error_code, size_t) { self->close(); });
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // TLS: the handshake, within the read timeout, then `next`; a failed one
  // (a plain-HTTP client, a bad certificate) closes the connection.
  template <class Next>
  void handshake(Next next) {
    if constexpr (kTls) {
      lowest().expires_after(server_.options_.read_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this(), next](beast::error_code ec) {
        if (ec) {
          self->server_.metrics_.http_errors.fetch_add(1);
          beast::error_code ignored;
          self->lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
          return;
        }
        next();
      });
    } else {
      next();
    }
  }

  void read() {
    idle_ = buffer_.size() == 0;
    parser_.emplace();
    parser_->body_limit(server_.options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_.options_.max_header_bytes));
    // A connection's first request, header and body, must arrive within the
    // read timeout; each later one within the idle timeout (one timer for
    // the wait and the read).
    lowest().expires_after(server_.closing_.load() ? kDrainWait
                           : first_ ? server_.options_.read_timeout : server_.options_.idle_timeout);
    first_ = false;
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    idle_ = false;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::connection_reset ||
        ec == net::error::operation_aborted || ec == net::error::eof || ec == ssl::error::stream_truncated) {
      return close();
    }
    if (ec) {
      // Too big, malformed: answer once and close.
      http::status status = http::status::bad_request;
      std::string what = "bad HTTP request: " + ec.message();
      if (ec == http::error::body_limit) {
        status = http::status::payload_too_large;
        what = "the body is larger than the limit of " + std::to_string(server_.options_.max_body_bytes) + " bytes";
      } else if (ec == http::error::header_limit) {
        status = http::status::request_header_fields_too_large;
        what = "the header is larger than the limit of " + std::to_string(server_.options_.max_header_bytes) + " bytes";
      }
      HttpRequest none;
      none.version(11);
      none.keep_alive(false);
      server_.metrics_.http_errors.fetch_add(1);
      return write(make_response(none, status, error_body(what)), true, false);
    }
    HttpRequest request = parser_->release();
    server_.in_flight_.fetch_add(1);
    lowest().expires_never();
    auto self = this->shared_from_this();
    Reply reply = [self](HttpResponse&& res) {
      auto shared = std::make_shared<HttpResponse>(std::move(res));
      net::post(self->stream_.get_executor(), [self, shared] { self->write(std::move(*shared), false, true); });
    };
    try {
      server_.handler_(std::move(request), std::move(reply));
    } catch (const std::exception& e) {
      // The handler answers its own errors; this is a bug, not the client's.
      HttpRequest none;
      none.version(11);
      write(make_response(none, http::status::internal_server_error, error_body(e.what())), true, true);
    }
  }

  // `answered`: the answer to a request counted in flight, which stops
  // counting once written.
  void write(HttpResponse&& res, bool close_after, bool answered) {
    server_.metrics_.http_requests.fetch_add(1);
    if (res.result_int() >= 400) server_.metrics_.http_errors.fetch_add(1);
    if (server_.closing_.load()) res.keep_alive(false);
    const bool keep = res.keep_alive() && !close_after;
    response_ = std::make_shared<HttpResponse>(std::move(res));
    lowest().expires_after(server_.options_.read_timeout);
    http::async_write(stream_, *response_, [self = this->shared_from_this(), keep, answered](beast::error_code ec, size_t) {
      self->response_.reset();
      if (answered) self->server_.in_flight_.fetch_sub(1);
      if (ec || !keep) return self->close();
      self->read();
    });
  }

  // TLS sends its close_notify first (bounded: a peer that is gone does not
  // hold the connection); then the TCP send side shuts.
  void close() {
    if constexpr (kTls) {
      lowest().expires_after(kDrainWait);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ec;
        self->lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  HttpServer& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpResponse> response_;
  bool first_ = true;
  bool idle_ = false;  // waiting for a request, nothing of it read
  std::optional<net::steady_timer> drain_timer_;
  static constexpr std::chrono::milliseconds kDrainWait{250};
};

HttpServer::HttpServer(HttpOptions options, Handler handler, Metrics& metrics)
    : options_(std::move(options)), handler_(std::move(handler)), metrics_(metrics), acceptor_(std::make_unique<Acceptor>(context_)) {
  beast::error_code ec;
  const auto address = net::ip::make_address(options_.host, ec);
  if (ec)
    throw Error(ErrorKind::Usage, "'" + options_.host + "' is not an IP address", "--host", "give one such as 127.0.0.1");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  auto& a = acceptor_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw Error(ErrorKind::Io, "cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " + ec.message(),
                "storefuse-infer serve", "pick another --port, or stop what holds this one");
  port_ = a.local_endpoint().port();
  if (options_.tls_cert.empty() != options_.tls_key.empty())
    throw Error(ErrorKind::Usage, "TLS needs both a certificate and its key", "--tls-cert, --tls-key",
                "give both PEM files, or neither for plain HTTP");
  if (!options_.tls_cert.empty()) {
    for (const std::string* file : {&options_.tls_cert, &options_.tls_key})
      if (!std::ifstream(*file))
        throw Error(ErrorKind::Usage, "cannot read the TLS " + std::string(file == &options_.tls_cert ? "certificate" : "key"),
                    *file, "check the path and its permissions");
    tls_ = std::make_unique<Tls>();
    auto& ctx = tls_->context;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    ctx.use_certificate_chain_file(options_.tls_cert, ec);
    if (ec)
      throw Error(ErrorKind::Usage, "cannot use the TLS certificate: " + ec.message(), options_.tls_cert,
                  "give a PEM certificate chain (the server's certificate first)");
    ctx.use_private_key_file(options_.tls_key, ssl::context::pem, ec);
    if (ec)
      throw Error(ErrorKind::Usage, "cannot use the TLS key: " + ec.message(), options_.tls_key,
                  "give the PEM private key the certificate was made with, unencrypted");
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
      throw Error(ErrorKind::Usage, "the TLS key does not belong to the certificate", options_.tls_key,
                  "give the key the certificate was made with");
  }
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  work_.emplace(context_.get_executor());
  accept();
  for (int i = 0; i < std::max(1, options_.io_threads); ++i) threads_.emplace_back([this] { context_.run(); });
}

void HttpServer::accept() {
  acceptor_->acceptor.async_accept(net::make_strand(context_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor_->acceptor.is_open()) return;
      return accept();
    }
    const int open = connections_.fetch_add(1) + 1;
    if (tls_) {
      admit(std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), *this, tls_->context), open);
    } else {
      admit(std::make_shared<Connection<beast::tcp_stream>>(std::move(socket), *this), open);
    }
    accept();
  });
}

template <class C>
void HttpServer::admit(const std::shared_ptr<C>& c, int open) {
  if (open > options_.max_connections || closing_.load()) {
    metrics_.refused_connections.fetch_add(1);
    return c->refuse();
  }
  {
    std::lock_guard<std::mutex> lock(registry_mutex_);
    // Drop the entries of closed connections now and then.
    if (registry_.size() >= 2 * static_cast<size_t>(options_.max_connections))
      registry_.erase(std::remove_if(registry_.begin(), registry_.end(), [](const auto& w) { return w.expired(); }),
                      registry_.end());
    registry_.push_back(c);
  }
  c->start();
}

void HttpServer::stop_accepting() {
  closing_.store(true);
  net::post(acceptor_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    acceptor_->acceptor.close(ec);
  });
  std::lock_guard<std::mutex> lock(registry_mutex_);
  for (const auto& w : registry_) {
    if (auto c = w.lock()) net::post(c->executor(), [c] { c->drain(); });
  }
  registry_.clear();
}

void HttpServer::stop() {
  if (threads_.empty()) return;
  closing_.store(true);
  work_.reset();
  context_.stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

}  // namespace storefuse::infer::serve
