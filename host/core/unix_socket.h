// Unix domain sockets as sipnic uses them (the control socket, the PRI span
// backends): the address of a path, a listener that takes over a stale
// socket file but never one that a live process answers on, and errno as
// text for the error messages that name the path.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/unique_fd.h"

namespace sipnic::core {

// strerror(err) with a lower-case first letter, for "PATH: connection refused".
std::string errno_text(int err);

// The address of `path`; nullopt when it is empty or too long for sun_path.
std::optional<sockaddr_un> unix_address(std::string_view path);

// A socket of `type` (SOCK_STREAM, SOCK_SEQPACKET; made CLOEXEC and
// NONBLOCK) listening on `path`, owner-only (0600). A socket file left by a
// process that is gone is replaced; a path that is not a socket, or one
// that a live process answers on, is refused. On failure: an invalid fd and
// `error` says why (without the path).
UniqueFd listen_unix(const std::string& path, int type, std::string& error, int backlog = 16);

// A socket of `type` (CLOEXEC and NONBLOCK) connecting to `path`; the
// connect of a Unix socket completes at once or fails. On failure: an
// invalid fd and `error` says why.
UniqueFd connect_unix(const std::string& path, int type, std::string& error);

}  // namespace sipnic::core
