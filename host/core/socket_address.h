// SocketAddress: an IPv4 or IPv6 address and port as a value type, with the
// conversions the transports and the SIP layer need.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace sipnic::core {

class SocketAddress {
 public:
  SocketAddress() { std::memset(&storage_, 0, sizeof storage_); }
  SocketAddress(const sockaddr* sa, socklen_t len);

  // "127.0.0.1", "::1" or "[::1]" plus a port; nullopt if not an IP literal.
  static std::optional<SocketAddress> from_ip(std::string_view ip, std::uint16_t port);

  int family() const { return storage_.ss_family; }
  bool is_v6() const { return family() == AF_INET6; }
  bool valid() const { return family() == AF_INET || family() == AF_INET6; }
  std::uint16_t port() const;
  void set_port(std::uint16_t port);
  std::string ip() const;           // "127.0.0.1", "::1"
  std::string host_for_uri() const;  // "127.0.0.1", "[::1]" (RFC 5118)
  std::string to_string() const;     // "127.0.0.1:5060", "[::1]:5060"

  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t len() const {
    return is_v6() ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  }
  static constexpr socklen_t capacity() { return sizeof(sockaddr_storage); }

  bool same_ip(const SocketAddress& o) const;
  bool operator==(const SocketAddress& o) const { return same_ip(o) && port() == o.port(); }
  std::size_t hash() const;

 private:
  sockaddr_storage storage_;
};

struct SocketAddressHash {
  std::size_t operator()(const SocketAddress& a) const { return a.hash(); }
};

}  // namespace sipnic::core
