#include "core/socket_address.h"

#include <arpa/inet.h>

#include <functional>

namespace sipnic::core {

SocketAddress::SocketAddress(const sockaddr* sa, socklen_t len) {
  std::memset(&storage_, 0, sizeof storage_);
  if (len > sizeof storage_) len = sizeof storage_;
  std::memcpy(&storage_, sa, len);
}

std::optional<SocketAddress> SocketAddress::from_ip(std::string_view ip, std::uint16_t port) {
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string text(ip);
  SocketAddress a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return a;
  }
  std::memset(&a.storage_, 0, sizeof a.storage_);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return a;
  }
  return std::nullopt;
}

std::uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

void SocketAddress::set_port(std::uint16_t port) {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

std::string SocketAddress::ip() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (family() == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
  } else if (family() == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

std::string SocketAddress::host_for_uri() const {
  std::string out;
  std::string bare = ip();
  out.reserve(bare.size() + 2);
  if (is_v6()) out += '[';
  out += bare;
  if (is_v6()) out += ']';
  return out;
}

std::string SocketAddress::to_string() const {
  return host_for_uri() + ":" + std::to_string(port());
}

bool SocketAddress::same_ip(const SocketAddress& o) const {
  if (family() != o.family()) return false;
  if (family() == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(&o.storage_)->sin_addr.s_addr;
  }
  if (family() == AF_INET6) {
    return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr,
                       &reinterpret_cast<const sockaddr_in6*>(&o.storage_)->sin6_addr, 16) == 0;
  }
  return true;
}

std::size_t SocketAddress::hash() const {
  std::size_t h = std::hash<int>{}(family()) ^ (std::size_t{port()} << 16);
  std::string_view bytes;
  if (family() == AF_INET) {
    bytes = {reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr), 4};
  } else if (family() == AF_INET6) {
    bytes = {reinterpret_cast<const char*>(&reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr), 16};
  }
  return h ^ (std::hash<std::string_view>{}(bytes) * 31);
}

}  // namespace sipnic::core
