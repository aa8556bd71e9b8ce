// Tests for host/pri/span.cpp: two spans, a user side and a network side,
// on one `frames` socket (one listens, the other connects) and one
// core::ManualClock loop: the D-channel comes up and calls go both ways.
#include "pri/span.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "support/run_command.h"
#include "support/span_config.h"
#include "support/span_events.h"

namespace sipnic::pri {
namespace {

using namespace std::chrono_literals;

core::SpanConfig span(const std::string& name, core::SpanSide side, core::SpanSocketRole role,
                      const std::string& path) {
  return test::span_config(name, core::SpanType::kT1, side, role, path);
}

class SpanPair : public ::testing::Test {
 protected:
  SpanPair() : loop_(clock_) {
    const std::string path = (dir_.path() / "span.sock").string();
    auto record = test::recording_span_events;
    nt_ = std::make_unique<Span>(loop_, span("nt", core::SpanSide::kNetwork, core::SpanSocketRole::kListen, path),
                                 record(nt_events_));
    te_ = std::make_unique<Span>(loop_, span("te", core::SpanSide::kUser, core::SpanSocketRole::kConnect, path),
                                 record(te_events_));
  }
  void run(core::Clock::duration d) {
    for (auto t = core::Clock::duration(0); t < d; t += 1ms) loop_.advance(clock_, 1ms);
  }
  bool heard(const std::vector<CallEvent>& events, CallEventType type) const {
    for (const auto& e : events)
      if (e.type == type) return true;
    return false;
  }

  test::TempDir dir_{"sipnic-span"};
  core::ManualClock clock_;
  core::EventLoop loop_;
  std::vector<CallEvent> te_events_, nt_events_;
  std::unique_ptr<Span> nt_, te_;
};

TEST_F(SpanPair, TheDChannelComesUpOverTheFramesSocketAndACallIsAnsweredAndCleared) {
  nt_->start();
  te_->start();
  run(50ms);
  ASSERT_TRUE(te_->calls().link_up());
  ASSERT_TRUE(nt_->calls().link_up());
  OutgoingCall call;
  call.setup.called.digits = "5551234";
  const SetupResult r = te_->calls().setup(call);
  ASSERT_NE(r.call, kNoCall);
  run(20ms);
  ASSERT_TRUE(heard(nt_events_, CallEventType::kIncomingSetup));
  const CallId in = nt_events_.front().call;
  ASSERT_TRUE(nt_->calls().answer(in));
  run(20ms);
  EXPECT_EQ(te_->calls().call(r.call)->state, CallState::kActive);
  ASSERT_TRUE(nt_->calls().disconnect(in, Cause::kNormalCallClearing));
  run(20ms);
  EXPECT_TRUE(te_->calls().calls().empty());
  EXPECT_TRUE(nt_->calls().calls().empty());
  EXPECT_EQ(te_->channels().count(BChannelState::kIdle), 23u);
  EXPECT_GT(te_->frames()->counters().frames_in, 0u);
  EXPECT_EQ(te_->frames()->counters().bad_fcs, 0u);
}

TEST_F(SpanPair, TheLinkWaitsForThePeerAndComesUpWhenItAttaches) {
  te_->start();
  run(100ms);
  EXPECT_FALSE(te_->calls().link_up());
  OutgoingCall call;
  call.setup.called.digits = "1";
  EXPECT_EQ(te_->calls().setup(call).refused, Cause::kNetworkOutOfOrder);
  nt_->start();
  run(1100ms);  // the connector's next try
  EXPECT_TRUE(te_->calls().link_up());
  EXPECT_TRUE(nt_->calls().link_up());
}

TEST(SpanMetrics, ASpanPublishesItsDChannelChannelsAndCallsIntoTheRegistry) {
  test::TempDir dir("sipnic-span-metrics");
  const std::string path = (dir.path() / "span.sock").string();
  core::ManualClock clock;
  core::EventLoop loop(clock);
  core::MetricsRegistry registry(1);
  Span nt(loop, span("nt", core::SpanSide::kNetwork, core::SpanSocketRole::kListen, path), {}, nullptr, &registry, 0);
  Span te(loop, span("te", core::SpanSide::kUser, core::SpanSocketRole::kConnect, path), {}, nullptr);
  nt.start();
  te.start();
  for (int i = 0; i < 50; ++i) loop.advance(clock, 1ms);
  OutgoingCall call;
  call.setup.called.digits = "1";
  ASSERT_NE(te.calls().setup(call).call, kNoCall);
  for (int i = 0; i < 20; ++i) loop.advance(clock, 1ms);
  loop.advance(clock, 1s);  // the next publish
  const auto m = registry.snapshot();
  EXPECT_EQ(m.total(metric::kSpanDChannelUp, {{"span", "nt"}}), 1);
  EXPECT_EQ(m.total(metric::kSpanCalls, {{"span", "nt"}, {"direction", "in"}}), 1);
  EXPECT_EQ(m.total(metric::kSpanBChannels, {{"span", "nt"}, {"state", "in-use"}}), 1);
  EXPECT_EQ(m.total(metric::kSpanBChannels, {{"span", "nt"}, {"state", "idle"}}), 22);
  EXPECT_GT(m.total(metric::kSpanQ921Frames, {{"span", "nt"}, {"direction", "in"}}), 0);
  EXPECT_GT(m.total(metric::kSpanQ931Messages, {{"span", "nt"}, {"direction", "in"}}), 0);
}

TEST(Span, ASpanOfAnNfasGroupDoesNotStartOnItsOwnAndSaysItRunsInItsGroup) {
  core::ManualClock clock;
  core::EventLoop loop(clock);
  core::SpanConfig s = span("t1a", core::SpanSide::kUser, core::SpanSocketRole::kConnect, "/nonexistent/x");
  s.nfas_group = "trunk";
  s.nfas_interface = 1;
  Span sp(loop, s, {});
  try {
    sp.start();
    FAIL() << "an NFAS span started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("t1a"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("NFAS group trunk"), std::string::npos) << e.what();
  }
}

TEST(Span, ConfigTimersAndWindowReachTheLinkAndTheCallControl) {
  core::SpanConfig s = span("p", core::SpanSide::kUser, core::SpanSocketRole::kConnect, "/x");
  s.q921.k = 100;
  s.q921.t200_ms = 1500;
  s.q931.t303_ms = 6000;
  const Q921Config l2 = q921_config_of(s);
  EXPECT_EQ(l2.k, 100);
  EXPECT_GE(l2.max_queued, 200u);
  EXPECT_EQ(l2.t200, core::Millis(1500));
  const Q931Config l3 = q931_config_of(s);
  EXPECT_EQ(l3.timers.t303_ms, 6000u);
  EXPECT_EQ(l3.variant, SwitchVariant::kNi2);
  EXPECT_EQ(l3.line, LineType::kT1);
}

}  // namespace
}  // namespace sipnic::pri
