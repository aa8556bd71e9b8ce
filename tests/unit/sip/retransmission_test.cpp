// Tests for host/sip/retransmission.cpp: the UA core's resend schedule —
// T1 doubling to a ceiling (a 2xx, RFC 3261 §13.3.1.4) or without one (a
// reliable provisional, RFC 3262 §3), the give-up at 64*T1, and stop().
#include "sip/retransmission.h"

#include <gtest/gtest.h>

#include <vector>

namespace sipnic::sip {
namespace {

using namespace std::chrono_literals;

// Every delay until the give-up, the first included.
std::vector<core::Millis> schedule(Retransmission& r, core::Millis first) {
  std::vector<core::Millis> out{first};
  for (auto t = r.on_timer(); !t.give_up; t = r.on_timer()) out.push_back(t.next);
  return out;
}

TEST(Retransmission, DoublesFromT1ToTheCeilingAndEndsExactlyAt64T1) {
  Retransmission r;
  auto d = schedule(r, r.start("2xx", 500ms, 4000ms));
  core::Millis total{0};
  for (auto x : d) total += x;
  EXPECT_EQ(d, (std::vector<core::Millis>{500ms, 1000ms, 2000ms, 4000ms, 4000ms, 4000ms, 4000ms, 4000ms, 4000ms,
                                          4000ms, 500ms}));
  EXPECT_EQ(total, 32000ms);
  EXPECT_FALSE(r.active());
}

TEST(Retransmission, WithoutCeilingTheIntervalKeepsDoubling) {
  Retransmission r;
  auto d = schedule(r, r.start("183", 100ms, core::Millis::max()));
  EXPECT_EQ(d, (std::vector<core::Millis>{100ms, 200ms, 400ms, 800ms, 1600ms, 3200ms, 100ms}));
}

TEST(Retransmission, ResendsTheBytesUntilStopped) {
  Retransmission r;
  r.start("bytes", 500ms, 4000ms);
  EXPECT_TRUE(r.active());
  EXPECT_EQ(r.on_timer().resend, "bytes");
  r.stop();
  auto t = r.on_timer();
  EXPECT_FALSE(t.give_up);
  EXPECT_EQ(t.resend, "");
}

}  // namespace
}  // namespace sipnic::sip
