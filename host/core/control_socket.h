// The control socket of a running node: a Unix stream socket on which the
// node answers one request per connection (`sipnic status` is the client).
//
// Protocol: the client sends one line (at most kMaxControlRequest bytes,
// ending in '\n' or at the client's write shutdown); the node writes its
// answer and closes. A client that sends nothing within kControlReadTimeout
// (or the server's read_timeout) is dropped, so it cannot hold the socket. Served on its own thread, one
// connection at a time: never on a worker's message path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "core/clock.h"
#include "core/log.h"
#include "core/unique_fd.h"

namespace sipnic::core {

inline constexpr std::size_t kMaxControlRequest = 1024;
inline constexpr Millis kControlReadTimeout{2000};

// A control request that got no answer, or a socket that cannot be made.
class ControlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ControlServer {
 public:
  // Gets the request line (without its newline), returns the answer.
  using Handler = std::function<std::string(std::string_view request)>;

  // Creates the socket at `path`, mode 0600, and starts answering. A stale
  // socket file that no process answers on is replaced; a path another
  // process answers on, or that is not a socket, is an error. Throws
  // ControlError naming the path.
  ControlServer(std::filesystem::path path, Handler handler, Log& log, Millis read_timeout = kControlReadTimeout);
  // Stops answering, joins the thread and removes the socket file.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  void serve();
  void answer(int fd);

  std::filesystem::path path_;
  Handler handler_;
  Log& log_;
  Millis read_timeout_;
  UniqueFd listen_fd_;
  UniqueFd wake_fd_;  // eventfd: the destructor's stop signal
  std::uint64_t inode_ = 0;  // of the socket file, to remove only our own
  std::thread thread_;
};

// Sends `request` to the node on `path` and returns its whole answer.
// Throws ControlError ("no sipnic node answers on PATH: connection
// refused") when nothing answers within `timeout`.
std::string control_request(const std::filesystem::path& path, std::string_view request,
                            Millis timeout = Millis(5000));

}  // namespace sipnic::core
