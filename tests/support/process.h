// Test support: a child process owned by a test (dnsmasq, sipp, a peer
// program), and free loopback ports to give it. Header-only so that any test
// binary can include "support/process.h" without a CMake change.
//
// ChildProcess is RAII: a test that fails half-way (ASSERT returns early)
// still stops its child, because the destructor sends SIGTERM, waits a
// little, then SIGKILLs and reaps it. No zombie, no stray daemon holding a port.
// With Options::stdin_channel the test writes the child's stdin
// (write_stdin), for command-driven peers.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/unique_fd.h"

extern char** environ;  // posix_spawn passes the test's environment on

namespace sipnic::test {

class ChildProcess {
 public:
  struct Options {
    // Files the child's stdout / stderr go to (created or truncated); empty
    // leaves the stream shared with the test's own.
    std::string stdout_path;
    std::string stderr_path;
    // True: the child's stdin is a channel the test writes with
    // write_stdin(); false: it shares the test's stdin.
    bool stdin_channel = false;
  };

  ChildProcess() = default;

  // Starts argv[0] (an absolute path, or a name searched in PATH) with argv.
  // Throws std::runtime_error naming the program if it cannot be started.
  explicit ChildProcess(std::vector<std::string> argv) : ChildProcess(std::move(argv), Options()) {}
  ChildProcess(std::vector<std::string> argv, Options options)
      : argv_(std::move(argv)), options_(std::move(options)) {
    if (argv_.empty()) throw std::runtime_error("ChildProcess: empty argv");
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);

    // The stdin channel is a stream socket pair rather than a pipe, so that a
    // write to a child that has gone fails with EPIPE (send's MSG_NOSIGNAL)
    // instead of raising SIGPIPE in the test.
    core::UniqueFd child_stdin;
    if (options_.stdin_channel) {
      int pair[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        throw std::runtime_error(std::string("ChildProcess: socketpair: ") + std::strerror(errno));
      stdin_ = core::UniqueFd(pair[0]);
      child_stdin = core::UniqueFd(pair[1]);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (child_stdin) posix_spawn_file_actions_adddup2(&actions, child_stdin.get(), STDIN_FILENO);
    if (!options_.stdout_path.empty()) {
      posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options_.stdout_path.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    if (!options_.stderr_path.empty()) {
      posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, options_.stderr_path.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    // The child gets its own process group (a Ctrl-C meant for the test
    // runner is not its business; the destructor stops it), default signal
    // dispositions and an empty signal mask, whatever the test thread had.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);

    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, argv_[0].c_str(), &actions, &attr, args.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      throw std::runtime_error("cannot start " + argv_[0] + ": " + std::strerror(rc));
    }
    pid_ = pid;
  }

  ~ChildProcess() {
    close_stdin();
    kill();
  }

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& o) noexcept { *this = std::move(o); }
  ChildProcess& operator=(ChildProcess&& o) noexcept {
    if (this != &o) {
      kill();
      argv_ = std::move(o.argv_);
      options_ = std::move(o.options_);
      pid_ = std::exchange(o.pid_, -1);
      exit_status_ = std::exchange(o.exit_status_, std::nullopt);
      stdin_ = std::move(o.stdin_);
    }
    return *this;
  }

  pid_t pid() const { return pid_; }
  const std::vector<std::string>& argv() const { return argv_; }

  // True while the child has not exited (reaps it if it just did).
  bool running() { return pid_ > 0 && !poll_exit(); }

  // Waits up to `timeout` for the child to exit. Returns its wait status
  // (decode with WIFEXITED / WEXITSTATUS / WIFSIGNALED) or nullopt if it is
  // still running.
  std::optional<int> wait_for(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return exit_status_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (poll_exit()) return exit_status_;
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // Stops the child: SIGTERM, up to `grace` to exit, then SIGKILL. Always
  // reaps it. Returns its wait status (nullopt if there was no child).
  std::optional<int> kill(std::chrono::milliseconds grace = std::chrono::milliseconds(2000)) {
    if (pid_ <= 0) return exit_status_;
    if (!poll_exit()) {
      ::kill(pid_, SIGTERM);
      if (!wait_for(grace)) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        exit_status_ = status;
        pid_ = -1;
      }
    }
    return exit_status_;
  }

  // Writes all of `bytes` to the child's stdin channel (Options::stdin_channel);
  // false when there is none, it is closed, or the child has gone.
  bool write_stdin(std::string_view bytes) {
    while (!bytes.empty() && stdin_) {
      ssize_t n = ::send(stdin_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return bytes.empty();
  }
  // Closes the stdin channel: the child reads end of file.
  void close_stdin() { stdin_.reset(); }

  // The text of a redirected stream file (for failure messages).
  std::string stdout_text() const { return read_file(options_.stdout_path); }
  std::string stderr_text() const { return read_file(options_.stderr_path); }

 private:
  // Reaps the child without blocking; true once it has exited.
  bool poll_exit() {
    if (pid_ <= 0) return true;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      exit_status_ = r == pid_ ? std::optional<int>(status) : std::nullopt;
      pid_ = -1;
      return true;
    }
    return false;
  }

  static std::string read_file(const std::string& path) {
    if (path.empty()) return {};
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::vector<std::string> argv_;
  Options options_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  core::UniqueFd stdin_;  // the test's end of the stdin channel
};

// A port on 127.0.0.1 that is free for `type` (SOCK_DGRAM or SOCK_STREAM) at
// the time of the call: bind to port 0 and read back what the kernel chose.
// Another process may take it before the caller binds it again, so a caller
// that then fails to bind should retry with a new port.
inline std::uint16_t free_port(int type) {
  core::UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd) throw std::runtime_error(std::string("free_port: socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) < 0) {
    throw std::runtime_error(std::string("free_port: bind: ") + std::strerror(errno));
  }
  return ntohs(addr.sin_port);
}

}  // namespace sipnic::test
