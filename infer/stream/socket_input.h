// The local socket input of `storefuse-infer stream`: a Unix stream socket
// taking the messages MQTT carries, each framed as
//
//   TOPIC SP LENGTH LF PAYLOAD      (LENGTH: decimal bytes of PAYLOAD)
//
// e.g. "storefuse/s1/cam1/frame 5123\n" and the 5123 bytes. A payload over
// the limit is read past and counted; a header that is not TOPIC LENGTH ends
// that connection (its framing is lost), never the process. Bounded: at most
// max_connections at once, each read on its own thread.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace storefuse::infer::stream {

class SocketInput {
 public:
  using OnMessage = std::function<void(std::string_view topic, std::string_view payload)>;
  using OnError = std::function<void(const std::string& problem)>;

  // Binds and listens (a stale socket file is replaced); Error(Io) naming
  // the path when it cannot.
  SocketInput(std::string path, size_t max_payload, OnMessage on_message, OnError on_error, int max_connections = 64);
  ~SocketInput();  // stop()
  void start();
  void stop();     // closes the listener and every connection, joins, removes the socket file
  const std::string& path() const { return path_; }

 private:
  void accept_loop();
  void read_loop(int fd);

  std::string path_;
  size_t max_payload_;
  OnMessage on_message_;
  OnError on_error_;
  int max_connections_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int> open_{0};
  std::mutex mutex_;
  std::vector<int> fds_;
  std::thread acceptor_;
};

}  // namespace storefuse::infer::stream
