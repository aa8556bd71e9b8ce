#include "core/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/config.h"
#include "core/unique_fd.h"

namespace sipnic::core {

namespace {

// The check on an open file, so that what is checked is what is read.
std::string problem_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (st.st_uid != ::geteuid()) return "owned by uid " + std::to_string(st.st_uid) + ", not by the user sipnic runs as";
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::string("mode ") + mode + " lets others read it; a secret file must be mode 0600 or stricter";
  }
  return {};
}

}  // namespace

std::string secret_file_problem(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return std::strerror(errno);
  return problem_of(fd.get());
}

std::string read_secret_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) throw ConfigError(path, 0, "", std::strerror(errno));
  if (std::string why = problem_of(fd.get()); !why.empty()) throw ConfigError(path, 0, "", why);
  std::string content;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ConfigError(path, 0, "", std::strerror(errno));
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
    if (content.find('\n') != std::string::npos || content.size() > 4096) break;
  }
  std::string secret = content.substr(0, content.find_first_of("\r\n"));
  std::fill(content.begin(), content.end(), '\0');
  if (secret.empty()) throw ConfigError(path, 0, "", "the first line (the secret) is empty");
  return secret;
}

}  // namespace sipnic::core
