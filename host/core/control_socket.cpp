#include "core/control_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/unix_socket.h"

namespace sipnic::core {

namespace {

sockaddr_un address_of(const std::filesystem::path& path) {
  const auto a = unix_address(path.native());
  if (!a)
    throw ControlError("control socket path " + path.native() + " is " + std::to_string(path.native().size()) +
                       " bytes; at most " + std::to_string(sizeof(sockaddr_un::sun_path) - 1));
  return *a;
}

using Deadline = Clock::time_point;

int remaining_ms(Deadline d) {
  auto left = std::chrono::duration_cast<Millis>(d - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on fd (and for the wake fd, when given). False on timeout or wake.
bool wait_fd(int fd, short events, Deadline deadline, int wake_fd = -1) {
  for (;;) {
    pollfd p[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    const int n = ::poll(p, wake_fd >= 0 ? 2 : 1, remaining_ms(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (wake_fd >= 0 && (p[1].revents & POLLIN)) return false;
    return true;
  }
}

bool write_all(int fd, std::string_view data, Deadline deadline, int wake_fd = -1) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLOUT, deadline, wake_fd)) continue;
    return false;
  }
  return true;
}

}  // namespace

ControlServer::ControlServer(std::filesystem::path path, Handler handler, Log& log, Millis read_timeout)
    : path_(std::move(path)), handler_(std::move(handler)), log_(log), read_timeout_(read_timeout) {
  address_of(path_);  // the path's length, checked with its own message
  std::string why;
  UniqueFd sock = listen_unix(path_.native(), SOCK_STREAM, why);
  if (!sock) throw ControlError("control socket " + path_.string() + ": " + why);
  wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_fd_) {
    const int err = errno;
    ::unlink(path_.c_str());
    throw ControlError("control socket " + path_.string() + ": " + errno_text(err));
  }
  struct stat st{};
  if (::stat(path_.c_str(), &st) == 0) inode_ = st.st_ino;
  listen_fd_ = std::move(sock);
  thread_ = std::thread([this] { serve(); });
}

ControlServer::~ControlServer() {
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
  thread_.join();
  // Removed only if it is still ours (not a file a later node put there).
  struct stat st{};
  if (::stat(path_.c_str(), &st) == 0 && st.st_ino == inode_) ::unlink(path_.c_str());
}

void ControlServer::serve() {
  for (;;) {
    pollfd p[2] = {{listen_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
    const int n = ::poll(p, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (p[1].revents & POLLIN)) return;
    if (!(p[0].revents & POLLIN)) continue;
    const UniqueFd conn(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!conn) continue;  // EAGAIN, ECONNABORTED, EMFILE: the next poll tries again
    answer(conn.get());
  }
}

void ControlServer::answer(int fd) {
  const Deadline deadline = Clock::now() + read_timeout_;
  std::string request;
  char buf[256];
  bool complete = false;
  while (!complete && request.size() <= kMaxControlRequest) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      request.append(buf, static_cast<std::size_t>(n));
      complete = request.find('\n') != std::string::npos;
      continue;
    }
    if (n == 0) {
      complete = true;  // the client shut down its side: the request is what came
      break;
    }
    if (errno == EINTR) continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLIN, deadline, wake_fd_.get())) continue;
    log_.debug("control", "a client sent no request within " + std::to_string(read_timeout_.count()) +
                              " ms; dropped");
    return;
  }
  std::string reply;
  if (auto nl = request.find('\n'); nl != std::string::npos) request.resize(nl);
  if (!request.empty() && request.back() == '\r') request.pop_back();
  if (!complete || request.size() > kMaxControlRequest) {
    reply = "error: request longer than " + std::to_string(kMaxControlRequest) + " bytes\n";
  } else {
    try {
      reply = handler_(request);
    } catch (const std::exception& e) {
      reply = std::string("error: ") + e.what() + "\n";
    }
  }
  if (!write_all(fd, reply, Clock::now() + read_timeout_, wake_fd_.get()))
    log_.debug("control", "a client did not read its answer; dropped");
}

std::string control_request(const std::filesystem::path& path, std::string_view request, Millis timeout) {
  const sockaddr_un addr = address_of(path);
  const UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) throw ControlError("cannot make a socket: " + errno_text(errno));
  if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0)
    throw ControlError("no sipnic node answers on " + path.string() + ": " + errno_text(errno));
  ::fcntl(sock.get(), F_SETFL, ::fcntl(sock.get(), F_GETFL) | O_NONBLOCK);
  const Deadline deadline = Clock::now() + timeout;
  std::string line(request);
  line += '\n';
  if (!write_all(sock.get(), line, deadline))
    throw ControlError("the sipnic node on " + path.string() + " did not take the request");
  ::shutdown(sock.get(), SHUT_WR);
  std::string answer;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(sock.get(), buf, sizeof buf, 0);
    if (n > 0) {
      answer.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) break;
    if (errno == EINTR) continue;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(sock.get(), POLLIN, deadline)) continue;
    throw ControlError("no answer from the sipnic node on " + path.string() + " within " +
                       std::to_string(timeout.count()) + " ms");
  }
  if (answer.empty()) throw ControlError("the sipnic node on " + path.string() + " closed without an answer");
  return answer;
}

}  // namespace sipnic::core
