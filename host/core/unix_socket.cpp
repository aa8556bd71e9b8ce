#include "core/unix_socket.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/ascii.h"

namespace sipnic::core {

std::string errno_text(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = ascii::to_lower(s[0]);
  return s;
}

std::optional<sockaddr_un> unix_address(std::string_view path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path) return std::nullopt;
  std::memcpy(a.sun_path, path.data(), path.size());
  a.sun_path[path.size()] = '\0';
  return a;
}

namespace {

std::string too_long(const std::string& path) {
  return "the path is " + std::to_string(path.size()) + " bytes; at most " +
         std::to_string(sizeof(sockaddr_un::sun_path) - 1);
}

}  // namespace

UniqueFd listen_unix(const std::string& path, int type, std::string& error, int backlog) {
  const auto addr = unix_address(path);
  if (!addr) {
    error = too_long(path);
    return {};
  }
  const auto* sa = reinterpret_cast<const sockaddr*>(&*addr);
  UniqueFd sock(::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sock) {
    error = errno_text(errno);
    return {};
  }
  if (::bind(sock.get(), sa, sizeof *addr) < 0) {
    if (errno != EADDRINUSE) {
      error = errno_text(errno);
      return {};
    }
    // Something is there: a live process, a stale socket of one that died,
    // or some other file.
    struct stat st{};
    if (::lstat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
      error = "the path exists and is not a socket";
      return {};
    }
    const UniqueFd probe(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    if (probe && ::connect(probe.get(), sa, sizeof *addr) == 0) {
      error = "another process answers on it";
      return {};
    }
    ::unlink(path.c_str());
    if (::bind(sock.get(), sa, sizeof *addr) < 0) {
      error = errno_text(errno);
      return {};
    }
  }
  // Owner only, before listen(): until then nobody can connect at all.
  if (::chmod(path.c_str(), 0600) < 0 || ::listen(sock.get(), backlog) < 0) {
    error = errno_text(errno);
    ::unlink(path.c_str());
    return {};
  }
  return sock;
}

UniqueFd connect_unix(const std::string& path, int type, std::string& error) {
  const auto addr = unix_address(path);
  if (!addr) {
    error = too_long(path);
    return {};
  }
  UniqueFd sock(::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sock) {
    error = errno_text(errno);
    return {};
  }
  if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) < 0) {
    error = errno_text(errno);
    return {};
  }
  return sock;
}

}  // namespace sipnic::core
