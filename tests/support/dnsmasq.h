// Test support for tests that run a real DNS server (Debian's dnsmasq-base):
// where the binary is, and whether a server on a loopback port answers yet.
// Header-only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/unique_fd.h"

namespace sipnic::test {

// dnsmasq's path: $SIPNIC_DNSMASQ, else Debian's /usr/sbin/dnsmasq
// (installed by scripts/install-deps).
inline std::string dnsmasq_path() {
  const char* env = std::getenv("SIPNIC_DNSMASQ");
  return env && *env ? env : "/usr/sbin/dnsmasq";
}

// One raw DNS query (A ready.test) to 127.0.0.1:port; true on any reply with
// the query's id. A readiness probe: it does not care about the answer.
inline bool dns_answers(std::uint16_t port, std::chrono::milliseconds wait) {
  core::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  timeval tv{0, static_cast<suseconds_t>(wait.count() * 1000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const unsigned char query[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 5,    'r',  'e',  'a',  'd',  'y',  4,    't',
                                 'e',  's',  't',  0,    0x00, 0x01, 0x00, 0x01};
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  bool ok = false;
  if (::sendto(fd.get(), query, sizeof query, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) > 0) {
    unsigned char reply[512];
    ssize_t n = ::recv(fd.get(), reply, sizeof reply, 0);
    ok = n >= 2 && reply[0] == 0x12 && reply[1] == 0x34;
  }
  return ok;
}

}  // namespace sipnic::test
