#include "interwork/trunk_state.h"

#include <gtest/gtest.h>

namespace sipnic::interwork {
namespace {

using namespace std::chrono_literals;

core::TrunkConfig trunk(std::uint32_t max_calls, double max_cps) {
  core::TrunkConfig t;
  t.name = "carrier";
  t.peer = {"127.0.0.3", 5060};
  t.inbound_from = {"127.0.0.9", "::1"};
  t.max_calls = max_calls;
  t.max_cps = max_cps;
  return t;
}

TEST(TrunkState, MatchesPeerAndInboundFromAddressesOnly) {
  TrunkState s(trunk(0, 0));
  EXPECT_TRUE(s.matches_source(*core::SocketAddress::from_ip("127.0.0.3", 40000)));
  EXPECT_TRUE(s.matches_source(*core::SocketAddress::from_ip("127.0.0.9", 5060)));
  EXPECT_TRUE(s.matches_source(*core::SocketAddress::from_ip("::1", 5060)));
  EXPECT_FALSE(s.matches_source(*core::SocketAddress::from_ip("127.0.0.4", 5060)));
}

TEST(TrunkState, ConcurrentCallLimitRefusesTheCallOverIt) {
  TrunkState s(trunk(2, 0));
  auto now = std::chrono::steady_clock::now();
  EXPECT_EQ(s.try_start_call(now), "");
  EXPECT_EQ(s.try_start_call(now), "");
  std::string refused = s.try_start_call(now);
  EXPECT_NE(refused.find("limit of 2 concurrent calls"), std::string::npos) << refused;
  EXPECT_EQ(s.active_calls(), 2u);
  s.end_call();
  EXPECT_EQ(s.try_start_call(now), "");
}

TEST(TrunkState, CallRateLimitRefusesWithinASecondAndRecoversAfter) {
  TrunkState s(trunk(0, 3));
  auto t0 = std::chrono::steady_clock::time_point(std::chrono::seconds(1000));
  EXPECT_EQ(s.try_start_call(t0), "");
  EXPECT_EQ(s.try_start_call(t0 + 100ms), "");
  EXPECT_EQ(s.try_start_call(t0 + 200ms), "");
  EXPECT_NE(s.try_start_call(t0 + 300ms).find("call-rate limit"), std::string::npos);
  // A refused call is not counted as active.
  EXPECT_EQ(s.active_calls(), 3u);
  // One second later the window has moved on.
  EXPECT_EQ(s.try_start_call(t0 + 1200ms), "");
}

TEST(TrunkState, DownTrunkRefusesCalls) {
  TrunkState s(trunk(0, 0));
  s.set_up(false);
  EXPECT_NE(s.try_start_call(std::chrono::steady_clock::now()).find("is down"), std::string::npos);
  EXPECT_EQ(s.active_calls(), 0u);
}

TEST(TrunkState, CallsTheTrunkSendsInCountAgainstItsOwnLimits) {
  TrunkState s(trunk(2, 0));
  auto now = std::chrono::steady_clock::now();
  EXPECT_EQ(s.try_accept_call(now), "");
  EXPECT_EQ(s.try_start_call(now), "");  // one in, one out: both count
  EXPECT_NE(s.try_accept_call(now).find("limit of 2 concurrent calls"), std::string::npos);
  EXPECT_EQ(s.active_calls(), 2u);
  TrunkState r(trunk(0, 2));
  auto t0 = std::chrono::steady_clock::time_point(std::chrono::seconds(1000));
  EXPECT_EQ(r.try_accept_call(t0), "");
  EXPECT_EQ(r.try_start_call(t0), "");
  EXPECT_NE(r.try_accept_call(t0).find("call-rate limit of 2"), std::string::npos);
}

TEST(TrunkState, ADownTrunkStillSendsCallsIn) {
  TrunkState s(trunk(0, 0));
  s.set_up(false);
  EXPECT_EQ(s.try_accept_call(std::chrono::steady_clock::now()), "");
  EXPECT_EQ(s.active_calls(), 1u);
}

}  // namespace
}  // namespace sipnic::interwork
