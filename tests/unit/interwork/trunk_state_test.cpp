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

TEST(TrunkState, StartedAndRefusedCallsAreCountedByReason) {
  TrunkState s(trunk(1, 0));
  auto now = std::chrono::steady_clock::time_point(std::chrono::seconds(1000));
  EXPECT_EQ(s.try_start_call(now), "");
  EXPECT_NE(s.try_start_call(now), "");  // at max-calls
  s.set_up(false);
  EXPECT_NE(s.try_start_call(now), "");  // down
  EXPECT_EQ(s.calls_started(), 1u);
  EXPECT_EQ(s.calls_refused(TrunkState::Refusal::kMaxCalls), 1u);
  EXPECT_EQ(s.calls_refused(TrunkState::Refusal::kDown), 1u);
  EXPECT_EQ(s.calls_refused(TrunkState::Refusal::kMaxCps), 0u);
  TrunkState r(trunk(0, 1));
  EXPECT_EQ(r.try_start_call(now), "");
  EXPECT_NE(r.try_start_call(now), "");
  EXPECT_EQ(r.calls_refused(TrunkState::Refusal::kMaxCps), 1u);
  EXPECT_EQ(TrunkState::refusal_name(TrunkState::Refusal::kMaxCps), "max_cps");
}

TEST(TrunkState, CallsInTheLastSecondAreCountedWithoutALimitAndAgeOut) {
  TrunkState s(trunk(0, 0));
  auto t0 = std::chrono::steady_clock::time_point(std::chrono::seconds(1000));
  EXPECT_EQ(s.calls_last_second(t0), 0u);
  EXPECT_EQ(s.try_start_call(t0), "");
  EXPECT_EQ(s.try_start_call(t0 + 300ms), "");
  EXPECT_EQ(s.try_start_call(t0 + 600ms), "");
  EXPECT_EQ(s.calls_last_second(t0 + 600ms), 3u);
  // The window slides: the call at t0 is more than a second old at t0 + 1050 ms.
  EXPECT_EQ(s.calls_last_second(t0 + 1050ms), 2u);
  EXPECT_EQ(s.calls_last_second(t0 + 1650ms), 0u);
  EXPECT_EQ(s.calls_last_second(t0 + 60s), 0u);
}

TEST(TrunkState, RequestRateLimitHoldsOutOfDialogRequestsApartFromCalls) {
  core::TrunkConfig c = trunk(0, 1);  // max-cps 1
  c.max_rps = 2;
  TrunkState s(c);
  auto t0 = std::chrono::steady_clock::time_point(std::chrono::seconds(1000));
  EXPECT_EQ(s.try_admit_request(t0, TrunkState::Direction::kIn), "");
  EXPECT_EQ(s.try_admit_request(t0, TrunkState::Direction::kOut), "");
  EXPECT_NE(s.try_admit_request(t0 + 100ms, TrunkState::Direction::kIn).find("request-rate limit of 2"),
            std::string::npos);
  EXPECT_EQ(s.requests_refused(TrunkState::Direction::kIn), 1u);
  EXPECT_EQ(s.requests_refused(TrunkState::Direction::kOut), 0u);
  EXPECT_EQ(s.try_start_call(t0 + 100ms), "");  // the call rate is a window of its own
  EXPECT_EQ(s.calls_last_second(t0 + 100ms), 1u);
  EXPECT_EQ(s.try_admit_request(t0 + 1100ms, TrunkState::Direction::kIn), "");
}

TEST(TrunkState, OptionsResultsAreCounted) {
  TrunkState s(trunk(0, 0));
  s.record_options(true);
  s.record_options(false);
  s.record_options(true);
  EXPECT_EQ(s.options_answered(), 2u);
  EXPECT_EQ(s.options_unanswered(), 1u);
}

TEST(TrunkState, CallsTheTrunkSendsInCountAgainstItsOwnLimits) {
  TrunkState s(trunk(2, 0));
  auto now = std::chrono::steady_clock::now();
  EXPECT_EQ(s.try_accept_call(now), "");
  EXPECT_EQ(s.try_start_call(now), "");  // one in, one out: both count
  EXPECT_NE(s.try_accept_call(now).find("limit of 2 concurrent calls"), std::string::npos);
  EXPECT_EQ(s.active_calls(), 2u);
  // Counted by direction: one admitted each way, the refusal was a call in.
  EXPECT_EQ(s.calls_started(), 1u);
  EXPECT_EQ(s.calls_received(), 1u);
  EXPECT_EQ(s.calls_refused(TrunkState::Refusal::kMaxCalls, TrunkState::Direction::kIn), 1u);
  EXPECT_EQ(s.calls_refused(TrunkState::Refusal::kMaxCalls, TrunkState::Direction::kOut), 0u);
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

TEST(TrunkState, MatchesItsRegisteredContactByRinstanceOnly) {
  TrunkState s(trunk(0, 0));
  EXPECT_FALSE(s.matches_registered_contact("sip:4420@127.0.0.1:5060;rinstance="));  // not a registration trunk
  s.set_registration_instance("0f1e2d3c4b5a6978");
  EXPECT_TRUE(s.matches_registered_contact("sip:4420@127.0.0.1:5060;rinstance=0f1e2d3c4b5a6978"));
  EXPECT_TRUE(s.matches_registered_contact("sip:+442071234567@127.0.0.1;transport=tcp;rinstance=0f1e2d3c4b5a6978"));
  EXPECT_FALSE(s.matches_registered_contact("sip:4420@127.0.0.1:5060;rinstance=0f1e2d3c4b5a6979"));
  EXPECT_FALSE(s.matches_registered_contact("sip:4420@127.0.0.1:5060"));
  EXPECT_FALSE(s.matches_registered_contact("not a uri"));
}

}  // namespace
}  // namespace sipnic::interwork
