// sipnic's own Q.921/Q.931 (pri::Span on a `frames` span) against libpri
// (tests/peers/libpri_peer.c, a separate GPL program) as the far end: sipnic
// on the user side against libpri's network side and the other way round,
// for each switch variant both implement. Calls both ways answered and
// cleared, busy and rejected, RESTART from each side, SERVICE where the
// variant has it, all channels in use then one more, and the link going
// away and coming back with calls on it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "interop/support/libpri_harness.h"
#include "interop/support/sipnic_span.h"
#include "pri/q931_facility.h"
#include "support/eventually.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;
using pri::CallEventType;

struct Case {
  std::string name;
  std::string libpri_switch;  // libpri_peer --switch
  core::SwitchVariant variant;
  core::SpanType line;
  core::SpanSide sipnic_side;
  bool service_messages;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

constexpr auto kTe = core::SpanSide::kUser;
constexpr auto kNt = core::SpanSide::kNetwork;
constexpr auto kE1 = core::SpanType::kE1;
constexpr auto kT1 = core::SpanType::kT1;

const Case kCases[] = {
    {"EuroIsdnE1SipnicTe", "euroisdn_e1", core::SwitchVariant::kEuroIsdn, kE1, kTe, false},
    {"EuroIsdnE1SipnicNt", "euroisdn_e1", core::SwitchVariant::kEuroIsdn, kE1, kNt, false},
    {"Ni2T1SipnicTe", "ni2", core::SwitchVariant::kNi2, kT1, kTe, true},
    {"Ni2T1SipnicNt", "ni2", core::SwitchVariant::kNi2, kT1, kNt, true},
    {"Dms100T1SipnicTe", "dms100", core::SwitchVariant::kDms100, kT1, kTe, false},
    {"Dms100T1SipnicNt", "dms100", core::SwitchVariant::kDms100, kT1, kNt, false},
    {"Att4essT1SipnicTe", "4ess", core::SwitchVariant::k4ess, kT1, kTe, true},
    {"Att4essT1SipnicNt", "4ess", core::SwitchVariant::k4ess, kT1, kNt, true},
    {"Lucent5essT1SipnicTe", "5ess", core::SwitchVariant::k5ess, kT1, kTe, true},
    {"Lucent5essT1SipnicNt", "5ess", core::SwitchVariant::k5ess, kT1, kNt, true},
};

class Q931AgainstLibpri : public ::testing::TestWithParam<Case> {
 protected:
  // sipnic listens when it is the network side (and libpri connects), else
  // libpri listens: both socket roles are exercised.
  bool sipnic_listens() const { return GetParam().sipnic_side == kNt; }

  core::SpanConfig span_config(std::vector<std::uint8_t> channels = {}) const {
    const Case& c = GetParam();
    core::SpanConfig s;
    s.name = "pri1";
    s.type = c.line;
    s.side = c.sipnic_side;
    s.switch_variant = c.variant;
    s.backend = core::SpanBackend::kFrames;
    s.socket_role = sipnic_listens() ? core::SpanSocketRole::kListen : core::SpanSocketRole::kConnect;
    s.socket_path = dir_.file("span.sock");
    s.channels = channels.empty() ? core::b_channel_numbers(c.line, core::DChannelRole::kPrimary) : channels;
    s.hunting = core::default_channel_hunting(c.sipnic_side);
    return s;
  }

  LibpriPeerOptions peer_options() const {
    const Case& c = GetParam();
    return LibpriPeerOptions{.side = c.sipnic_side == kTe ? "nt" : "te",
                             .switch_type = c.libpri_switch,
                             .span = c.line == kE1 ? "e1" : "t1",
                             .socket_path = dir_.file("span.sock"),
                             .listen = !sipnic_listens(),
                             .extra_args = peer_args_};
  }

  // Starts both ends and waits for the D-channel at both.
  void bring_up(core::SpanConfig config) {
    if (sipnic_listens()) {
      sipnic_ = std::make_unique<SipnicSpan>(std::move(config));
      start_peer();
    } else {
      start_peer();
      ASSERT_TRUE(peer_->event("listening")) << peer_->describe();
      sipnic_ = std::make_unique<SipnicSpan>(std::move(config));
    }
    ASSERT_TRUE(peer_->event("dchan", {}, {"up"})) << peer_->describe() << sipnic_->log_text();
    ASSERT_TRUE(link_up()) << sipnic_->log_text();
  }
  void bring_up() { bring_up(span_config()); }

  void start_peer() { peer_ = std::make_unique<LibpriPeer>(dir_, "libpri", peer_options()); }

  bool link_up() {
    return sipnic_->wait_until([](pri::Span& s) { return s.calls().link_up(); });
  }

  std::string describe() { return peer_->describe() + "\n--- sipnic\n" + sipnic_->log_text(); }

  // sipnic places a call; returns its id.
  pri::CallId sipnic_calls(const std::string& called, std::optional<std::uint8_t> channel = {},
                           pri::q931::Presentation presentation = pri::q931::Presentation::kAllowed) {
    pri::OutgoingCall call;
    call.setup.called.type = pri::q931::TypeOfNumber::kNational;
    call.setup.called.digits = called;
    pri::q931::PartyNumber calling;
    calling.type = pri::q931::TypeOfNumber::kInternational;
    calling.presentation = presentation;
    calling.digits = "4420790000";
    call.setup.calling = calling;
    call.setup.calling_name = "Alice";
    call.channel = channel;
    call.exclusive = true;
    const pri::SetupResult r = sipnic_->run([&](pri::Span& s) { return s.calls().setup(call); });
    EXPECT_NE(r.call, pri::kNoCall) << "refused: " << (r.refused ? int(*r.refused) : -1) << "\n" << describe();
    return r.call;
  }

  std::size_t channels_in(pri::BChannelState state) {
    return sipnic_->run([state](pri::Span& s) { return s.channels().count(state); });
  }

  void TearDown() override {
    if (peer_) {
      const auto status = peer_->quit();
      EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << peer_->describe();
    }
    sipnic_.reset();
  }

  TempDir dir_{"q931-libpri"};
  std::vector<std::string> peer_args_;  // more libpri_peer options (e.g. --no-display)
  std::unique_ptr<LibpriPeer> peer_;
  std::unique_ptr<SipnicSpan> sipnic_;
};

auto for_call(pri::CallId id) {
  return [id](const HeardEvent& h) { return h.event.call == id; };
}

TEST_P(Q931AgainstLibpri, ACallFromSipnicRingsAtLibpriIsAnsweredAndClearedWithCause16) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  const pri::CallId call = sipnic_calls("5551234");
  const PriLine ring = peer_->event("ring");
  ASSERT_TRUE(ring) << describe();
  EXPECT_EQ(ring.get("called"), "5551234");
  EXPECT_EQ(ring.get("called_ton"), "national");
  EXPECT_EQ(ring.get("calling"), "4420790000");
  EXPECT_EQ(ring.get("ton"), "international");
  EXPECT_EQ(ring.get("bearer"), "speech");
  EXPECT_EQ(ring.get("exclusive"), "yes");
  // The calling name, where the variant carries one from this side (in a
  // Display IE, or in a Facility IE on the NI-2 network side).
  const auto& traits = pri::variant_traits(pri::variant_of(GetParam().variant, GetParam().line));
  const auto carrier = GetParam().sipnic_side == kTe ? traits.name_from_user : traits.name_from_network;
  if (carrier != pri::NameCarrier::kNone) {
    EXPECT_EQ(ring.get("name"), "Alice") << ring.text;
  }
  const auto channel = sipnic_->run([call](pri::Span& s) { return s.calls().call(call)->channel; });
  EXPECT_EQ(ring.get("channel"), std::to_string(channel));
  const std::string in = ring.get("call");

  EXPECT_EQ(peer_->command("proceed " + in).kind, "ok");
  EXPECT_TRUE(sipnic_->wait_event(CallEventType::kProceeding, for_call(call))) << describe();
  EXPECT_EQ(peer_->command("alert " + in).kind, "ok");
  EXPECT_TRUE(sipnic_->wait_event(CallEventType::kAlerting, for_call(call))) << describe();
  EXPECT_EQ(peer_->command("answer " + in).kind, "ok");
  EXPECT_TRUE(sipnic_->wait_event(CallEventType::kConnected, for_call(call))) << describe();
  EXPECT_EQ(sipnic_->run([call](pri::Span& s) { return s.calls().call(call)->state; }), pri::CallState::kActive);

  EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().disconnect(call, pri::Cause::kNormalCallClearing); }));
  EXPECT_TRUE(peer_->event("hangup_req", {{"call", in}, {"cause", "16"}})) << describe();
  const auto gone = sipnic_->wait_event(CallEventType::kReleased, for_call(call));
  ASSERT_TRUE(gone) << describe();
  EXPECT_EQ(gone->event.cause, pri::Cause::kNormalCallClearing);
  EXPECT_TRUE(gone->event.cleared_here);
  EXPECT_TRUE(peer_->event("hangup_ack", {{"call", in}})) << describe();
  EXPECT_EQ(channels_in(pri::BChannelState::kInUse), 0u);
}

TEST_P(Q931AgainstLibpri, ACallFromLibpriReachesSipnicWithItsNumbersIsAnsweredAndClearedByLibpri) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  const PriLine placed = peer_->command(
      "call any 2125550100 called_ton=national calling=3035550111 ton=national pres=restricted screen=passed");
  ASSERT_EQ(placed.kind, "ok") << describe();
  const std::string out = placed.get("call");
  const auto in = sipnic_->wait_event(CallEventType::kIncomingSetup);
  ASSERT_TRUE(in) << describe();
  ASSERT_TRUE(in->setup);
  EXPECT_EQ(in->setup->called.digits, "2125550100");
  EXPECT_EQ(in->setup->called.type, pri::q931::TypeOfNumber::kNational);
  ASSERT_TRUE(in->setup->calling);
  EXPECT_EQ(in->setup->calling->digits, "3035550111");
  EXPECT_EQ(in->setup->calling->presentation, pri::q931::Presentation::kRestricted);
  EXPECT_EQ(in->setup->bearer.capability, pri::q931::TransferCapability::kSpeech);
  EXPECT_NE(in->event.channel, 0);
  const pri::CallId call = in->event.call;

  EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().proceeding(call); }));
  EXPECT_TRUE(peer_->event("proceeding", {{"call", out}, {"channel", std::to_string(in->event.channel)}}))
      << describe();
  EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().alerting(call); }));
  EXPECT_TRUE(peer_->event("ringing", {{"call", out}})) << describe();
  EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().answer(call); }));
  EXPECT_TRUE(peer_->event("answer", {{"call", out}})) << describe();
  EXPECT_TRUE(sipnic_->wait_event(CallEventType::kConnected, for_call(call))) << describe();

  EXPECT_EQ(peer_->command("hangup " + out + " 16").kind, "ok");
  const auto disc = sipnic_->wait_event(CallEventType::kDisconnecting, for_call(call));
  ASSERT_TRUE(disc) << describe();
  EXPECT_EQ(disc->event.cause, pri::Cause::kNormalCallClearing);
  const auto gone = sipnic_->wait_event(CallEventType::kReleased, for_call(call));
  ASSERT_TRUE(gone) << describe();
  EXPECT_FALSE(gone->event.cleared_here);
  EXPECT_TRUE(peer_->event("hangup", {{"call", out}, {"cause", "16"}})) << describe();
  EXPECT_EQ(channels_in(pri::BChannelState::kInUse), 0u);
}

TEST_P(Q931AgainstLibpri, LibpriBusyReachesSipnicAsCause17) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  const pri::CallId call = sipnic_calls("5551234");
  const PriLine ring = peer_->event("ring");
  ASSERT_TRUE(ring) << describe();
  EXPECT_EQ(peer_->command("reject " + ring.get("call") + " 17").kind, "ok");
  const auto gone = sipnic_->wait_event(CallEventType::kReleased, for_call(call));
  ASSERT_TRUE(gone) << describe();
  EXPECT_EQ(gone->event.cause, pri::Cause::kUserBusy);
  EXPECT_FALSE(gone->event.cleared_here);
}

// No answer: libpri rings but never answers the SETUP (T303 twice: cleared
// with 18), or answers CALL PROCEEDING and nothing after (T310: DISCONNECT
// 102, which libpri reports).
TEST_P(Q931AgainstLibpri, NoAnswerToTheSetupClearsAfterT303TwiceWithCause18) {
  core::SpanConfig config = span_config();
  config.q931.t303_ms = 300;
  ASSERT_NO_FATAL_FAILURE(bring_up(config));
  const pri::CallId call = sipnic_calls("5551234");
  ASSERT_TRUE(peer_->event("ring")) << describe();
  const auto gone = sipnic_->wait_event(CallEventType::kReleased, for_call(call));
  ASSERT_TRUE(gone) << describe();
  EXPECT_EQ(gone->event.cause, pri::Cause::kNoUserResponding);
  EXPECT_EQ(channels_in(pri::BChannelState::kInUse), 0u);
}

TEST_P(Q931AgainstLibpri, NothingAfterCallProceedingClearsAfterT310WithCause102) {
  core::SpanConfig config = span_config();
  config.q931.t310_ms = 500;
  ASSERT_NO_FATAL_FAILURE(bring_up(config));
  const pri::CallId call = sipnic_calls("5551234");
  const PriLine ring = peer_->event("ring");
  ASSERT_TRUE(ring) << describe();
  EXPECT_EQ(peer_->command("proceed " + ring.get("call")).kind, "ok");
  EXPECT_TRUE(peer_->event("hangup_req", {{"call", ring.get("call")}, {"cause", "102"}})) << describe();
  const auto gone = sipnic_->wait_event(CallEventType::kReleased, for_call(call));
  ASSERT_TRUE(gone) << describe();
  EXPECT_EQ(gone->event.cause, pri::Cause::kRecoveryOnTimerExpiry);
  EXPECT_TRUE(gone->event.cleared_here);
}

TEST_P(Q931AgainstLibpri, SipnicRejectsAfterProceedingWithCause21) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  ASSERT_EQ(peer_->command("call any 5551234").kind, "ok");
  const auto in = sipnic_->wait_event(CallEventType::kIncomingSetup);
  ASSERT_TRUE(in) << describe();
  const pri::CallId call = in->event.call;
  EXPECT_TRUE(sipnic_->run([call](pri::Span& s) {
    return s.calls().proceeding(call) && s.calls().disconnect(call, pri::Cause::kCallRejected);
  }));
  EXPECT_TRUE(peer_->event("hangup_req", {{"cause", "21"}})) << describe();
  EXPECT_TRUE(sipnic_->wait_event(CallEventType::kReleased, for_call(call))) << describe();
  EXPECT_TRUE(peer_->event("hangup_ack")) << describe();
}

TEST_P(Q931AgainstLibpri, AnUnansweredIncomingCallRefusedBySipnicReachesLibpriWithItsCause) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  ASSERT_EQ(peer_->command("call any 5551234").kind, "ok");
  const auto in = sipnic_->wait_event(CallEventType::kIncomingSetup);
  ASSERT_TRUE(in) << describe();
  const pri::CallId call = in->event.call;
  EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().disconnect(call, pri::Cause::kUnallocatedNumber); }));
  EXPECT_TRUE(peer_->event("hangup", {{"cause", "1"}})) << describe();
}

TEST_P(Q931AgainstLibpri, RestartsOfAChannelFromEitherSideAreAcknowledgedAndDropItsCall) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  // sipnic restarts an idle channel: libpri reports it, sipnic has it back.
  EXPECT_TRUE(sipnic_->run([](pri::Span& s) { return s.calls().restart(3); }));
  EXPECT_TRUE(peer_->event("restart", {{"channel", "3"}})) << describe();
  EXPECT_TRUE(sipnic_->wait_until([](pri::Span& s) { return s.calls().restarts_pending() == 0; })) << describe();
  EXPECT_EQ(sipnic_->run([](pri::Span& s) { return s.channels().state(3); }), pri::BChannelState::kIdle);
  // libpri restarts the channel of an answered call: sipnic drops the call.
  const PriLine placed = peer_->command("call 5 5551234 exclusive");
  ASSERT_EQ(placed.kind, "ok") << describe();
  const auto in = sipnic_->wait_event(CallEventType::kIncomingSetup);
  ASSERT_TRUE(in) << describe();
  const pri::CallId call = in->event.call;
  EXPECT_EQ(in->event.channel, 5);
  EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().answer(call); }));
  EXPECT_TRUE(peer_->event("answer")) << describe();
  EXPECT_EQ(peer_->command("restart 5").kind, "ok");
  const auto gone = sipnic_->wait_event(CallEventType::kReleased, for_call(call));
  ASSERT_TRUE(gone) << describe();
  EXPECT_EQ(gone->event.cause, pri::Cause::kTemporaryFailure);
  EXPECT_TRUE(peer_->event("restart_ack", {{"channel", "5"}})) << describe();
  EXPECT_EQ(channels_in(pri::BChannelState::kInUse), 0u);
}

TEST_P(Q931AgainstLibpri, ARestartOfTheWholeInterfaceFromSipnicIsAcknowledgedByLibpri) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  EXPECT_TRUE(sipnic_->run([](pri::Span& s) { return s.calls().restart(std::nullopt); }));
  EXPECT_TRUE(peer_->event("restart", {{"channel", "all"}})) << describe();
  EXPECT_TRUE(sipnic_->wait_until([](pri::Span& s) { return s.calls().restarts_pending() == 0; })) << describe();
  EXPECT_EQ(channels_in(pri::BChannelState::kRestarting), 0u);
  EXPECT_EQ(channels_in(pri::BChannelState::kIdle), GetParam().line == kE1 ? 30u : 23u);
}

TEST_P(Q931AgainstLibpri, AllChannelsInUseThenOneMoreIsRefusedWithCause34) {
  const std::vector<std::uint8_t> two{1, 2};
  ASSERT_NO_FATAL_FAILURE(bring_up(span_config(two)));
  std::vector<pri::CallId> answered;
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(peer_->command("call any 555000" + std::to_string(i)).kind, "ok");
    const auto in = sipnic_->wait_event(CallEventType::kIncomingSetup);
    ASSERT_TRUE(in) << describe();
    const pri::CallId call = in->event.call;
    EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().answer(call); }));
    ASSERT_TRUE(peer_->event("answer")) << describe();
  }
  // libpri offers a third call on a channel sipnic does not have free.
  ASSERT_EQ(peer_->command("call 3 5550009").kind, "ok");
  EXPECT_TRUE(peer_->event("hangup", {{"cause", "34"}})) << describe();
  EXPECT_EQ(sipnic_->run([](pri::Span& s) { return s.calls().counters().calls_refused; }), 1u);
}

TEST_P(Q931AgainstLibpri, LosingTheLinkClearsTheActiveCallAfterT309AndTheLinkComesBack) {
  core::SpanConfig config = span_config();
  config.q931.t309_ms = 500;
  ASSERT_NO_FATAL_FAILURE(bring_up(config));
  const pri::CallId call = sipnic_calls("5551234");
  const PriLine ring = peer_->event("ring");
  ASSERT_TRUE(ring) << describe();
  EXPECT_EQ(peer_->command("answer " + ring.get("call")).kind, "ok");
  ASSERT_TRUE(sipnic_->wait_event(CallEventType::kConnected, for_call(call))) << describe();
  // libpri goes away: the span loses layer 1, keeps the call for T309, then clears it.
  ASSERT_TRUE(peer_->quit());
  peer_.reset();
  const auto gone = sipnic_->wait_event(CallEventType::kReleased, for_call(call));
  ASSERT_TRUE(gone) << sipnic_->log_text();
  EXPECT_EQ(gone->event.cause, pri::Cause::kDestinationOutOfOrder);
  EXPECT_FALSE(sipnic_->run([](pri::Span& s) { return s.calls().link_up(); }));
  // A new libpri attaches: the D-channel comes back and calls go again.
  start_peer();
  if (!sipnic_listens()) {
    ASSERT_TRUE(peer_->event("listening")) << describe();
  }
  ASSERT_TRUE(peer_->event("dchan", {}, {"up"})) << describe();
  ASSERT_TRUE(link_up()) << describe();
  sipnic_calls("5551235");
  EXPECT_TRUE(peer_->event("ring", {{"called", "5551235"}})) << describe();
}

// tshark (Wireshark's dissectors, an implementation sipnic shares nothing
// with) reads the span's D-channel capture of a call mix: every frame is
// LAPD on SAPI 0 with its Q.931 message, nothing malformed.
TEST_P(Q931AgainstLibpri, TheDChannelCaptureOfACallMixReadsInTsharkWithNothingMalformed) {
  core::SpanConfig config = span_config();
  config.capture = dir_.file("d.pcap");
  ASSERT_NO_FATAL_FAILURE(bring_up(config));
  const pri::CallId call = sipnic_calls("5551234");
  const PriLine ring = peer_->event("ring");
  ASSERT_TRUE(ring) << describe();
  EXPECT_EQ(peer_->command("proceed " + ring.get("call")).kind, "ok");
  EXPECT_EQ(peer_->command("alert " + ring.get("call")).kind, "ok");
  EXPECT_EQ(peer_->command("answer " + ring.get("call")).kind, "ok");
  ASSERT_TRUE(sipnic_->wait_event(CallEventType::kConnected, for_call(call))) << describe();
  EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().disconnect(call, pri::Cause::kNormalCallClearing); }));
  ASSERT_TRUE(sipnic_->wait_event(CallEventType::kReleased, for_call(call))) << describe();
  ASSERT_EQ(peer_->command("call any 5550000").kind, "ok");
  const auto in = sipnic_->wait_event(CallEventType::kIncomingSetup);
  ASSERT_TRUE(in) << describe();
  const pri::CallId refused = in->event.call;
  EXPECT_TRUE(sipnic_->run([refused](pri::Span& s) { return s.calls().disconnect(refused, pri::Cause::kUserBusy); }));
  EXPECT_TRUE(sipnic_->run([](pri::Span& s) { return s.calls().restart(2); }));
  EXPECT_TRUE(sipnic_->wait_until([](pri::Span& s) { return s.calls().restarts_pending() == 0; })) << describe();
  const auto frames = sipnic_->run([](pri::Span& s) { return s.capture()->frames(); });
  sipnic_.reset();  // the capture closed

  ChildProcess tshark({"tshark", "-n", "-r", dir_.file("d.pcap"), "-T", "fields", "-E", "separator=|", "-e",
                       "frame.p2p_dir", "-e", "lapd.sapi", "-e", "lapd.direction", "-e", "q931.message_type", "-e",
                       "_ws.malformed"},
                      {.stdout_path = dir_.file("tshark.out"), .stderr_path = dir_.file("tshark.err")});
  const auto status = tshark.wait_for(60s);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << tshark.stderr_text();
  const std::string out = tshark.stdout_text();
  auto split = [](const std::string& text, char sep) {
    std::vector<std::string> parts(1);
    for (char ch : text) {
      if (ch == sep) {
        parts.emplace_back();
      } else {
        parts.back() += ch;
      }
    }
    return parts;
  };
  std::istringstream lines(out);
  std::string line;
  std::size_t count = 0, sent = 0;
  std::set<std::string> messages;
  const std::string network_to_user = GetParam().sipnic_side == kNt ? "1" : "0";
  while (std::getline(lines, line)) {
    ++count;
    const auto f = split(line, '|');
    ASSERT_EQ(f.size(), 5u) << line;
    EXPECT_EQ(f[1], "0") << "SAPI of frame " << count << ": " << line;
    if (f[0] == "0") {  // sent by sipnic: Wireshark reads its direction, and nothing is malformed
      ++sent;
      EXPECT_EQ(f[2], network_to_user) << "direction of frame " << count << ": " << line;
      EXPECT_EQ(f[4], "") << "malformed frame " << count << " from sipnic: " << line;
      if (!f[3].empty()) messages.insert(f[3]);
    } else {
      // libpri's: Wireshark cannot read every vendor operation libpri puts
      // in a Facility IE (DMS-100's RLT); nothing else may be malformed.
      if (!f[4].empty()) {
        EXPECT_NE(f[4].find("Q932"), std::string::npos) << "frame " << count << ": " << line;
      }
      if (!f[3].empty()) messages.insert(f[3]);
    }
  }
  EXPECT_GT(sent, 10u);
  EXPECT_EQ(count, frames);
  // SETUP, CALL PROCEEDING, ALERTING, CONNECT, CONNECT ACK, DISCONNECT,
  // RELEASE, RELEASE COMPLETE, RESTART, RESTART ACK (Q.931 codes, hex).
  for (const char* code : {"0x05", "0x02", "0x01", "0x07", "0x0f", "0x45", "0x4d", "0x5a", "0x46", "0x4e"})
    EXPECT_EQ(messages.count(code), 1u) << "no message " << code << " in the capture\n" << out;
}

// Glare (Q.931 §5.7.2 for PRI): both ends seize channel 5 for a call at the
// same moment, so the SETUPs cross. The test makes them cross: libpri
// places its call from inside a task on sipnic's loop, and sipnic places
// its own in the same task, before its loop reads libpri's SETUP. The
// network side's call keeps the channel, and sipnic counts the glare on
// either side. libpri leaves a busy channel to its application (as
// chan_dahdi does): as the network side it presents the user's SETUP for
// the channel its own call holds, and the test then refuses it with 44 as
// that application would.
TEST_P(Q931AgainstLibpri, GlareOnOneChannelGivesItToTheNetworkSidesCall) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  PriLine placed;
  const pri::SetupResult mine = sipnic_->run([&](pri::Span& s) {
    placed = peer_->command("call 5 2125550100 exclusive");
    pri::OutgoingCall out;
    out.setup.called.digits = "5551234";
    out.channel = 5;
    out.exclusive = true;
    return s.calls().setup(out);
  });
  ASSERT_EQ(placed.kind, "ok") << describe();
  ASSERT_NE(mine.call, pri::kNoCall) << describe();
  const std::string theirs = placed.get("call");
  const PriLine ring = peer_->event("ring", {{"called", "5551234"}});
  ASSERT_TRUE(ring) << describe();
  EXPECT_EQ(ring.get("channel"), "5") << ring.text;
  if (GetParam().sipnic_side == kNt) {
    // sipnic's call is the network's: it rings at libpri on channel 5 and
    // is answered; libpri's SETUP gets RELEASE COMPLETE 44.
    EXPECT_TRUE(peer_->event("hangup", {{"call", theirs}, {"cause", "44"}})) << describe();
    EXPECT_EQ(peer_->command("answer " + ring.get("call")).kind, "ok");
    EXPECT_TRUE(sipnic_->wait_event(CallEventType::kConnected, for_call(mine.call))) << describe();
  } else {
    // libpri's call is the network's: it reaches sipnic on channel 5 and
    // is answered there; sipnic's own call no longer holds the channel, and
    // is cleared with the 44 that libpri's side gives it.
    const auto in = sipnic_->wait_event(CallEventType::kIncomingSetup);
    ASSERT_TRUE(in) << describe();
    EXPECT_EQ(in->event.channel, 5);
    const pri::CallId call = in->event.call;
    EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().answer(call); }));
    EXPECT_TRUE(peer_->event("answer", {{"call", theirs}, {"channel", "5"}})) << describe();
    EXPECT_EQ(sipnic_->run([&](pri::Span& s) { return s.calls().call(mine.call)->channel; }), 0) << describe();
    EXPECT_EQ(peer_->command("reject " + ring.get("call") + " 44").kind, "ok");
    const auto gone = sipnic_->wait_event(CallEventType::kReleased, for_call(mine.call));
    ASSERT_TRUE(gone) << describe();
    EXPECT_EQ(gone->event.cause, pri::Cause::kRequestedCircuitNotAvailable) << describe();
    EXPECT_EQ(sipnic_->run([call](pri::Span& s) { return s.channels().occupant(5) == call; }), true) << describe();
  }
  EXPECT_EQ(sipnic_->run([](pri::Span& s) { return s.calls().counters().glares; }), 1u) << describe();
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Variant, Q931AgainstLibpri, ::testing::ValuesIn(kCases), case_name);

// SERVICE / SERVICE ACKNOWLEDGE (NI-2, 4ESS, 5ESS): B-channel maintenance both ways.
class Q931ServiceAgainstLibpri : public Q931AgainstLibpri {};

TEST_P(Q931ServiceAgainstLibpri, ServiceTakesAChannelOutAndBackInFromEitherSide) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  EXPECT_EQ(peer_->command("service 4 out").kind, "ok");
  EXPECT_TRUE(sipnic_->wait_until(
      [](pri::Span& s) { return s.channels().state(4) == pri::BChannelState::kRemoteMaintenance; }))
      << describe();
  EXPECT_TRUE(peer_->event("service_ack", {{"channel", "4"}})) << describe();
  EXPECT_EQ(peer_->command("service 4 in").kind, "ok");
  EXPECT_TRUE(sipnic_->wait_until([](pri::Span& s) { return s.channels().state(4) == pri::BChannelState::kIdle; }))
      << describe();
  EXPECT_TRUE(sipnic_->run([](pri::Span& s) { return s.calls().service(6, false); }));
  EXPECT_TRUE(peer_->event("service", {{"channel", "6"}, {"status", "out"}})) << describe();
  EXPECT_EQ(sipnic_->run([](pri::Span& s) { return s.channels().state(6); }), pri::BChannelState::kLocalMaintenance);
}

std::vector<Case> service_cases() {
  std::vector<Case> out;
  for (const auto& c : kCases)
    if (c.service_messages) out.push_back(c);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Variant, Q931ServiceAgainstLibpri, ::testing::ValuesIn(service_cases()), case_name);

// The calling name in a Facility IE (a ROSE callingName Invoke,
// pri/q931_facility.h) against libpri, where the variants carry it there:
// NI-2, whose network side sends it (sipnic in its SETUP; libpri sends
// InformationFollowing in its SETUP and the name in a FACILITY once the
// call is answered with CALL PROCEEDING or ALERTING) and whose user side
// libpri also sends it from (in its SETUP, with a Display IE); QSIG, both
// sides in the SETUP. libpri runs with --no-display where it places the
// call, so that its name can only arrive in Facility.
class Q931NameAgainstLibpri : public Q931AgainstLibpri {
 protected:
  const pri::VariantTraits& traits() const {
    return pri::variant_traits(pri::variant_of(GetParam().variant, GetParam().line));
  }
  pri::NameCarrier sipnic_carrier() const {
    return GetParam().sipnic_side == kTe ? traits().name_from_user : traits().name_from_network;
  }
  // libpri_peer places a call with `options`; sipnic takes it. The
  // callingName libpri sent is returned: from the SETUP's Facility IE, or
  // (libpri's NI-2 network side) from the FACILITY that follows sipnic's
  // CALL PROCEEDING. `in` is sipnic's incoming-setup event.
  std::optional<pri::q931::CallingName> libpri_calls(const std::string& options, std::optional<HeardEvent>& in) {
    const PriLine placed = peer_->command("call any 5551234 calling=3035550111 ton=national " + options);
    EXPECT_EQ(placed.kind, "ok") << describe();
    in = sipnic_->wait_event(CallEventType::kIncomingSetup);
    if (!in || !in->setup) return std::nullopt;
    auto from = [](const std::vector<pri::q931::InformationElement>& ies) -> std::optional<pri::q931::CallingName> {
      for (const auto& e : ies)
        if (e.codeset == 0 && e.id == pri::q931::ie::kFacility)
          if (auto n = pri::q931::decode_calling_name_facility(e.contents)) return n;
      return std::nullopt;
    };
    name_was_in_setup_ = false;
    if (auto n = from(in->setup->passed_through)) {
      name_was_in_setup_ = true;
      return n;
    }
    const pri::CallId call = in->event.call;
    EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().proceeding(call); }));
    const auto facility = sipnic_->wait_event(CallEventType::kFacility, for_call(call));
    if (!facility) return std::nullopt;
    return from(facility->event.passed_through);
  }
  // libpri sends its name in the SETUP, except its NI-2 network side.
  bool libpri_names_in_setup() const {
    return !(GetParam().variant == core::SwitchVariant::kNi2 && GetParam().sipnic_side == kTe);
  }
  bool name_was_in_setup_ = false;  // where libpri_calls() found the name

  void clear(pri::CallId call) {
    EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().disconnect(call, pri::Cause::kNormalCallClearing); }));
    EXPECT_TRUE(sipnic_->wait_event(CallEventType::kReleased, for_call(call))) << describe();
  }
};

const Case kNameCases[] = {
    {"Ni2T1SipnicNt", "ni2", core::SwitchVariant::kNi2, kT1, kNt, true},
    {"Ni2T1SipnicTe", "ni2", core::SwitchVariant::kNi2, kT1, kTe, true},
    {"QsigE1SipnicNt", "qsig", core::SwitchVariant::kQsig, kE1, kNt, false},
    {"QsigE1SipnicTe", "qsig", core::SwitchVariant::kQsig, kE1, kTe, false},
};

TEST_P(Q931NameAgainstLibpri, SipnicsCallingNameReachesLibpriAllowedOrRestrictedWithTheNumber) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  for (auto presentation : {pri::q931::Presentation::kAllowed, pri::q931::Presentation::kRestricted}) {
    const bool restricted = presentation == pri::q931::Presentation::kRestricted;
    const pri::CallId call = sipnic_calls("5551234", std::nullopt, presentation);
    const PriLine ring = peer_->event("ring");
    ASSERT_TRUE(ring) << describe();
    EXPECT_EQ(ring.get("name"), "Alice") << ring.text;
    EXPECT_EQ(ring.get("pres"), restricted ? "restricted" : "allowed") << ring.text;
    // The Facility name carries its presentation; a Display name has none
    // (libpri takes a Display name as allowed).
    if (sipnic_carrier() == pri::NameCarrier::kFacility) {
      EXPECT_EQ(ring.get("name_pres"), restricted ? "restricted" : "allowed") << ring.text;
    }
    EXPECT_EQ(peer_->command("reject " + ring.get("call") + " 16").kind, "ok");
    EXPECT_TRUE(sipnic_->wait_event(CallEventType::kReleased, for_call(call))) << describe();
  }
}

TEST_P(Q931NameAgainstLibpri, LibprisCallingNameInFacilityReachesSipnic) {
  peer_args_ = {"--no-display"};
  ASSERT_NO_FATAL_FAILURE(bring_up());
  std::optional<HeardEvent> in;
  const auto name = libpri_calls("name=Bob", in);
  ASSERT_TRUE(in && in->setup) << describe();
  ASSERT_TRUE(name) << describe();
  EXPECT_EQ(*name, (pri::q931::CallingName{pri::q931::NamePresentation::kAllowed, "Bob"}));
  EXPECT_EQ(name_was_in_setup_, libpri_names_in_setup());
  // In the SETUP, the name is the incoming call's; after it, the SETUP had none.
  EXPECT_EQ(in->setup->calling_name, libpri_names_in_setup() ? "Bob" : "");
  clear(in->event.call);
}

TEST_P(Q931NameAgainstLibpri, ARestrictedNameFromLibpriComesRestrictedAndIsNotDelivered) {
  peer_args_ = {"--no-display"};
  ASSERT_NO_FATAL_FAILURE(bring_up());
  std::optional<HeardEvent> in;
  const auto name = libpri_calls("pres=restricted name=Bob", in);
  ASSERT_TRUE(in && in->setup) << describe();
  ASSERT_TRUE(name) << describe();
  EXPECT_EQ(*name, (pri::q931::CallingName{pri::q931::NamePresentation::kRestricted, "Bob"}));
  EXPECT_EQ(name_was_in_setup_, libpri_names_in_setup());
  EXPECT_EQ(in->setup->calling_name, "");
  ASSERT_TRUE(in->setup->calling);
  EXPECT_EQ(in->setup->calling->presentation, pri::q931::Presentation::kRestricted);
  clear(in->event.call);
}

// The Display name libpri's NI-2 network side also sends (its default)
// is read as before.
TEST_P(Q931NameAgainstLibpri, WithItsDisplayLibprisNameIsTheIncomingCallsWhereTheVariantReadsDisplay) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  std::optional<HeardEvent> in;
  ASSERT_EQ(peer_->command("call any 5551234 calling=3035550111 name=Carol").kind, "ok") << describe();
  in = sipnic_->wait_event(CallEventType::kIncomingSetup);
  ASSERT_TRUE(in && in->setup) << describe();
  // QSIG: libpri blocks Display and sends the Facility name; NI-2: a
  // Display (and, from libpri's user side, the Facility name too).
  EXPECT_EQ(in->setup->calling_name, "Carol");
  clear(in->event.call);
}

// tshark dissects the name in sipnic's SETUP where the variant carries it:
// the Facility IE (its Q.932 part and the QSIG name operation in it) or the
// Display IE, never both, and nothing malformed.
TEST_P(Q931NameAgainstLibpri, TsharkReadsTheNameSipnicSendsInTheVariantsCarrierWithNothingMalformed) {
  core::SpanConfig config = span_config();
  config.capture = dir_.file("d.pcap");
  ASSERT_NO_FATAL_FAILURE(bring_up(config));
  const pri::CallId call = sipnic_calls("5551234");
  const PriLine ring = peer_->event("ring");
  ASSERT_TRUE(ring) << describe();
  EXPECT_EQ(ring.get("name"), "Alice") << ring.text;
  EXPECT_EQ(peer_->command("reject " + ring.get("call") + " 16").kind, "ok");
  ASSERT_TRUE(sipnic_->wait_event(CallEventType::kReleased, for_call(call))) << describe();
  sipnic_.reset();  // the capture closed

  // The SETUP sipnic sent (frame.p2p_dir 0): its Facility IE's protocol
  // profile, the QSIG operation Wireshark finds in the Invoke and the name
  // it reads from it, anything malformed, the worst expert info.
  ChildProcess tshark({"tshark", "-n", "-r", dir_.file("d.pcap"), "-Y", "frame.p2p_dir == 0 && q931.message_type == 0x05",
                       "-T", "fields", "-E", "separator=|", "-e", "q932.pp", "-e", "qsig.operation", "-e",
                       "qsig.na.namePresentationAllowedSimple", "-e", "q931.display_information", "-e", "_ws.malformed", "-e",
                       "_ws.expert.severity"},
                      {.stdout_path = dir_.file("tshark.out"), .stderr_path = dir_.file("tshark.err")});
  const auto status = tshark.wait_for(60s);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << tshark.stderr_text();
  const std::string out = tshark.stdout_text();
  std::vector<std::string> fields(1);
  for (char ch : out.substr(0, out.find('\n'))) {
    if (ch == '|') {
      fields.emplace_back();
    } else {
      fields.back() += ch;
    }
  }
  ASSERT_EQ(fields.size(), 6u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "one SETUP from sipnic:\n" << out;
  if (sipnic_carrier() == pri::NameCarrier::kFacility) {
    EXPECT_EQ(fields[0], "0x1f") << out;   // networking extensions
    EXPECT_EQ(fields[1], "0") << out;      // callingName
    EXPECT_EQ(fields[2], "Alice") << out;  // namePresentationAllowedSimple
    EXPECT_EQ(fields[3], "") << "a Display IE as well: " << out;
  } else {
    EXPECT_EQ(fields[0], "") << "a Facility IE as well: " << out;
    // Display information; where the variant sends the display type octet
    // first (NI-2: 0xb1, calling party name, as libpri does), Wireshark,
    // reading the IE as IA5 text, shows it as U+FFFD.
    EXPECT_EQ(fields[3], std::string(traits().display_type_octet ? "\xEF\xBF\xBD" : "") + "Alice") << out;
  }
  EXPECT_EQ(fields[4], "") << "malformed: " << out;
  EXPECT_EQ(fields[5].find("8388608"), std::string::npos) << "an expert error (PI_ERROR): " << out;
}

INSTANTIATE_TEST_SUITE_P(Variant, Q931NameAgainstLibpri, ::testing::ValuesIn(kNameCases), case_name);

// A span in `sipnic run`: the node listens on the span socket, libpri (TE)
// attaches, and the span shows in `sipnic status` with its D-channel up.
// Until spans are routed to trunks, a call in is refused with cause 3.
TEST(SipnicRunSpan, ASpanComesUpInTheNodeShowsInStatusAndRefusesCallsUntilRouted) {
  TempDir dir("q931-node");
  const std::string sock = dir.file("span.sock");
  const std::string conf = "[node]\nworkers = 1\n[listen]\nudp = 127.0.0.1:" +
                           std::to_string(free_port_on("127.0.0.1")) +
                           "\n[span pri1]\ntype = t1\nside = nt\nswitch = ni2\nlisten = " + sock + "\n";
  Sipnic node(dir, conf, {}, "node");
  ASSERT_EQ(node.wait_ready(), "");
  LibpriPeer te(dir, "te", {.side = "te", .switch_type = "ni2", .span = "t1", .socket_path = sock});
  ASSERT_TRUE(te.event("dchan", {}, {"up"})) << te.describe() << node.log();
  ASSERT_EQ(te.command("call any 5551234").kind, "ok");
  EXPECT_TRUE(te.event("hangup", {{"cause", "3"}})) << te.describe() << node.log();
  // The figures are published once a second.
  nlohmann::json span;
  eventually(
      [&] {
        const auto j = nlohmann::json::parse(node.status_json());
        if (!j.contains("spans") || j["spans"].empty()) return false;
        span = j["spans"][0];
        return span["dchannel_up"] == true && span["calls"]["in"] == 1;
      },
      10s, 50ms);
  EXPECT_EQ(span["name"], "pri1") << span.dump();
  EXPECT_EQ(span["dchannel_up"], true) << span.dump();
  EXPECT_EQ(span["calls"]["in"], 1) << span.dump();
  EXPECT_EQ(span["b_channels"]["idle"], 23) << span.dump();
  EXPECT_NE(node.log().find("span pri1: incoming call for 5551234 refused (cause 3)"), std::string::npos)
      << node.log();
  ASSERT_TRUE(te.quit());
  node.stop();
  EXPECT_TRUE(node.exited_cleanly()) << node.log();
}

// An NFAS group in `sipnic run`: three T1 spans (primary, backup, and one
// without a D-channel) signalled by one D-channel; libpri (TE) attaches to
// both D-channels; status shows each span's role and the active D-channel,
// and a call on the span without a D-channel is refused with cause 3 until
// spans are routed.
TEST(SipnicRunSpan, AnNfasGroupComesUpInTheNodeShowsItsActiveDChannelAndRefusesCallsUntilRouted) {
  TempDir dir("q931-node-nfas");
  const std::string primary = dir.file("primary.sock"), backup = dir.file("backup.sock");
  const std::string group = "nfas-group = carrier\ntype = t1\nside = nt\nswitch = ni2\n";
  const std::string conf = "[node]\nworkers = 1\n[listen]\nudp = 127.0.0.1:" +
                           std::to_string(free_port_on("127.0.0.1")) + "\n[span t1a]\n" + group +
                           "nfas-interface = 0\nd-channel = primary\nlisten = " + primary + "\n[span t1b]\n" + group +
                           "nfas-interface = 1\nd-channel = backup\nlisten = " + backup + "\n[span t1c]\n" + group +
                           "nfas-interface = 2\nlisten = " + dir.file("t1c-b.sock") + "\n";
  Sipnic node(dir, conf, {}, "node");
  ASSERT_EQ(node.wait_ready(), "");
  LibpriPeer te(dir, "te",
                {.side = "te", .switch_type = "ni2", .span = "t1", .socket_path = primary,
                 .backup_socket_path = backup, .nfas = true, .timers = {{"T200", 100}, {"T203", 500}}});
  for (const char* which : {"primary", "backup"})
    ASSERT_TRUE(te.event("dchan", {{"which", which}}, {"up"})) << te.describe() << node.log();
  ASSERT_EQ(te.command("call 24 5551234 exclusive interface=2").kind, "ok");
  EXPECT_TRUE(te.event("hangup", {{"cause", "3"}, {"interface", "2"}})) << te.describe() << node.log();
  nlohmann::json spans;
  eventually(
      [&] {
        spans = nlohmann::json::parse(node.status_json())["spans"];
        return spans.size() == 3 && spans[0]["nfas"]["active"] == true && spans[0]["calls"]["in"] == 1;
      },
      10s, 50ms);
  ASSERT_EQ(spans.size(), 3u) << spans.dump();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(spans[i]["dchannel_up"], true) << spans.dump();
    EXPECT_EQ(spans[i]["nfas"]["group"], "carrier") << spans.dump();
    EXPECT_EQ(spans[i]["nfas"]["interface"], i) << spans.dump();
  }
  EXPECT_EQ(spans[0]["nfas"]["d_channel"], "primary");
  EXPECT_EQ(spans[0]["nfas"]["active"], true) << spans.dump();
  EXPECT_EQ(spans[1]["nfas"]["d_channel"], "backup");
  EXPECT_EQ(spans[1]["nfas"]["active"], false) << spans.dump();
  EXPECT_EQ(spans[2]["nfas"]["d_channel"], "none");
  EXPECT_EQ(spans[2]["b_channels"]["idle"], 24) << spans.dump();
  EXPECT_EQ(spans[0]["calls"]["in"], 1) << "the group's calls count on its primary's span: " << spans.dump();
  EXPECT_NE(node.log().find("NFAS group carrier: incoming call for 5551234 refused (cause 3)"), std::string::npos)
      << node.log();
  EXPECT_NE(node.status_text().find("up, backup standby"), std::string::npos) << node.status_text();
  ASSERT_TRUE(te.quit());
  node.stop();
  EXPECT_TRUE(node.exited_cleanly()) << node.log();
}

// ---- NFAS: sipnic's NfasGroup against libpri ----------------------------------------------------

// sipnic as the network side of an NI-2 NFAS group of three T1 spans
// (interface 0 with the primary D-channel, 1 with the backup, 2 without a
// D-channel), listening on both D-channels' sockets; libpri_peer as the
// user side with its backup D-channel enslaved to the primary. Short Q.921
// timers at both ends, so that a lost link shows in about a second.
class Q931NfasAgainstLibpri : public ::testing::Test {
 protected:
  void SetUp() override {
    auto member = [&](const std::string& name, std::uint32_t interface, core::DChannelRole d, const std::string& sock) {
      core::SpanConfig s;
      s.name = name;
      s.type = kT1;
      s.side = kNt;
      s.switch_variant = core::SwitchVariant::kNi2;
      s.backend = core::SpanBackend::kFrames;
      s.socket_role = core::SpanSocketRole::kListen;
      s.socket_path = sock;
      s.channels = core::b_channel_numbers(kT1, d);
      s.hunting = core::default_channel_hunting(kNt);
      s.nfas_group = "carrier";
      s.nfas_interface = interface;
      s.d_channel = d;
      s.q921.t200_ms = 100;
      s.q921.t203_ms = 500;
      return s;
    };
    sipnic_ = std::make_unique<SipnicSpan>(std::vector<core::SpanConfig>{
        member("t1a", 0, core::DChannelRole::kPrimary, dir_.file("primary.sock")),
        member("t1b", 1, core::DChannelRole::kBackup, dir_.file("backup.sock")),
        member("t1c", 2, core::DChannelRole::kNone, "")});
    peer_ = std::make_unique<LibpriPeer>(
        dir_, "libpri",
        LibpriPeerOptions{.side = "te", .switch_type = "ni2", .span = "t1", .socket_path = dir_.file("primary.sock"),
                          .backup_socket_path = dir_.file("backup.sock"), .nfas = true,
                          .timers = {{"T200", 100}, {"T203", 500}}});
    for (const char* which : {"primary", "backup"})
      ASSERT_TRUE(peer_->event("dchan", {{"which", which}}, {"up"})) << which << "\n" << describe();
    ASSERT_TRUE(sipnic_->wait_until([](pri::Span& s) {
      return s.nfas()->primary().link().established() && s.nfas()->backup()->link().established();
    })) << describe();
  }
  void TearDown() override {
    if (peer_) {
      const auto status = peer_->quit();
      EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << peer_->describe();
    }
    sipnic_.reset();
  }
  std::string describe() { return peer_->describe() + "\n--- sipnic\n" + sipnic_->log_text(); }
  std::string active() {
    return sipnic_->run([](pri::Span& s) { return s.nfas()->active() ? s.nfas()->active()->name() : "none"; });
  }

  // libpri calls sipnic on `channel` of `interface`; sipnic answers, libpri
  // clears; libpri's events name the D-channel `dchan`.
  void call_from_libpri(const std::string& channel, std::uint8_t interface, const std::string& dchan) {
    const PriLine placed = peer_->command("call " + channel + " 5551234 calling=5550000 exclusive interface=" +
                                          std::to_string(interface));
    ASSERT_EQ(placed.kind, "ok") << describe();
    EXPECT_EQ(placed.get("dchan"), dchan) << placed.text;
    const auto in = sipnic_->wait_event(CallEventType::kIncomingSetup);
    ASSERT_TRUE(in) << describe();
    EXPECT_EQ(in->event.interface, interface);
    EXPECT_EQ(std::to_string(in->event.channel), channel);
    const pri::CallId call = in->event.call;
    EXPECT_TRUE(sipnic_->run([call](pri::Span& s) { return s.calls().answer(call); }));
    EXPECT_TRUE(peer_->event("answer", {{"call", placed.get("call")}, {"dchan", dchan},
                                        {"interface", std::to_string(interface)}}))
        << describe();
    EXPECT_EQ(peer_->command("hangup " + placed.get("call") + " 16").kind, "ok");
    const auto gone = sipnic_->wait_event(CallEventType::kReleased, for_call(call));
    ASSERT_TRUE(gone) << describe();
    EXPECT_EQ(gone->event.cause, pri::Cause::kNormalCallClearing);
    EXPECT_TRUE(peer_->event("hangup", {{"call", placed.get("call")}})) << describe();
  }
  // sipnic calls libpri on `channel` of `interface`; libpri answers, sipnic
  // clears.
  void call_from_sipnic(std::uint8_t channel, std::uint8_t interface, const std::string& dchan) {
    pri::OutgoingCall out;
    out.setup.called.digits = "5551234";
    out.channel = channel;
    out.interface = interface;
    out.exclusive = true;
    const pri::SetupResult r = sipnic_->run([&](pri::Span& s) { return s.calls().setup(out); });
    ASSERT_NE(r.call, pri::kNoCall) << describe();
    const PriLine ring = peer_->event("ring", {{"called", "5551234"}});
    ASSERT_TRUE(ring) << describe();
    EXPECT_EQ(ring.get("channel"), std::to_string(channel)) << ring.text;
    EXPECT_EQ(ring.get("interface"), std::to_string(interface)) << ring.text;
    EXPECT_EQ(ring.get("dchan"), dchan) << ring.text;
    EXPECT_EQ(peer_->command("answer " + ring.get("call")).kind, "ok");
    EXPECT_TRUE(sipnic_->wait_event(CallEventType::kConnected, for_call(r.call))) << describe();
    EXPECT_TRUE(sipnic_->run([&](pri::Span& s) { return s.calls().disconnect(r.call, pri::Cause::kNormalCallClearing); }));
    EXPECT_TRUE(peer_->event("hangup_req", {{"call", ring.get("call")}, {"cause", "16"}})) << describe();
    EXPECT_TRUE(sipnic_->wait_event(CallEventType::kReleased, for_call(r.call))) << describe();
  }

  TempDir dir_{"q931-nfas"};
  std::unique_ptr<SipnicSpan> sipnic_;
  std::unique_ptr<LibpriPeer> peer_;
};

TEST_F(Q931NfasAgainstLibpri, CallsBothWaysOnEveryInterfaceGoOnThePrimary) {
  EXPECT_EQ(active(), "t1a");
  ASSERT_NO_FATAL_FAILURE(call_from_libpri("5", 1, "primary"));
  ASSERT_NO_FATAL_FAILURE(call_from_libpri("24", 2, "primary"));  // 24: a B-channel of the span without a D-channel
  ASSERT_NO_FATAL_FAILURE(call_from_sipnic(3, 0, "primary"));
  ASSERT_NO_FATAL_FAILURE(call_from_sipnic(24, 2, "primary"));
}

TEST_F(Q931NfasAgainstLibpri, WhenLibprisPrimaryGoesSipnicSignalsOnTheBackupAndCallsGoOn) {
  ASSERT_EQ(peer_->command("dchan close primary").kind, "ok");
  ASSERT_TRUE(peer_->event("dchan", {{"which", "primary"}}, {"down"})) << describe();
  ASSERT_TRUE(sipnic_->wait_until([](pri::Span& s) { return s.nfas()->active() == s.nfas()->backup(); }))
      << describe();
  EXPECT_TRUE(sipnic_->run([](pri::Span& s) { return s.calls().link_up(); })) << "the group's signalling stayed up";
  EXPECT_NE(sipnic_->log_text().find("D-channel switched from span t1a to span t1b"), std::string::npos)
      << describe();
  ASSERT_NO_FATAL_FAILURE(call_from_libpri("6", 0, "backup"));
  ASSERT_NO_FATAL_FAILURE(call_from_sipnic(7, 2, "backup"));
}

// sipnic span-peer as the network side of a span, answering a call libpri
// places, and reporting it line by line.
TEST(SipnicSpanPeer, AnswersACallFromLibpriAndReportsEachStep) {
  TempDir dir("span-peer");
  const std::string sock = dir.file("span.sock");
  write_text_file(dir.file("script"), "wait link-up 20\nwait released 20\nquit\n");
  ChildProcess peer({sipnic_binary(), "span-peer", "--side", "nt", "--line", "e1", "--listen", sock, "--script",
                     dir.file("script")},
                    {.stdout_path = dir.file("peer.out"), .stderr_path = dir.file("peer.err")});
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(sock); }, 10s, 20ms)) << peer.stderr_text();
  LibpriPeer te(dir, "te", {.side = "te", .switch_type = "euroisdn_e1", .span = "e1", .socket_path = sock});
  ASSERT_TRUE(te.event("dchan", {}, {"up"})) << te.describe();
  const PriLine placed = te.command("call any 5551234 calling=3035550100");
  ASSERT_EQ(placed.kind, "ok") << te.describe();
  EXPECT_TRUE(te.event("answer", {{"call", placed.get("call")}})) << te.describe() << peer.stdout_text();
  EXPECT_EQ(te.command("hangup " + placed.get("call") + " 16").kind, "ok");
  const auto status = peer.wait_for(30s);
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << peer.stdout_text() << peer.stderr_text();
  const std::string out = peer.stdout_text();
  for (const char* line : {"event link up\n", "event incoming-setup call=1 channel=", "called=5551234 calling=3035550100",
                           "event connected call=1", "event disconnecting call=1", "cause=16",
                           "event released call=1"})
    EXPECT_NE(out.find(line), std::string::npos) << "no '" << line << "' in\n" << out;
  ASSERT_TRUE(te.quit());
}

}  // namespace
}  // namespace sipnic::test
