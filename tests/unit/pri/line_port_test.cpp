// Tests for host/pri/line_port.cpp (and the TdmDatapath that runs it): spans
// on the `line` backend, the E1/T1 signal framed and deframed by the TDM
// kernels' C simulation, on one core::ManualClock loop. Two spans back to
// back (each on its own datapath, as two nodes) align, bring the D-channel
// up and carry calls on every channel; a hand-driven far end (a socket and a
// TdmEngine of its own) stops sending, sends AIS and comes back.
#include "pri/line_port.h"

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "core/unix_socket.h"
#include "pri/span.h"
#include "pri/tdm_datapath.h"
#include "support/run_command.h"
#include "support/span_config.h"

namespace sipnic::pri {
namespace {

using namespace std::chrono_literals;

core::SpanConfig line_span(const std::string& name, core::SpanType type, core::SpanSide side,
                           core::SpanSocketRole role, const std::string& path) {
  return test::span_config(name, type, side, role, path, core::SpanBackend::kLine);
}

struct LineCase {
  const char* name;
  core::SpanType type;
  bool crc4;
};
const LineCase kLines[] = {{"e1_crc4", core::SpanType::kE1, true},
                           {"e1", core::SpanType::kE1, false},
                           {"t1_esf", core::SpanType::kT1, false}};

class LinePair : public ::testing::TestWithParam<LineCase> {
 protected:
  LinePair()
      : loop_(clock_),
        te_datapath_(loop_, std::make_unique<offload::CpuTdmEngine>()),
        nt_datapath_(loop_, std::make_unique<offload::CpuTdmEngine>()) {
    path_ = (dir_.path() / "line.sock").string();
    make_nt();
    core::SpanConfig te = line_span("te", GetParam().type, core::SpanSide::kUser, core::SpanSocketRole::kConnect, path_);
    te.crc4 = GetParam().crc4;
    te_ = std::make_unique<Span>(loop_, te, record(te_events_, te_alarms_), nullptr, nullptr, 0, &te_datapath_);
  }
  void make_nt() {
    core::SpanConfig nt = line_span("nt", GetParam().type, core::SpanSide::kNetwork, core::SpanSocketRole::kListen, path_);
    nt.crc4 = GetParam().crc4;
    nt_ = std::make_unique<Span>(loop_, nt, record(nt_events_, nt_alarms_), nullptr, nullptr, 0, &nt_datapath_);
  }
  static Span::Callbacks record(std::vector<CallEvent>& into, std::vector<LineAlarms>& alarms) {
    Span::Callbacks cb;
    cb.on_event = [&into](const CallEvent& e) {
      into.push_back(e);
      into.back().setup = nullptr;
    };
    cb.on_line = [&alarms](const LineAlarms& a) { alarms.push_back(a); };
    return cb;
  }
  void run(core::Clock::duration d) {
    for (auto t = core::Clock::duration(0); t < d; t += 1ms) loop_.advance(clock_, 1ms);
  }
  std::vector<CallId> incoming(const std::vector<CallEvent>& events) const {
    std::vector<CallId> out;
    for (const auto& e : events)
      if (e.type == CallEventType::kIncomingSetup) out.push_back(e.call);
    return out;
  }

  test::TempDir dir_{"sipnic-line"};
  std::string path_;
  core::ManualClock clock_;
  core::EventLoop loop_;
  TdmDatapath te_datapath_, nt_datapath_;
  std::vector<CallEvent> te_events_, nt_events_;
  std::vector<LineAlarms> te_alarms_, nt_alarms_;
  std::unique_ptr<Span> nt_, te_;
};

TEST_P(LinePair, TheLineAlignsTheDChannelComesUpAndCallsOnEveryChannelAreAnsweredAndCleared) {
  nt_->start();
  te_->start();
  run(300ms);
  ASSERT_TRUE(te_->line()->alarms().in_frame()) << line_alarms_text(te_->line()->alarms());
  ASSERT_TRUE(nt_->line()->alarms().in_frame()) << line_alarms_text(nt_->line()->alarms());
  EXPECT_FALSE(te_->line()->alarms().remote_alarm);
  ASSERT_TRUE(te_->calls().link_up());
  ASSERT_TRUE(nt_->calls().link_up());

  const std::size_t channels = te_->channels().count(BChannelState::kIdle);
  ASSERT_EQ(channels, GetParam().type == core::SpanType::kE1 ? 30u : 23u);
  std::vector<CallId> out;
  for (std::size_t i = 0; i < channels; ++i) {
    OutgoingCall call;
    call.setup.called.digits = "555" + std::to_string(1000 + i);
    const SetupResult r = te_->calls().setup(call);
    ASSERT_NE(r.call, kNoCall) << "call " << i;
    out.push_back(r.call);
  }
  OutgoingCall one_more;
  one_more.setup.called.digits = "5559999";
  EXPECT_EQ(te_->calls().setup(one_more).refused, Cause::kNoCircuitAvailable);
  run(2000ms);
  const std::vector<CallId> in = incoming(nt_events_);
  ASSERT_EQ(in.size(), channels);
  for (CallId c : in) ASSERT_TRUE(nt_->calls().answer(c));
  run(2000ms);
  for (CallId c : out) {
    ASSERT_TRUE(te_->calls().call(c).has_value());
    EXPECT_EQ(te_->calls().call(c)->state, CallState::kActive);
  }
  EXPECT_EQ(te_->channels().count(BChannelState::kInUse), channels);
  for (CallId c : out) ASSERT_TRUE(te_->calls().disconnect(c, Cause::kNormalCallClearing));
  run(2000ms);
  EXPECT_TRUE(te_->calls().calls().empty());
  EXPECT_TRUE(nt_->calls().calls().empty());
  EXPECT_EQ(nt_->channels().count(BChannelState::kIdle), channels);

  const LinePortCounters& c = te_->line()->counters();
  EXPECT_EQ(c.crc_errors, 0u);
  EXPECT_EQ(c.framing_errors, 0u);
  EXPECT_EQ(c.slips, 0u);
  EXPECT_EQ(c.frame_drops, 0u);
  EXPECT_GT(c.frames_in, 3 * channels);
  EXPECT_EQ(te_->link().counters().t200_expiries, 0u);
}

TEST_P(LinePair, AFarEndThatGoesAwayIsLossOfSignalAndTheLineAndLinkRecoverWhenItReturns) {
  nt_->start();
  te_->start();
  run(300ms);
  ASSERT_TRUE(te_->calls().link_up());
  nt_.reset();  // the far end's socket closes: nothing on the line
  run(100ms);
  EXPECT_TRUE(te_->line()->alarms().loss_of_signal);
  EXPECT_TRUE(te_->line()->alarms().loss_of_frame);
  EXPECT_EQ(line_alarms_text(te_->line()->alarms()), "red (LOS, LOF)");
  EXPECT_FALSE(te_->calls().link_up());
  make_nt();
  nt_->start();
  run(2500ms);  // the connector's next try (1 s, then 2 s), alignment, SABME
  EXPECT_TRUE(te_->line()->alarms().in_frame());
  EXPECT_TRUE(te_->calls().link_up());
  EXPECT_TRUE(nt_->calls().link_up());
  ASSERT_FALSE(te_alarms_.empty());
  EXPECT_TRUE(te_alarms_.back().in_frame());
}

INSTANTIATE_TEST_SUITE_P(Formats, LinePair, ::testing::ValuesIn(kLines),
                         [](const ::testing::TestParamInfo<LineCase>& info) { return std::string(info.param.name); });

// The far end by hand: a socket the test reads and writes and an engine of
// its own that frames what it sends, so the test decides when it sends, what
// and whether it sends at all.
class HandDrivenFarEnd : public ::testing::Test {
 protected:
  HandDrivenFarEnd() : loop_(clock_), datapath_(loop_, std::make_unique<offload::CpuTdmEngine>()) {
    const std::string path = (dir_.path() / "line.sock").string();
    std::string why;
    listener_ = core::listen_unix(path, SOCK_SEQPACKET, why, 1);
    EXPECT_TRUE(listener_.valid()) << why;
    Span::Callbacks cb;
    cb.on_line = [this](const LineAlarms& a) { alarms_.push_back(a); };
    span_ = std::make_unique<Span>(loop_, line_span("pri1", core::SpanType::kE1, core::SpanSide::kUser,
                                                    core::SpanSocketRole::kConnect, path),
                                   cb, nullptr, nullptr, 0, &datapath_);
    const offload::TdmSpanSetup setup{tdm::kE1, true};
    far_.configure({&setup, 1});
  }
  // One millisecond: the span's datapath runs, the far end reads what came
  // and, when `sending`, sends one block of its own.
  void step(bool sending, offload::TdmLineOptions options = {}) {
    loop_.advance(clock_, 1ms);
    if (!peer_.valid()) peer_ = core::UniqueFd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK));
    if (!peer_.valid()) return;
    std::uint8_t block[256];
    auto line = far_.receive_line(0);
    std::fill(line.begin(), line.end(), 0);
    bool got = false;
    while (::recv(peer_.get(), block, sizeof block, 0) == static_cast<ssize_t>(tdm_framer::kE1BlockOctets)) {
      std::copy(block, block + tdm_framer::kE1BlockOctets, line.begin());
      got = true;
    }
    options.receive_present = got;
    far_.set_line_options(0, options);
    far_.run();
    if (sending) {
      const auto out = far_.transmit_line(0);
      ASSERT_EQ(::send(peer_.get(), out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
    }
  }
  void steps(int n, bool sending, offload::TdmLineOptions options = {}) {
    for (int i = 0; i < n; ++i) step(sending, options);
  }

  test::TempDir dir_{"sipnic-line-far"};
  core::ManualClock clock_;
  core::EventLoop loop_;
  TdmDatapath datapath_;
  core::UniqueFd listener_, peer_;
  offload::CpuTdmEngine far_;
  std::vector<LineAlarms> alarms_;
  std::unique_ptr<Span> span_;
};

TEST_F(HandDrivenFarEnd, AFarEndThatStopsSendingIsLosAfterTheSilenceTimeAndTheLineRealignsWhenItResumes) {
  span_->start();
  steps(200, true);
  ASSERT_TRUE(span_->line()->alarms().in_frame()) << line_alarms_text(span_->line()->alarms());
  steps(LinePort::kSilenceMs - 20, false);  // a stall shorter than the silence time: slips, still in frame
  EXPECT_TRUE(span_->line()->alarms().in_frame());
  EXPECT_GT(span_->line()->counters().slips, 0u);
  steps(100, false);
  EXPECT_TRUE(span_->line()->alarms().loss_of_signal);
  EXPECT_FALSE(span_->line()->alarms().in_frame());
  // The span, out of frame, sends RAI: the far end sees yellow.
  EXPECT_TRUE(far_.status(0).flags & tdm_framer::kStatusRemoteAlarm);
  steps(100, true);
  EXPECT_TRUE(span_->line()->alarms().in_frame());
  EXPECT_FALSE(far_.status(0).flags & tdm_framer::kStatusRemoteAlarm);
}

TEST_F(HandDrivenFarEnd, AisFromTheFarEndIsABlueAlarmThatTakesLayer1Down) {
  span_->start();
  steps(200, true);
  ASSERT_TRUE(span_->line()->alarms().in_frame());
  steps(50, true, offload::TdmLineOptions{.send_ais = true});
  EXPECT_TRUE(span_->line()->alarms().alarm_indication);
  EXPECT_EQ(line_alarms_text(span_->line()->alarms()), "blue (AIS)");
  EXPECT_FALSE(span_->calls().link_up());
  steps(50, true);
  EXPECT_TRUE(span_->line()->alarms().in_frame());
}

TEST_F(HandDrivenFarEnd, RaiFromTheFarEndIsYellowAndLeavesTheLineInFrame) {
  span_->start();
  steps(200, true);
  steps(50, true, offload::TdmLineOptions{.send_remote_alarm = true});
  EXPECT_TRUE(span_->line()->alarms().remote_alarm);
  EXPECT_TRUE(span_->line()->alarms().in_frame());
  EXPECT_EQ(line_alarms_text(span_->line()->alarms()), "yellow (RAI)");
}

TEST_F(HandDrivenFarEnd, DatagramsOfTheWrongSizeAreDroppedAndCounted) {
  span_->start();
  steps(5, true);
  ASSERT_TRUE(peer_.valid());
  const std::uint8_t junk[100] = {};
  ASSERT_EQ(::send(peer_.get(), junk, sizeof junk, 0), 100);
  steps(5, true);
  EXPECT_EQ(span_->line()->counters().bad_blocks, 1u);
}

TEST(LineAlarmsText, NamesEachAlarmByColourAndDefect) {
  EXPECT_EQ(line_alarms_text(LineAlarms{false, false, false, false}), "ok");
  EXPECT_EQ(line_alarms_text(LineAlarms{false, true, false, false}), "red (LOF)");
  EXPECT_EQ(line_alarms_text(LineAlarms{false, true, true, true}), "blue (AIS), yellow (RAI)");
}

TEST(LineSpan, ALineSpanWithoutADatapathIsRefusedByName) {
  core::ManualClock clock;
  core::EventLoop loop(clock);
  Span sp(loop, line_span("pri9", core::SpanType::kE1, core::SpanSide::kUser, core::SpanSocketRole::kConnect, "/x"),
          {});
  try {
    sp.start();
    FAIL() << "the line backend started without a datapath";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("pri9"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("datapath"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sipnic::pri
