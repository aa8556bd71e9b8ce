#include "core/socket_address.h"

#include <gtest/gtest.h>

namespace sipnic::core {
namespace {

TEST(SocketAddress, ParsesIpv4AndPrintsHostPort) {
  auto a = SocketAddress::from_ip("127.0.0.1", 5060);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->is_v6());
  EXPECT_EQ(a->port(), 5060);
  EXPECT_EQ(a->to_string(), "127.0.0.1:5060");
}

TEST(SocketAddress, ParsesBracketedIpv6AndPrintsItBracketed) {
  auto a = SocketAddress::from_ip("[::1]", 5061);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v6());
  EXPECT_EQ(a->ip(), "::1");
  EXPECT_EQ(a->host_for_uri(), "[::1]");
  EXPECT_EQ(a->to_string(), "[::1]:5061");
}

TEST(SocketAddress, RejectsHostNames) {
  EXPECT_FALSE(SocketAddress::from_ip("example.com", 5060));
  EXPECT_FALSE(SocketAddress::from_ip("", 5060));
  EXPECT_FALSE(SocketAddress::from_ip("1.2.3.4.5", 5060));
}

TEST(SocketAddress, EqualityComparesIpAndPort) {
  auto a = SocketAddress::from_ip("127.0.0.2", 1);
  auto b = SocketAddress::from_ip("127.0.0.2", 2);
  EXPECT_TRUE(a->same_ip(*b));
  EXPECT_FALSE(*a == *b);
  b->set_port(1);
  EXPECT_TRUE(*a == *b);
  EXPECT_EQ(a->hash(), b->hash());
}

}  // namespace
}  // namespace sipnic::core
