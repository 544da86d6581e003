#include "socket_input.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "storefuse/core/error.h"

namespace storefuse::infer::stream {

namespace {

constexpr size_t kMaxHeader = 512;

// A connection's bytes, read in large pieces (a frame arrives in one or two
// reads, not one system call per header byte).
class Reader {
 public:
  Reader(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}
  // The next byte; false when the peer closed, on an error, or when stopping.
  bool byte(char& c) {
    if (at_ == end_ && !fill()) return false;
    c = buffer_[at_++];
    return true;
  }
  // Exactly n bytes appended to out (or skipped when out is null).
  bool bytes(size_t n, std::string* out) {
    while (n > 0) {
      if (at_ == end_ && !fill()) return false;
      const size_t take = std::min(n, end_ - at_);
      if (out) out->append(buffer_ + at_, take);
      at_ += take;
      n -= take;
    }
    return true;
  }

 private:
  bool fill() {
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, 200);
      if (stopping_) return false;
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) continue;
      const ssize_t got = ::read(fd_, buffer_, sizeof buffer_);
      if (got <= 0) return false;
      at_ = 0;
      end_ = static_cast<size_t>(got);
      return true;
    }
  }
  int fd_;
  const std::atomic<bool>& stopping_;
  char buffer_[1 << 16];
  size_t at_ = 0, end_ = 0;
};

}  // namespace

SocketInput::SocketInput(std::string path, size_t max_payload, OnMessage on_message, OnError on_error, int max_connections)
    : path_(std::move(path)), max_payload_(max_payload), on_message_(std::move(on_message)), on_error_(std::move(on_error)),
      max_connections_(max_connections) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path)
    throw Error(ErrorKind::Usage, "the socket path is longer than " + std::to_string(sizeof addr.sun_path - 1) + " bytes",
                path_, "use a shorter path");
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw Error(ErrorKind::Io, std::string("cannot create a socket: ") + std::strerror(errno), path_);
  ::unlink(path_.c_str());  // a socket file left by a process that died
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    throw Error(ErrorKind::Io, "cannot listen on the socket: " + why, path_, "check that its folder exists and is writable");
  }
}

SocketInput::~SocketInput() { stop(); }

void SocketInput::start() { acceptor_ = std::thread([this] { accept_loop(); }); }

void SocketInput::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    if (open_.load() >= max_connections_) {
      on_error_("a connection to the socket was refused: " + std::to_string(max_connections_) + " are open");
      ::close(fd);
      continue;
    }
    ++open_;
    std::lock_guard<std::mutex> lock(mutex_);
    fds_.push_back(fd);
    std::thread([this, fd] { read_loop(fd); }).detach();  // stop() waits for open_ to reach 0
  }
}

void SocketInput::read_loop(int fd) {
  auto reader = std::make_unique<Reader>(fd, stopping_);
  std::string header, payload;
  for (;;) {
    header.clear();
    char c = 0;
    bool ok = true;
    while ((ok = reader->byte(c)) && c != '\n') {
      header.push_back(c);
      if (header.size() > kMaxHeader) {
        on_error_("a socket message header is over " + std::to_string(kMaxHeader) + " bytes: the connection is closed");
        ok = false;
        break;
      }
    }
    if (!ok) break;
    const size_t sp = header.rfind(' ');
    size_t length = 0;
    bool number = sp != std::string::npos && sp > 0 && sp + 1 < header.size();
    for (size_t i = number ? sp + 1 : header.size(); number && i < header.size(); ++i) {
      if (header[i] < '0' || header[i] > '9' || length > (size_t(1) << 40)) number = false;
      else length = length * 10 + static_cast<size_t>(header[i] - '0');
    }
    if (!number) {
      on_error_("a socket message header is not 'TOPIC LENGTH': the connection is closed");
      break;
    }
    const std::string topic = header.substr(0, sp);
    if (length > max_payload_) {  // read past it
      on_error_("a message on " + topic + " is " + std::to_string(length) + " bytes, over the limit of " +
                std::to_string(max_payload_));
      if (!reader->bytes(length, nullptr)) break;
      continue;
    }
    payload.clear();
    if (!reader->bytes(length, &payload)) break;
    on_message_(topic, payload);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fds_.erase(std::remove(fds_.begin(), fds_.end(), fd), fds_.end());
    ::close(fd);
  }
  --open_;  // last: stop() may return and destroy this object once it reads 0
}

void SocketInput::stop() {
  if (stopping_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  while (open_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // each read loop sees stopping_ within 200 ms
  if (listen_fd_ >= 0) ::close(listen_fd_);
  ::unlink(path_.c_str());
}

}  // namespace storefuse::infer::stream
