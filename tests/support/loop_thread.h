// Test support: an EventLoop running on its own thread, with a way to run a
// closure on it and wait for the result, and a plain UDP/TCP peer socket the
// test thread drives with blocking calls bounded by a timeout.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/event_loop.h"
#include "core/socket_address.h"
#include "core/unique_fd.h"

namespace sipnic::test {

class LoopThread {
 public:
  LoopThread() : thread_([this] { loop_.run(); }) {}
  ~LoopThread() {
    loop_.stop();
    thread_.join();
  }
  core::EventLoop& loop() { return loop_; }
  // Runs `fn` on the loop thread and waits for it.
  template <typename Fn>
  auto call(Fn fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto f = task.get_future();
    loop_.post([&task] { task(); });
    return f.get();
  }

 private:
  core::EventLoop loop_;
  std::thread thread_;
};

// A blocking socket on loopback for the test thread.
class PeerSocket {
 public:
  PeerSocket(int family, int type, const std::string& ip = "127.0.0.1", std::uint16_t port = 0) {
    fd_.reset(::socket(family, type | SOCK_CLOEXEC, 0));
    int one = 1;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    auto a = core::SocketAddress::from_ip(ip, port);
    if (::bind(fd_.get(), a->sa(), a->len()) < 0) throw std::runtime_error("PeerSocket: cannot bind " + a->to_string());
    socklen_t len = core::SocketAddress::capacity();
    ::getsockname(fd_.get(), local_.sa(), &len);
  }

  const core::SocketAddress& local() const { return local_; }
  int fd() const { return fd_.get(); }

  bool connect(const core::SocketAddress& to) { return ::connect(fd_.get(), to.sa(), to.len()) == 0; }
  void send_to(const core::SocketAddress& to, const std::string& bytes) {
    ::sendto(fd_.get(), bytes.data(), bytes.size(), 0, to.sa(), to.len());
  }
  void send(const std::string& bytes) { ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  // One datagram (or one read on a stream); nullopt on timeout; "" on EOF.
  std::optional<std::string> receive(std::chrono::milliseconds timeout,
                                     core::SocketAddress* from = nullptr) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buf[70000];
    core::SocketAddress src;
    socklen_t len = core::SocketAddress::capacity();
    ssize_t n = ::recvfrom(fd_.get(), buf, sizeof buf, 0, src.sa(), &len);
    if (n < 0) return std::nullopt;
    if (from) *from = src;
    return std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  core::UniqueFd fd_;
  core::SocketAddress local_;
};

}  // namespace sipnic::test
