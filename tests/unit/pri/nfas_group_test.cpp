// Tests for host/pri/nfas_group.cpp: two NFAS groups back to back, a user
// side and a network side, each of three T1 spans: interface 0 with the
// primary D-channel, interface 1 with the backup, interface 2 without a
// D-channel (24 B-channels). The primary and the backup D-channel each have
// their own `frames` socket; everything runs on one core::ManualClock loop.
#include "pri/nfas_group.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "support/run_command.h"
#include "support/span_config.h"
#include "support/span_events.h"

namespace sipnic::pri {
namespace {

using namespace std::chrono_literals;

std::vector<core::SpanConfig> group_configs(core::SpanSide side, core::SpanSocketRole role, const std::string& dir) {
  auto member = [&](const std::string& name, std::uint32_t interface, core::DChannelRole d, const std::string& sock) {
    core::SpanConfig s = test::span_config(name, core::SpanType::kT1, side, role, sock);
    s.nfas_group = "trunk";
    s.nfas_interface = interface;
    s.d_channel = d;
    s.channels = core::b_channel_numbers(core::SpanType::kT1, d);
    s.q921.t200_ms = 100;  // a silent link is found out in T203 + N200 x T200 = 0.8 s
    s.q921.t203_ms = 500;
    return s;
  };
  return {member("t1a", 0, core::DChannelRole::kPrimary, dir + "/primary.sock"),
          member("t1b", 1, core::DChannelRole::kBackup, dir + "/backup.sock"),
          member("t1c", 2, core::DChannelRole::kNone, "")};
}

class NfasPair : public ::testing::Test {
 protected:
  NfasPair()
      : loop_(clock_),
        log_(core::LogLevel::kInfo, [this](core::LogLevel, std::string_view line) { log_lines_.emplace_back(line); }) {
    auto record = test::recording_span_events;
    const std::string dir = dir_.path().string();
    nt_ = std::make_unique<NfasGroup>(loop_, group_configs(core::SpanSide::kNetwork, core::SpanSocketRole::kListen, dir),
                                      record(nt_events_), NfasGroup::SpanCallbacks{}, &log_);
    te_ = std::make_unique<NfasGroup>(loop_, group_configs(core::SpanSide::kUser, core::SpanSocketRole::kConnect, dir),
                                      record(te_events_), NfasGroup::SpanCallbacks{}, &log_);
    nt_->start();
    te_->start();
  }
  void run(core::Clock::duration d) {
    for (auto t = core::Clock::duration(0); t < d; t += 1ms) loop_.advance(clock_, 1ms);
  }
  static const CallEvent* last(const std::vector<CallEvent>& events, CallEventType type) {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (it->type == type) return &*it;
    return nullptr;
  }
  // TE calls NT on `interface`, channel `channel`; NT answers. Returns the
  // two calls (TE's, NT's).
  std::pair<CallId, CallId> answered_call(std::uint8_t interface, std::uint8_t channel) {
    OutgoingCall call;
    call.setup.called.digits = "5551234";
    call.interface = interface;
    call.channel = channel;
    call.exclusive = true;
    const SetupResult r = te_->calls().setup(call);
    EXPECT_NE(r.call, kNoCall);
    EXPECT_EQ(r.interface, interface);
    run(20ms);
    const CallEvent* in = last(nt_events_, CallEventType::kIncomingSetup);
    if (!in) {
      ADD_FAILURE() << "no SETUP at NT";
      return {r.call, kNoCall};
    }
    EXPECT_EQ(in->interface, interface);
    EXPECT_EQ(in->channel, channel);
    const CallId nt_call = in->call;
    EXPECT_TRUE(nt_->calls().answer(nt_call));
    run(20ms);
    EXPECT_EQ(te_->calls().call(r.call)->state, CallState::kActive);
    return {r.call, nt_call};
  }
  std::string log_text() const {
    std::string all;
    for (const auto& l : log_lines_) all += l + "\n";
    return all;
  }

  test::TempDir dir_{"sipnic-nfas"};
  core::ManualClock clock_;
  core::EventLoop loop_;
  std::vector<std::string> log_lines_;
  core::Log log_;
  std::vector<CallEvent> te_events_, nt_events_;
  std::unique_ptr<NfasGroup> nt_, te_;
};

TEST_F(NfasPair, BothDChannelsComeUpAndThePrimarySignalsEveryInterface) {
  run(50ms);
  ASSERT_TRUE(te_->calls().link_up());
  ASSERT_TRUE(nt_->calls().link_up());
  EXPECT_TRUE(te_->primary().link().established());
  EXPECT_TRUE(te_->backup()->link().established());
  EXPECT_EQ(te_->active(), &te_->primary());
  EXPECT_EQ(nt_->active(), &nt_->primary());
  EXPECT_FALSE(te_->spans()[2]->has_link());
  EXPECT_EQ(te_->spans()[2]->channels().count(BChannelState::kIdle), 24u);
  for (const auto& span : te_->spans()) EXPECT_EQ(&span->calls(), &te_->calls()) << span->name();
}

TEST_F(NfasPair, CallsOnEveryInterfaceReachTheFarEndOnThatInterfaceAndChannel) {
  run(50ms);
  const auto [te0, nt0] = answered_call(0, 5);
  const auto [te1, nt1] = answered_call(1, 1);
  const auto [te2, nt2] = answered_call(2, 24);  // channel 24: a B-channel of the span without a D-channel
  EXPECT_EQ(nt_->spans()[0]->channels().state(5), BChannelState::kInUse);
  EXPECT_EQ(nt_->spans()[1]->channels().state(1), BChannelState::kInUse);
  EXPECT_EQ(nt_->spans()[2]->channels().state(24), BChannelState::kInUse);
  EXPECT_EQ(te_->spans()[2]->channels().state(24), BChannelState::kInUse);
  // Every message went on the primary: the backup carried no I frame.
  EXPECT_EQ(te_->backup()->link().counters().out(FrameType::kI), 0u);
  for (CallId c : {nt0, nt1, nt2}) EXPECT_TRUE(nt_->calls().disconnect(c, Cause::kNormalCallClearing));
  run(30ms);
  EXPECT_TRUE(te_->calls().calls().empty());
  EXPECT_TRUE(nt_->calls().calls().empty());
  EXPECT_EQ(te_->spans()[2]->channels().count(BChannelState::kIdle), 24u);
}

TEST_F(NfasPair, ThePrimaryFailingMovesSignallingToTheBackupAndKeepsTheCalls) {
  run(50ms);
  const auto [te_call, nt_call] = answered_call(2, 3);
  // The TE end's primary loses layer 1: it switches at once; the NT end
  // finds its primary silent after T203 and N200 polls.
  te_->primary().link().layer1_down();
  run(10ms);
  EXPECT_EQ(te_->active(), te_->backup());
  run(1500ms);
  EXPECT_EQ(nt_->active(), nt_->backup());
  EXPECT_EQ(te_->switchovers(), 1u);
  EXPECT_EQ(nt_->switchovers(), 1u);
  EXPECT_TRUE(te_->calls().link_up()) << "the group's signalling never went down";
  ASSERT_TRUE(te_->calls().call(te_call));
  EXPECT_EQ(te_->calls().call(te_call)->state, CallState::kActive);
  EXPECT_EQ(nt_->calls().call(nt_call)->state, CallState::kActive);
  EXPECT_EQ(last(te_events_, CallEventType::kReleased), nullptr) << "no call was cleared";
  EXPECT_NE(log_text().find("D-channel switched from span t1a to span t1b"), std::string::npos) << log_text();
  // A new call goes on the backup; the kept one clears over it.
  const auto [te2, nt2] = answered_call(0, 7);
  EXPECT_GT(te_->backup()->link().counters().out(FrameType::kI), 0u);
  ASSERT_TRUE(te_->calls().disconnect(te_call, Cause::kNormalCallClearing));
  run(30ms);
  EXPECT_FALSE(nt_->calls().call(nt_call));
  ASSERT_TRUE(last(nt_events_, CallEventType::kReleased));
  EXPECT_EQ(last(nt_events_, CallEventType::kReleased)->cause, Cause::kNormalCallClearing);
  // The primary comes back: signalling returns to it.
  te_->primary().link().layer1_up();
  run(1500ms);
  EXPECT_EQ(te_->active(), &te_->primary());
  EXPECT_EQ(nt_->active(), &nt_->primary());
  EXPECT_EQ(te_->calls().call(te2)->state, CallState::kActive);
}

TEST_F(NfasPair, BothDChannelsDownIsTheLinkGoingDownForTheCallsAndT309KeepsTheActiveOnes) {
  run(50ms);
  const auto [te_call, nt_call] = answered_call(1, 4);
  te_->primary().link().layer1_down();
  te_->backup()->link().layer1_down();
  run(10ms);
  EXPECT_EQ(te_->active(), nullptr);
  EXPECT_FALSE(te_->calls().link_up());
  ASSERT_TRUE(te_->calls().call(te_call));
  EXPECT_TRUE(te_->calls().call(te_call)->link_wait) << "T309 runs";
  EXPECT_NE(log_text().find("both D-channels down"), std::string::npos) << log_text();
  te_->backup()->link().layer1_up();
  run(200ms);
  EXPECT_EQ(te_->active(), te_->backup());
  EXPECT_TRUE(te_->calls().link_up());
  ASSERT_TRUE(te_->calls().call(te_call));
  EXPECT_FALSE(te_->calls().call(te_call)->link_wait) << "T309 stopped: the call is kept";
}

TEST(NfasGroup, AGroupWithoutAPrimaryOrWithTwoIsRefused) {
  core::ManualClock clock;
  core::EventLoop loop(clock);
  auto configs = group_configs(core::SpanSide::kUser, core::SpanSocketRole::kConnect, "/nonexistent");
  auto no_primary = configs;
  no_primary[0].d_channel = core::DChannelRole::kNone;
  EXPECT_THROW(NfasGroup(loop, no_primary, {}), std::invalid_argument);
  auto two_backups = configs;
  two_backups[2].d_channel = core::DChannelRole::kBackup;
  EXPECT_THROW(NfasGroup(loop, two_backups, {}), std::invalid_argument);
  auto same_interface = configs;
  same_interface[2].nfas_interface = 1;
  EXPECT_THROW(NfasGroup(loop, same_interface, {}), std::invalid_argument);
  auto qsig = configs;
  for (auto& s : qsig) s.switch_variant = core::SwitchVariant::kQsig;
  EXPECT_THROW(NfasGroup(loop, qsig, {}), std::invalid_argument) << "QSIG has no interface identifier";
}

}  // namespace
}  // namespace sipnic::pri
