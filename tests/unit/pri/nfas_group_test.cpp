// Tests for host/pri/nfas_group.cpp: two NFAS groups back to back, a user
// side and a network side, each of three T1 spans: interface 0 with the
// primary D-channel, interface 1 with the backup, interface 2 without a
// D-channel (24 B-channels). The primary and the backup D-channel each have
// their own `frames` socket; everything runs on one core::ManualClock loop.
// Then the same three spans on the `line` backend (each its T1 line signal,
// framed by the TDM kernels' C simulation, one TdmDatapath per side):
// channel 24 of the span without a D-channel carries a call and its
// samples, and a member's line going down takes its B-channels with it.
#include "pri/nfas_group.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "pri/b_channel_samples.h"
#include "pri/line_port.h"
#include "pri/tdm_datapath.h"
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

const CallEvent* last_event(const std::vector<CallEvent>& events, CallEventType type) {
  for (auto it = events.rbegin(); it != events.rend(); ++it)
    if (it->type == type) return &*it;
  return nullptr;
}

// TE calls NT on `interface`, channel `channel` (exclusive); NT proceeds,
// alerts and, when `answer`, answers; `run` lets each step arrive. Returns
// the two calls (TE's, NT's).
template <typename Run>
std::pair<CallId, CallId> call_between(NfasGroup& te, NfasGroup& nt, const std::vector<CallEvent>& nt_events,
                                       Run run, std::uint8_t interface, std::uint8_t channel, bool answer) {
  OutgoingCall call;
  call.setup.called.digits = "5551234";
  call.interface = interface;
  call.channel = channel;
  call.exclusive = true;
  const SetupResult r = te.calls().setup(call);
  EXPECT_NE(r.call, kNoCall);
  EXPECT_EQ(r.interface, interface);
  run();
  const CallEvent* in = last_event(nt_events, CallEventType::kIncomingSetup);
  if (!in) {
    ADD_FAILURE() << "no SETUP at NT";
    return {r.call, kNoCall};
  }
  EXPECT_EQ(in->interface, interface);
  EXPECT_EQ(in->channel, channel);
  const CallId nt_call = in->call;
  EXPECT_TRUE(nt.calls().proceeding(nt_call) && nt.calls().alerting(nt_call));
  if (answer) {
    EXPECT_TRUE(nt.calls().answer(nt_call));
  }
  run();
  if (answer && te.calls().call(r.call)) {
    EXPECT_EQ(te.calls().call(r.call)->state, CallState::kActive);
  }
  return {r.call, nt_call};
}

// Two groups back to back on one manual clock, a network side and a user
// side, with what each logs and the call events each reports.
class TwoGroups : public ::testing::Test {
 protected:
  TwoGroups()
      : loop_(clock_),
        log_(core::LogLevel::kInfo, [this](core::LogLevel, std::string_view line) { log_lines_.emplace_back(line); }) {}
  void run(core::Clock::duration d) {
    for (auto t = core::Clock::duration(0); t < d; t += 1ms) loop_.advance(clock_, 1ms);
  }
  static const CallEvent* last(const std::vector<CallEvent>& events, CallEventType type) {
    return last_event(events, type);
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

class NfasPair : public TwoGroups {
 protected:
  NfasPair() {
    auto record = test::recording_span_events;
    const std::string dir = dir_.path().string();
    nt_ = std::make_unique<NfasGroup>(loop_, group_configs(core::SpanSide::kNetwork, core::SpanSocketRole::kListen, dir),
                                      record(nt_events_), NfasGroup::SpanCallbacks{}, &log_);
    te_ = std::make_unique<NfasGroup>(loop_, group_configs(core::SpanSide::kUser, core::SpanSocketRole::kConnect, dir),
                                      record(te_events_), NfasGroup::SpanCallbacks{}, &log_);
    nt_->start();
    te_->start();
  }
  // TE calls NT on `interface`, channel `channel`; NT answers.
  std::pair<CallId, CallId> answered_call(std::uint8_t interface, std::uint8_t channel) {
    return call_between(*te_, *nt_, nt_events_, [this] { run(20ms); }, interface, channel, true);
  }
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

TEST_F(NfasPair, WhatTheFailedDChannelHadNotDeliveredGoesOutAgainOnTheBackup) {
  run(50ms);
  OutgoingCall call;
  call.setup.called.digits = "5551234";
  call.interface = 0;
  call.channel = 5;
  call.exclusive = true;
  const SetupResult r = te_->calls().setup(call);
  run(20ms);
  const CallEvent* in = last(nt_events_, CallEventType::kIncomingSetup);
  ASSERT_TRUE(in);
  const CallId nt_call = in->call;
  // TE's primary fails; NT answers before it finds out, on that D-channel.
  te_->primary().link().layer1_down();
  run(5ms);
  ASSERT_TRUE(nt_->calls().proceeding(nt_call) && nt_->calls().alerting(nt_call) && nt_->calls().answer(nt_call));
  run(1500ms);
  ASSERT_EQ(nt_->active(), nt_->backup());
  // The answer reached TE over the backup, well before T303 (4 s) would
  // have sent the SETUP again.
  ASSERT_TRUE(te_->calls().call(r.call));
  EXPECT_EQ(te_->calls().call(r.call)->state, CallState::kActive);
  EXPECT_EQ(nt_->calls().call(nt_call)->state, CallState::kActive);
  EXPECT_NE(log_text().find("message(s) unacknowledged on span t1a sent again on span t1b"), std::string::npos)
      << log_text();
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

// ---------------------------------------------------------------------------
// The group on the `line` backend.

std::vector<core::SpanConfig> line_group_configs(core::SpanSide side, core::SpanSocketRole role,
                                                 const std::string& dir) {
  auto configs = group_configs(side, role, dir);
  const char* sockets[] = {"/t1a-line.sock", "/t1b-line.sock", "/t1c-line.sock"};
  for (std::size_t i = 0; i < configs.size(); ++i) {
    configs[i].backend = core::SpanBackend::kLine;
    configs[i].socket_path = dir + sockets[i];
  }
  return configs;
}

class NfasLinePair : public TwoGroups {
 protected:
  NfasLinePair()
      : nt_datapath_(loop_, std::make_unique<offload::CpuTdmEngine>()),
        te_datapath_(loop_, std::make_unique<offload::CpuTdmEngine>()) {
    const std::string dir = dir_.path().string();
    // TE sends 0x5A on every channel of the span without a D-channel; NT
    // keeps what its channel 24 receives.
    auto te_samples = [](const core::SpanConfig& cfg) {
      Span::Callbacks cb;
      if (cfg.nfas_interface == 2)
        cb.on_samples = [](std::span<const std::uint8_t>, std::uint32_t, std::span<std::uint8_t> out) {
          std::fill(out.begin(), out.end(), 0x5A);
        };
      return cb;
    };
    auto nt_samples = [this](const core::SpanConfig& cfg) {
      Span::Callbacks cb;
      if (cfg.nfas_interface == 2)
        cb.on_samples = [this](std::span<const std::uint8_t> in, std::uint32_t frames, std::span<std::uint8_t>) {
          for (std::uint32_t f = 0; f < frames; ++f) channel24_at_nt_.push_back(in[sample_index(23, f)]);
        };
      return cb;
    };
    nt_ = std::make_unique<NfasGroup>(loop_, line_group_configs(core::SpanSide::kNetwork, core::SpanSocketRole::kListen, dir),
                                      test::recording_span_events(nt_events_), nt_samples, &log_, nullptr, 0,
                                      &nt_datapath_);
    te_ = std::make_unique<NfasGroup>(loop_, line_group_configs(core::SpanSide::kUser, core::SpanSocketRole::kConnect, dir),
                                      test::recording_span_events(te_events_), te_samples, &log_, nullptr, 0,
                                      &te_datapath_);
    nt_->start();
    te_->start();
  }
  // Runs until both groups signal (the lines align first), at most 5 s.
  bool signalling() {
    for (int i = 0; i < 5000 && !(te_->calls().link_up() && nt_->calls().link_up()); ++i) run(1ms);
    return te_->calls().link_up() && nt_->calls().link_up();
  }
  // TE calls NT on `interface`, channel `channel`; NT alerts and, when
  // `answer`, answers.
  std::pair<CallId, CallId> call(std::uint8_t interface, std::uint8_t channel, bool answer = true) {
    return call_between(*te_, *nt_, nt_events_, [this] { run(30ms); }, interface, channel, answer);
  }
  ~NfasLinePair() override {
    // The groups' line spans leave their datapaths first.
    nt_.reset();
    te_.reset();
  }

  TdmDatapath nt_datapath_, te_datapath_;
  std::vector<std::uint8_t> channel24_at_nt_;
};

TEST_F(NfasLinePair, Channel24OfTheSpanWithoutADChannelCarriesACallAndItsSamplesOnTheLine) {
  ASSERT_TRUE(signalling()) << log_text();
  EXPECT_EQ(te_->active(), &te_->primary());
  for (const auto& span : te_->spans()) EXPECT_TRUE(span->line()->alarms().in_frame()) << span->name();
  const auto [te0, nt0] = call(0, 23);
  const auto [te2, nt2] = call(2, 24);
  ASSERT_TRUE(te_->calls().call(te2));
  EXPECT_EQ(te_->calls().call(te2)->state, CallState::kActive);
  EXPECT_EQ(te_->calls().call(te0)->state, CallState::kActive);
  EXPECT_EQ(nt_->spans()[2]->channels().state(24), BChannelState::kInUse);
  // Channel 24 of that span is a B-channel in its line: what TE sends there
  // arrives (tdm_mux carries it, hdlc leaves it alone).
  channel24_at_nt_.clear();
  run(20ms);
  ASSERT_FALSE(channel24_at_nt_.empty());
  EXPECT_EQ(std::count(channel24_at_nt_.begin(), channel24_at_nt_.end(), 0x5A),
            static_cast<std::ptrdiff_t>(channel24_at_nt_.size()));
  EXPECT_EQ(te_->spans()[2]->line()->counters().dchannel_errors, 0u);
  EXPECT_EQ(te_->spans()[2]->line()->counters().frames_in, 0u) << "no D-channel frame on a span without one";
  EXPECT_TRUE(nt_->calls().disconnect(nt2, Cause::kNormalCallClearing));
  EXPECT_TRUE(nt_->calls().disconnect(nt0, Cause::kNormalCallClearing));
  run(50ms);
  EXPECT_TRUE(te_->calls().calls().empty());
}

TEST_F(NfasLinePair, AMembersLineDownClearsItsRingingCallsKeepsItsActiveOnesForT309AndIsNotHunted) {
  ASSERT_TRUE(signalling()) << log_text();
  const auto [te_active, nt_active] = call(2, 3);
  const auto [te_ringing, nt_ringing] = call(2, 4, /*answer=*/false);
  const auto [te_other, nt_other] = call(1, 5);
  ASSERT_EQ(te_->calls().call(te_ringing)->state, CallState::kCallDelivered);
  // NT's transmitter on the span without a D-channel stops: TE's line there
  // has no signal; the D-channel, on another span, stays up.
  nt_->spans()[2]->line()->set_silent(true);
  run(400ms);
  ASSERT_FALSE(te_->spans()[2]->line()->alarms().in_frame());
  EXPECT_TRUE(te_->calls().link_up());
  EXPECT_EQ(te_->active(), &te_->primary());
  // The ringing call is cleared with 41, and the far end hears it.
  EXPECT_FALSE(te_->calls().call(te_ringing));
  EXPECT_FALSE(nt_->calls().call(nt_ringing));
  const CallEvent* released = last(nt_events_, CallEventType::kReleased);
  ASSERT_TRUE(released);
  EXPECT_EQ(released->call, nt_ringing);
  EXPECT_EQ(released->cause, Cause::kTemporaryFailure);
  // The active call waits for the line (T309); the call on another span is untouched.
  ASSERT_TRUE(te_->calls().call(te_active));
  EXPECT_TRUE(te_->calls().call(te_active)->link_wait);
  EXPECT_FALSE(te_->calls().call(te_other)->link_wait);
  // Its free channels are out of service: no call is placed there.
  EXPECT_EQ(te_->spans()[2]->channels().state(10), BChannelState::kOutOfService);
  OutgoingCall there;
  there.setup.called.digits = "5551234";
  there.interface = 2;
  EXPECT_EQ(te_->calls().setup(there).call, kNoCall);
  EXPECT_NE(log_text().find("interface 2: line down: 1 active call(s) kept for T309, 1 call(s) cleared (cause 41)"),
            std::string::npos)
      << log_text();

  // The line comes back within T309: the call goes on, the channels are hunted again.
  nt_->spans()[2]->line()->set_silent(false);
  run(300ms);
  ASSERT_TRUE(te_->spans()[2]->line()->alarms().in_frame());
  ASSERT_TRUE(te_->calls().call(te_active));
  EXPECT_FALSE(te_->calls().call(te_active)->link_wait);
  EXPECT_EQ(te_->spans()[2]->channels().state(10), BChannelState::kIdle);
  run(7000ms);  // past T309 (6 s)
  ASSERT_TRUE(te_->calls().call(te_active));
  EXPECT_EQ(te_->calls().call(te_active)->state, CallState::kActive);

  // Down again, and not back by T309's end: the call is cleared with 41 on both ends.
  nt_->spans()[2]->line()->set_silent(true);
  run(400ms);
  ASSERT_TRUE(te_->calls().call(te_active));
  EXPECT_TRUE(te_->calls().call(te_active)->link_wait);
  run(6500ms);
  EXPECT_FALSE(te_->calls().call(te_active));
  EXPECT_FALSE(nt_->calls().call(nt_active));
  released = last(nt_events_, CallEventType::kReleased);
  ASSERT_TRUE(released);
  EXPECT_EQ(released->call, nt_active);
  EXPECT_EQ(released->cause, Cause::kTemporaryFailure);
  EXPECT_TRUE(te_->calls().call(te_other)) << "the call on the span whose line stayed up is kept";
}

TEST_F(NfasLinePair, ThePrimarysLineDownMovesSignallingToTheBackupAndItsActiveCallsWaitForTheLine) {
  ASSERT_TRUE(signalling()) << log_text();
  const auto [te0, nt0] = call(0, 2);
  const auto [te2, nt2] = call(2, 2);
  nt_->primary().line()->set_silent(true);
  run(400ms);
  EXPECT_EQ(te_->active(), te_->backup());
  EXPECT_TRUE(te_->calls().link_up()) << "signalling never went down";
  ASSERT_TRUE(te_->calls().call(te0));
  EXPECT_TRUE(te_->calls().call(te0)->link_wait) << "its B-channel's line is down";
  EXPECT_FALSE(te_->calls().call(te2)->link_wait);
  nt_->primary().line()->set_silent(false);
  run(3000ms);
  EXPECT_EQ(te_->active(), &te_->primary());
  EXPECT_EQ(nt_->active(), &nt_->primary());
  ASSERT_TRUE(te_->calls().call(te0));
  EXPECT_FALSE(te_->calls().call(te0)->link_wait);
  EXPECT_EQ(nt_->calls().call(nt0)->state, CallState::kActive);
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
