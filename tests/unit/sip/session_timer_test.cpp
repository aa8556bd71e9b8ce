// Tests for host/sip/session_timer.cpp: RFC 4028 on one leg — the answer to
// a session refresh request (§9: 422, the interval, the refresher, Require),
// the request sipnic sends (§7.1, §7.4), a 422 (§7.3) and a 2xx (§7.2) to
// it, and the timer (refresh at half the interval, expiry per §10), with a
// 90 s call refreshed by sipnic on one leg and by the far end on the other,
// on a core::ManualClock.
#include "sip/session_timer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/event_loop.h"
#include "support/sip_message.h"

namespace sipnic::sip {
namespace {

using namespace std::chrono_literals;
using core::ExtensionPolicy;
using test::parse_sip;

// An INVITE (or re-INVITE) with `extra` header lines.
SipMessage request(const std::string& extra, const std::string& method = "INVITE") {
  return parse_sip(method + " sip:bob@127.0.0.2 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
                   "Max-Forwards: 70\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=a\r\n"
                   "To: <sip:bob@127.0.0.2>\r\n"
                   "Call-ID: st1\r\n"
                   "CSeq: 1 " + method + "\r\n"
                   "Contact: <sip:alice@127.0.0.1>\r\n" + extra +
                   "Content-Length: 0\r\n\r\n");
}

SipMessage response(int status, const std::string& extra) {
  return parse_sip("SIP/2.0 " + std::to_string(status) + " X\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=a\r\n"
                   "To: <sip:bob@127.0.0.2>;tag=b\r\n"
                   "Call-ID: st1\r\n"
                   "CSeq: 1 INVITE\r\n"
                   "Contact: <sip:bob@127.0.0.2>\r\n" + extra +
                   "Content-Length: 0\r\n\r\n");
}

SessionTimerPolicy policy(ExtensionPolicy mode = ExtensionPolicy::kSupported, std::uint32_t se = 1800,
                          std::uint32_t min_se = 90) {
  return {mode, se, min_se};
}

// ---------------------------------------------------------------- answering

TEST(SessionTimerAnswer, TooSmallIntervalFromAPeerThatSupportsTimerIs422WithOurMinSe) {
  SessionTimer t(policy(ExtensionPolicy::kSupported, 1800, 300));
  auto a = t.answer(request("Supported: timer\r\nSession-Expires: 120\r\n"));
  EXPECT_EQ(a.reject, 422);
  EXPECT_EQ(a.headers, "Min-SE: 300\r\n");
  EXPECT_EQ(a.interval, SessionInterval{});
}

TEST(SessionTimerAnswer, TooSmallIntervalFromAPeerWithoutTimerIsAcceptedAndSipnicRefreshes) {
  // §9: no 422 to a UAC that would not understand it (a proxy added the
  // header); the UAS refreshes, and never raises the interval asked for.
  SessionTimer t(policy(ExtensionPolicy::kSupported, 1800, 300));
  auto a = t.answer(request("Session-Expires: 120\r\n"));
  EXPECT_EQ(a.reject, 0);
  EXPECT_EQ(a.headers, "Session-Expires: 120;refresher=uas\r\n");  // no Require: the peer lacks timer
  EXPECT_EQ(a.interval, (SessionInterval{120, true}));
}

TEST(SessionTimerAnswer, IntervalIsReducedToTheTrunksButNotBelowTheRequestsMinSe) {
  SessionTimer t(policy(ExtensionPolicy::kSupported, 1800, 90));
  auto reduced = t.answer(request("Supported: timer\r\nSession-Expires: 7200\r\n"));
  EXPECT_EQ(reduced.interval.seconds, 1800u);
  auto floored = t.answer(request("Supported: timer\r\nSession-Expires: 7200\r\nMin-SE: 3600\r\n"));
  EXPECT_EQ(floored.interval.seconds, 3600u);
  auto kept = t.answer(request("Supported: timer\r\nx: 600\r\n"));  // compact name, below ours: kept
  EXPECT_EQ(kept.interval.seconds, 600u);
}

TEST(SessionTimerAnswer, RefresherFollowsTheRequestAndElseThePeerWhenItSupportsTimer) {
  SessionTimer t(policy());
  auto uas = t.answer(request("Supported: timer\r\nSession-Expires: 900;refresher=uas\r\n"));
  EXPECT_EQ(uas.interval, (SessionInterval{900, true}));
  EXPECT_EQ(uas.headers, "Session-Expires: 900;refresher=uas\r\nRequire: timer\r\n");

  auto uac = t.answer(request("Supported: timer\r\nSession-Expires: 900;refresher=uac\r\n"));
  EXPECT_EQ(uac.interval, (SessionInterval{900, false}));
  EXPECT_EQ(uac.headers, "Session-Expires: 900;refresher=uac\r\nRequire: timer\r\n");

  auto unset = t.answer(request("Supported: timer\r\nSession-Expires: 900\r\n"));
  EXPECT_EQ(unset.interval, (SessionInterval{900, false}));
  EXPECT_EQ(unset.headers, "Session-Expires: 900;refresher=uac\r\nRequire: timer\r\n");
}

TEST(SessionTimerAnswer, RequestWithoutSessionExpiresGetsTheTrunksInterval) {
  SessionTimer t(policy(ExtensionPolicy::kSupported, 1800, 90));
  // The peer supports timer but asked for none: sipnic asks, the peer refreshes.
  auto supports = t.answer(request("Supported: timer\r\nMin-SE: 2000\r\n"));
  EXPECT_EQ(supports.reject, 0);
  EXPECT_EQ(supports.headers, "Session-Expires: 2000;refresher=uac\r\nRequire: timer\r\n");
  // The peer knows nothing of timers (§9's first row): sipnic refreshes.
  auto plain = t.answer(request(""));
  EXPECT_EQ(plain.headers, "Session-Expires: 1800;refresher=uas\r\n");
  EXPECT_EQ(plain.interval, (SessionInterval{1800, true}));
}

TEST(SessionTimerAnswer, PolicyOffStripsTheTimerAndRejectsARequireWith420) {
  SessionTimer t(policy(ExtensionPolicy::kOff));
  auto a = t.answer(request("Supported: timer\r\nSession-Expires: 900\r\n"));
  EXPECT_EQ(a.reject, 0);
  EXPECT_EQ(a.headers, "");
  EXPECT_EQ(a.interval, SessionInterval{});
  auto r = t.answer(request("Require: timer\r\nSession-Expires: 900\r\n"));
  EXPECT_EQ(r.reject, 420);
  EXPECT_EQ(r.headers, "Unsupported: timer\r\n");
}

TEST(SessionTimerAnswer, PolicyRequiredRejectsAPeerWithoutTimerWith421) {
  SessionTimer t(policy(ExtensionPolicy::kRequired));
  auto r = t.answer(request("Session-Expires: 900\r\n"));
  EXPECT_EQ(r.reject, 421);
  EXPECT_EQ(r.headers, "Require: timer\r\n");
  auto ok = t.answer(request("Supported: timer\r\n"));
  EXPECT_EQ(ok.reject, 0);
  EXPECT_EQ(ok.interval, (SessionInterval{1800, false}));
}

TEST(SessionTimerAnswer, MalformedSessionExpiresIsReadAsAbsent) {
  SessionTimer t(policy());
  auto a = t.answer(request("Supported: timer\r\nSession-Expires: soon\r\n"));
  EXPECT_EQ(a.reject, 0);
  EXPECT_EQ(a.interval, (SessionInterval{1800, false}));
}

// ---------------------------------------------------------------- requesting

TEST(SessionTimerRequest, HeadersFollowThePolicy) {
  EXPECT_EQ(SessionTimer(policy()).request_headers(),
            "Supported: timer\r\nSession-Expires: 1800\r\nMin-SE: 90\r\n");
  EXPECT_EQ(SessionTimer(policy(ExtensionPolicy::kRequired, 600, 120)).request_headers(),
            "Supported: timer\r\nRequire: timer\r\nSession-Expires: 600\r\nMin-SE: 120\r\n");
  EXPECT_EQ(SessionTimer(policy(ExtensionPolicy::kOff)).request_headers(), "");
}

TEST(SessionTimerRequest, A422RaisesMinSeOnceForEachHigherValue) {
  SessionTimer t(policy(ExtensionPolicy::kSupported, 90, 90));
  EXPECT_TRUE(t.on_422(response(422, "Min-SE: 300\r\n")));
  EXPECT_EQ(t.request_headers(), "Supported: timer\r\nSession-Expires: 300\r\nMin-SE: 300\r\n");
  EXPECT_FALSE(t.on_422(response(422, "Min-SE: 300\r\n")));  // the same value again: no loop
  EXPECT_FALSE(t.on_422(response(422, "Min-SE: 200\r\n")));
  EXPECT_FALSE(t.on_422(response(422, "")));
  EXPECT_FALSE(t.on_422(response(422, "Min-SE: 100000\r\n")));  // more than a day
  EXPECT_TRUE(t.on_422(response(422, "Min-SE: 600\r\n")));
  EXPECT_EQ(t.request_headers(), "Supported: timer\r\nSession-Expires: 600\r\nMin-SE: 600\r\n");
}

TEST(SessionTimerRequest, TwoXxSaysWhetherATimerRunsAndWhoRefreshes) {
  SessionTimer t(policy());
  EXPECT_EQ(t.on_2xx(response(200, "")), SessionInterval{});  // §7.2: no Session-Expires, no timer
  EXPECT_EQ(t.on_2xx(response(200, "Require: timer\r\nSession-Expires: 900;refresher=uac\r\n")),
            (SessionInterval{900, true}));
  EXPECT_EQ(t.on_2xx(response(200, "Require: timer\r\nSession-Expires: 900;refresher=uas\r\n")),
            (SessionInterval{900, false}));
  EXPECT_EQ(t.on_2xx(response(200, "Session-Expires: 900\r\n")), (SessionInterval{900, true}));
  EXPECT_EQ(SessionTimer(policy(ExtensionPolicy::kOff)).on_2xx(response(200, "Session-Expires: 900\r\n")),
            SessionInterval{});
}

TEST(SessionTimerRequest, APeerWithoutTimerKeepsSipnicRefreshingThoughIts2xxLacksSessionExpires) {
  // Leg A: the caller knows nothing of timers, so sipnic refreshes (§9).
  SessionTimer t(policy(ExtensionPolicy::kSupported, 90, 90));
  auto a = t.answer(request(""));
  ASSERT_EQ(a.interval, (SessionInterval{90, true}));
  t.start(a.interval);
  EXPECT_EQ(t.on_timer().due, SessionTimer::Due::kRefresh);
  // Its 2xx to sipnic's re-INVITE has no Session-Expires: the timer goes on.
  EXPECT_EQ(t.on_2xx(response(200, "")), (SessionInterval{90, true}));
  // A peer that does support timer turns it off that way (§7.2).
  SessionTimer s(policy());
  s.start(s.on_2xx(response(200, "Supported: timer\r\nSession-Expires: 90;refresher=uac\r\n")));
  EXPECT_EQ(s.on_2xx(response(200, "Supported: timer\r\n")), SessionInterval{});
}

TEST(SessionTimerRequest, RefreshesCarryTheRunningIntervalAndWhoRefreshes) {
  SessionTimer ours(policy());
  ours.start({900, true});
  EXPECT_EQ(ours.request_headers(), "Supported: timer\r\nSession-Expires: 900;refresher=uac\r\nMin-SE: 90\r\n");
  SessionTimer theirs(policy());
  theirs.start({900, false});
  EXPECT_EQ(theirs.request_headers(), "Supported: timer\r\nSession-Expires: 900;refresher=uas\r\nMin-SE: 90\r\n");
}

TEST(SessionTimerRequest, RefreshIsAnUpdateWhenThePeerAllowsIt) {
  SessionTimer t(policy());
  EXPECT_EQ(t.refresh_method(), "INVITE");
  t.on_2xx(response(200, "Allow: INVITE, ACK, BYE, UPDATE\r\nSession-Expires: 90;refresher=uac\r\n"));
  EXPECT_EQ(t.refresh_method(), "UPDATE");
  t.answer(request("Allow: INVITE, ACK, BYE\r\n"));  // a re-INVITE says it no longer does
  EXPECT_EQ(t.refresh_method(), "INVITE");
}

// ---------------------------------------------------------------- the timer

TEST(SessionTimerSchedule, RefresherRefreshesAtHalfTheIntervalAndExpiresAtItsEnd) {
  SessionTimer t(policy());
  EXPECT_EQ(t.start({90, true}), core::Millis(45000));
  auto refresh = t.on_timer();
  EXPECT_EQ(refresh.due, SessionTimer::Due::kRefresh);
  EXPECT_EQ(refresh.next, core::Millis(45000));
  auto expired = t.on_timer();  // no 2xx to the refresh came
  EXPECT_EQ(expired.due, SessionTimer::Due::kExpired);
  EXPECT_FALSE(expired.next);
  EXPECT_FALSE(t.running());
  EXPECT_EQ(t.on_timer().due, SessionTimer::Due::kNone);
}

TEST(SessionTimerSchedule, NonRefresherExpiresOneThirdOrThirtyTwoSecondsBeforeTheEnd) {
  SessionTimer t(policy());
  EXPECT_EQ(t.start({90, false}), core::Millis(60000));      // 90 - 90/3
  EXPECT_EQ(t.start({1800, false}), core::Millis(1768000));  // 1800 - 32
  EXPECT_EQ(t.start({91, false}), core::Millis(60667));      // 91 - 30.333 s, to the millisecond
  auto f = t.on_timer();
  EXPECT_EQ(f.due, SessionTimer::Due::kExpired);
  EXPECT_FALSE(f.next);
}

TEST(SessionTimerSchedule, NoIntervalMeansNoTimer) {
  SessionTimer t(policy());
  t.start({90, false});
  EXPECT_FALSE(t.start({}));
  EXPECT_FALSE(t.running());
  EXPECT_EQ(t.on_timer().due, SessionTimer::Due::kNone);
}

// A B2BUA's use of two SessionTimers on one loop: leg A (sipnic answered the
// caller, who refreshes) and leg B (sipnic called the callee and refreshes),
// each arming one timer as the class says.
class TwoLegCall : public ::testing::Test {
 protected:
  struct Leg {
    SessionTimer timer;
    core::EventLoop::TimerId armed = 0;
  };

  void arm(Leg& leg, const char* name, std::optional<core::Millis> delay) {
    if (leg.armed) loop.cancel_timer(leg.armed);
    leg.armed = 0;
    if (!delay) return;
    leg.armed = loop.add_timer(*delay, [this, &leg, name] {
      leg.armed = 0;
      auto fired = leg.timer.on_timer();
      if (fired.due == SessionTimer::Due::kRefresh) {
        events.push_back(std::string(name) + " refresh " + std::string(leg.timer.refresh_method()) + " at " +
                         std::to_string(elapsed_s()));
      } else if (fired.due == SessionTimer::Due::kExpired) {
        events.push_back(std::string(name) + " BYE at " + std::to_string(elapsed_s()));
      }
      arm(leg, name, fired.next);
    });
  }
  long elapsed_s() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.now() - start).count();
  }

  core::ManualClock clock;
  core::EventLoop loop{clock};
  core::Clock::time_point start = clock.now();
  std::vector<std::string> events;
  Leg a{SessionTimer(policy(ExtensionPolicy::kSupported, 1800, 90))};
  Leg b{SessionTimer(policy(ExtensionPolicy::kSupported, 90, 90))};
};

TEST_F(TwoLegCall, NinetySecondTimerRefreshedBySipnicOnOneLegAndTheFarEndOnTheOther) {
  // Leg A: the caller asks for 90 s and will refresh itself.
  auto answer = a.timer.answer(request("Supported: timer\r\nSession-Expires: 90\r\nMin-SE: 90\r\n"));
  ASSERT_EQ(answer.reject, 0);
  EXPECT_EQ(answer.headers, "Session-Expires: 90;refresher=uac\r\nRequire: timer\r\n");
  // Leg B: sipnic's INVITE asks for 90 s; the callee (UPDATE allowed) makes sipnic refresh.
  EXPECT_EQ(b.timer.request_headers(), "Supported: timer\r\nSession-Expires: 90\r\nMin-SE: 90\r\n");
  auto b_interval = b.timer.on_2xx(response(200, "Allow: INVITE, ACK, BYE, UPDATE\r\nRequire: timer\r\n"
                                                 "Session-Expires: 90;refresher=uac\r\n"));
  arm(b, "B", b.timer.start(b_interval));
  arm(a, "A", a.timer.start(answer.interval));

  loop.advance(clock, 45s);
  EXPECT_EQ(events, std::vector<std::string>{"B refresh UPDATE at 45"});
  EXPECT_EQ(b.timer.request_headers(), "Supported: timer\r\nSession-Expires: 90;refresher=uac\r\nMin-SE: 90\r\n");
  // The callee's 2xx to the UPDATE restarts leg B.
  arm(b, "B", b.timer.start(b.timer.on_2xx(response(200, "Session-Expires: 90;refresher=uac\r\n"))));

  // The caller refreshes leg A at 50 s: its expiry moves from 60 s to 110 s.
  loop.advance(clock, 5s);
  auto refresh = a.timer.answer(request("Supported: timer\r\nSession-Expires: 90;refresher=uac\r\n", "UPDATE"));
  ASSERT_EQ(refresh.reject, 0);
  arm(a, "A", a.timer.start(refresh.interval));

  loop.advance(clock, 40s);  // 90 s
  EXPECT_EQ(events, (std::vector<std::string>{"B refresh UPDATE at 45", "B refresh UPDATE at 90"}));
  arm(b, "B", b.timer.start(b.timer.on_2xx(response(200, "Session-Expires: 90;refresher=uac\r\n"))));

  // The caller's next refresh never comes: leg A is hung up at 110 s.
  loop.advance(clock, 20s);
  EXPECT_EQ(events, (std::vector<std::string>{"B refresh UPDATE at 45", "B refresh UPDATE at 90", "A BYE at 110"}));
  EXPECT_FALSE(a.timer.running());
  EXPECT_TRUE(b.timer.running());
}

TEST_F(TwoLegCall, MissingRefreshTearsTheLegDownAndAnUnansweredOwnRefreshToo) {
  auto answer = a.timer.answer(request("Supported: timer\r\nSession-Expires: 90\r\n"));
  arm(a, "A", a.timer.start(answer.interval));
  arm(b, "B", b.timer.start(b.timer.on_2xx(response(200, "Session-Expires: 90;refresher=uac\r\n"))));
  loop.advance(clock, 120s);
  // A: the caller never refreshed (BYE at 90 - 30). B: sipnic refreshed at
  // 45 s and no 2xx came back by the end of the interval.
  EXPECT_EQ(events, (std::vector<std::string>{"B refresh INVITE at 45", "A BYE at 60", "B BYE at 90"}));
  EXPECT_FALSE(loop.next_timer_deadline());
}

}  // namespace
}  // namespace sipnic::sip
