// libpri as the independent PRI peer (tests/peers/libpri_peer.c): two peers,
// one TE and one NT, on one `frames` span, before sipnic's own Q.931 faces
// them. These tests hold the peer to what later sipnic-vs-libpri tests rely
// on: the D-channel comes up, calls ring with their numbers and presentation,
// are answered, cleared and rejected with their causes, channels restart and
// go in and out of service, and the datagrams are Q.921 frames with their
// RFC 1662 FCS; and in an NFAS group (a backup D-channel) calls carry their
// interface and go on the backup once the primary fails. No ports: the span
// is a Unix socket in the test's directory.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cstring>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/unique_fd.h"
#include "interop/support/libpri_harness.h"

namespace sipnic::test {
namespace {

using namespace std::chrono_literals;

struct Variant {
  std::string name;         // gtest's name for it
  std::string switch_type;  // libpri_peer --switch
  std::string span;         // e1 | t1
  bool nt_listens;          // which side listens on the span socket
  bool service_messages;    // the variant has SERVICE (B-channel maintenance)
  int b_channels;           // 30 on E1, 23 on T1
};

void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

const Variant kVariants[] = {
    {"EuroIsdnE1", "euroisdn_e1", "e1", true, false, 30},
    {"Ni2T1", "ni2", "t1", false, true, 23},
    {"EuroIsdnT1", "euroisdn_t1", "t1", true, false, 23},
    {"Dms100T1", "dms100", "t1", false, false, 23},
    {"Att4essT1", "4ess", "t1", true, true, 23},
    {"Lucent5essT1", "5ess", "t1", false, true, 23},
    {"QsigE1", "qsig", "e1", true, false, 30},
};

// A peer that has quit exits 0 and its log has no sanitizer report.
void expect_clean_exit(LibpriPeer& peer) {
  const auto status = peer.quit();
  ASSERT_TRUE(status) << "the peer did not exit on quit\n" << peer.describe();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "wait status " << *status << "\n" << peer.describe();
  EXPECT_EQ(sanitizer_findings(peer.process().log()), "") << peer.describe();
}

class LibpriPair : public ::testing::TestWithParam<Variant> {
 protected:
  // Starts the listening side, then the other, and waits for both D-channel
  // ends to come up.
  void bring_up(const std::vector<std::string>& nt_args = {}, const std::vector<std::string>& te_args = {}) {
    const Variant& v = GetParam();
    auto options = [&](const std::string& side, bool listen, const std::vector<std::string>& extra) {
      return LibpriPeerOptions{.side = side, .switch_type = v.switch_type, .span = v.span,
                               .socket_path = dir_.file("span.sock"), .listen = listen, .extra_args = extra};
    };
    auto start = [&](std::unique_ptr<LibpriPeer>& peer, const std::string& side, bool listen,
                     const std::vector<std::string>& extra) {
      peer = std::make_unique<LibpriPeer>(dir_, side, options(side, listen, extra));
    };
    if (v.nt_listens) {
      start(nt_, "nt", true, nt_args);
      ASSERT_TRUE(nt_->event("listening")) << nt_->describe();
      start(te_, "te", false, te_args);
    } else {
      start(te_, "te", true, te_args);
      ASSERT_TRUE(te_->event("listening")) << te_->describe();
      start(nt_, "nt", false, nt_args);
    }
    ASSERT_TRUE(te_->event("dchan", {}, {"up"})) << te_->describe();
    ASSERT_TRUE(nt_->event("dchan", {}, {"up"})) << nt_->describe();
  }

  void TearDown() override {
    for (auto* peer : {te_.get(), nt_.get()})
      if (peer) expect_clean_exit(*peer);
  }

  TempDir dir_{"libpri"};
  std::unique_ptr<LibpriPeer> te_, nt_;
};

// A call placed by `caller` rings at `callee` with its numbers, presentation
// (`pres`) and, when it is allowed, its calling name; `callee` answers,
// `caller` clears with cause 16, and both ends see the clearing with that cause.
void place_answer_and_clear(LibpriPeer& caller, LibpriPeer& callee, const std::string& channel,
                            const std::string& pres = "allowed") {
  const PriLine placed = caller.command("call " + channel +
                                        " 5551234 called_ton=national called_npi=e164 calling=4420790000 "
                                        "ton=international npi=e164 pres=" + pres +
                                        " screen=passed name=Alice%20Example exclusive");
  ASSERT_EQ(placed.kind, "ok") << placed.text << "\n" << caller.describe();
  const std::string out = placed.get("call");

  const PriLine ring = callee.event("ring");
  ASSERT_TRUE(ring) << callee.describe();
  EXPECT_EQ(ring.get("channel"), channel);
  EXPECT_EQ(ring.get("exclusive"), "yes");
  EXPECT_EQ(ring.get("called"), "5551234");
  EXPECT_EQ(ring.get("called_ton"), "national");
  EXPECT_EQ(ring.get("called_npi"), "e164");
  EXPECT_EQ(ring.get("calling"), "4420790000");
  EXPECT_EQ(ring.get("ton"), "international");
  EXPECT_EQ(ring.get("npi"), "e164");
  EXPECT_EQ(ring.get("pres"), pres);
  EXPECT_EQ(ring.get("bearer"), "speech");
  // The calling name goes with the number's presentation: an allowed one
  // arrives (but from EuroISDN's TE, which sends none: libpri puts it in a
  // Display IE, from the network side only); a restricted one is withheld
  // or arrives marked restricted, as the variant carries it.
  const bool euroisdn_te = caller.options().side == "te" && caller.options().switch_type.rfind("euroisdn", 0) == 0;
  if (pres == "allowed" && !euroisdn_te) {
    EXPECT_EQ(ring.get("name"), "Alice Example") << ring.text;
  }
  if (ring.has("name")) {
    EXPECT_EQ(ring.get("name_pres"), pres) << ring.text;
  }
  const std::string in = ring.get("call");

  EXPECT_EQ(callee.command("proceed " + in).kind, "ok");
  EXPECT_TRUE(caller.event("proceeding", {{"call", out}, {"channel", channel}})) << caller.describe();
  EXPECT_EQ(callee.command("progress " + in).kind, "ok");
  const PriLine progress = caller.event("progress", {{"call", out}});
  EXPECT_TRUE(progress) << caller.describe();
  EXPECT_EQ(progress.get("progress_mask"), "8") << "progress indicator 8: in-band information";
  EXPECT_EQ(callee.command("alert " + in).kind, "ok");
  EXPECT_TRUE(caller.event("ringing", {{"call", out}})) << caller.describe();
  EXPECT_EQ(callee.command("answer " + in).kind, "ok");
  EXPECT_TRUE(caller.event("answer", {{"call", out}, {"channel", channel}})) << caller.describe();

  EXPECT_EQ(caller.command("hangup " + out + " 16").kind, "ok");
  // DISCONNECT 16 at the callee, which RELEASEs with it (the peer's default);
  // the caller's RELEASE COMPLETE ends it there.
  EXPECT_TRUE(callee.event("hangup_req", {{"call", in}, {"cause", "16"}})) << callee.describe();
  EXPECT_TRUE(caller.event("hangup", {{"call", out}, {"cause", "16"}})) << caller.describe();
  EXPECT_TRUE(callee.event("hangup_ack", {{"call", in}, {"cause", "16"}})) << callee.describe();
}

TEST_P(LibpriPair, DChannelComesUpOnBothSides) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  EXPECT_EQ(te_->count("dchan"), 1u) << te_->describe();
  EXPECT_EQ(nt_->count("dchan"), 1u) << nt_->describe();
  EXPECT_EQ(te_->count("bad_fcs") + nt_->count("bad_fcs"), 0u);
}

TEST_P(LibpriPair, CallFromTeRingsAtNtWithItsNumbersAndPresentationIsAnsweredAndClearedWithCause16) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  place_answer_and_clear(*te_, *nt_, "5", "restricted");
  place_answer_and_clear(*te_, *nt_, "6", "allowed");
}

TEST_P(LibpriPair, CallFromNtRingsAtTeWithItsNumbersAndPresentationIsAnsweredAndClearedWithCause16) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  place_answer_and_clear(*nt_, *te_, "7", "restricted");
  place_answer_and_clear(*nt_, *te_, "8", "allowed");
}

TEST_P(LibpriPair, CallRejectedBusyGivesCause17AtBothEnds) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  const PriLine placed = te_->command("call 3 5551234 calling=5550000");
  ASSERT_EQ(placed.kind, "ok") << te_->describe();
  const PriLine ring = nt_->event("ring", {{"channel", "3"}});
  ASSERT_TRUE(ring) << nt_->describe();
  // libpri can put cause 17 in no RELEASE COMPLETE in state N6: the peer
  // sends CALL PROCEEDING and DISCONNECT 17, as a switch does.
  const PriLine rejected = nt_->command("reject " + ring.get("call") + " 17");
  EXPECT_EQ(rejected.kind, "ok") << rejected.text;
  EXPECT_EQ(rejected.get("via"), "disconnect");
  EXPECT_TRUE(te_->event("hangup_req", {{"call", placed.get("call")}, {"cause", "17"}})) << te_->describe();
  EXPECT_TRUE(nt_->event("hangup", {{"call", ring.get("call")}, {"cause", "17"}})) << nt_->describe();
  EXPECT_TRUE(te_->event("hangup_ack", {{"call", placed.get("call")}, {"cause", "17"}})) << te_->describe();
}

TEST_P(LibpriPair, CallRejectedAfterProceedingGivesCause21AtBothEnds) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  const PriLine placed = nt_->command("call 4 5551234 calling=5550000");
  ASSERT_EQ(placed.kind, "ok") << nt_->describe();
  const PriLine ring = te_->event("ring", {{"channel", "4"}});
  ASSERT_TRUE(ring) << te_->describe();
  EXPECT_EQ(te_->command("proceed " + ring.get("call")).kind, "ok");
  EXPECT_TRUE(nt_->event("proceeding", {{"call", placed.get("call")}})) << nt_->describe();
  EXPECT_EQ(te_->command("reject " + ring.get("call") + " 21").kind, "ok");
  EXPECT_TRUE(nt_->event("hangup_req", {{"call", placed.get("call")}, {"cause", "21"}})) << nt_->describe();
  EXPECT_TRUE(te_->event("hangup", {{"call", ring.get("call")}, {"cause", "21"}})) << te_->describe();
  EXPECT_TRUE(nt_->event("hangup_ack", {{"call", placed.get("call")}, {"cause", "21"}})) << nt_->describe();
}

TEST_P(LibpriPair, RejectPutsTheCauseInTheMessageItsAnswerNames) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  struct Case {
    std::string cause, via;
    std::string caller_sees;  // the caller's event with the cause
  };
  // 34 (no circuit): RELEASE COMPLETE at once (Q.931 §5.3.2 a). 6 (channel
  // unacceptable): RELEASE, after the CALL PROCEEDING that libpri needs
  // before it sends one. 17: DISCONNECT, after CALL PROCEEDING likewise.
  const Case cases[] = {{"34", "release_complete", "hangup"}, {"6", "release", "hangup"}, {"17", "disconnect", "hangup_req"}};
  int channel = 13;
  for (const auto& c : cases) {
    const std::string ch = std::to_string(channel++);
    const PriLine placed = te_->command("call " + ch + " 5551234");
    ASSERT_EQ(placed.kind, "ok") << te_->describe();
    const PriLine ring = nt_->event("ring", {{"channel", ch}});
    ASSERT_TRUE(ring) << nt_->describe();
    const PriLine rejected = nt_->command("reject " + ring.get("call") + " " + c.cause);
    EXPECT_EQ(rejected.kind, "ok") << rejected.text;
    EXPECT_EQ(rejected.get("via"), c.via) << "cause " << c.cause;
    EXPECT_TRUE(te_->event(c.caller_sees, {{"call", placed.get("call")}, {"cause", c.cause}}))
        << "cause " << c.cause << "\n" << te_->describe();
    if (c.via == "release_complete") {
      EXPECT_EQ(te_->count("proceeding"), 0u) << te_->describe();
      // The NT's call went with its RELEASE COMPLETE: nothing left to clear.
      EXPECT_EQ(nt_->command("hangup " + ring.get("call") + " 16").kind, "error");
    } else {
      EXPECT_TRUE(te_->event("proceeding", {{"call", placed.get("call")}})) << te_->describe();
    }
  }
}

TEST_P(LibpriPair, LegacyHangupSendsCause34InReleaseCompleteEvenAfterProceeding) {
  ASSERT_NO_FATAL_FAILURE(bring_up({"--legacy-hangup"}));
  const PriLine placed = te_->command("call 9 5551234");
  ASSERT_EQ(placed.kind, "ok") << te_->describe();
  const PriLine ring = nt_->event("ring", {{"channel", "9"}});
  ASSERT_TRUE(ring) << nt_->describe();
  EXPECT_EQ(nt_->command("proceed " + ring.get("call")).kind, "ok");
  EXPECT_TRUE(te_->event("proceeding", {{"call", placed.get("call")}})) << te_->describe();
  const PriLine rejected = nt_->command("reject " + ring.get("call") + " 34");
  EXPECT_EQ(rejected.get("via"), "release_complete") << rejected.text;
  EXPECT_TRUE(te_->event("hangup", {{"call", placed.get("call")}, {"cause", "34"}})) << te_->describe();
  EXPECT_EQ(te_->count("hangup_req"), 0u) << "no DISCONNECT\n" << te_->describe();
}

TEST_P(LibpriPair, HangupBeforeAnyResponseWithACauseLibpriCannotSendIsRefused) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  ASSERT_EQ(te_->command("call 2 5551234").kind, "ok") << te_->describe();
  const PriLine ring = nt_->event("ring", {{"channel", "2"}});
  ASSERT_TRUE(ring) << nt_->describe();
  const PriLine refused = nt_->command("hangup " + ring.get("call") + " 17");
  EXPECT_EQ(refused.kind, "error") << refused.text;
  EXPECT_NE(refused.get("reason").find("use reject"), std::string::npos) << refused.text;
  EXPECT_EQ(nt_->command("reject " + ring.get("call") + " 17").kind, "ok");
  EXPECT_TRUE(te_->event("hangup_req", {{"cause", "17"}})) << te_->describe();
}

TEST_P(LibpriPair, ManualReleaseLeavesTheDisconnectToTheTest) {
  ASSERT_NO_FATAL_FAILURE(bring_up({"--manual-release"}));
  const PriLine placed = te_->command("call 8 5551234");
  ASSERT_EQ(placed.kind, "ok");
  const PriLine ring = nt_->event("ring");
  ASSERT_TRUE(ring) << nt_->describe();
  ASSERT_EQ(nt_->command("answer " + ring.get("call")).kind, "ok");
  ASSERT_TRUE(te_->event("answer")) << te_->describe();
  ASSERT_EQ(te_->command("hangup " + placed.get("call") + " 16").kind, "ok");
  ASSERT_TRUE(nt_->event("hangup_req", {{"cause", "16"}})) << nt_->describe();
  // The NT has not released: the TE's call is still waiting for RELEASE.
  EXPECT_EQ(te_->count("hangup"), 0u) << te_->describe();
  const PriLine released = nt_->command("hangup " + ring.get("call") + " 16");
  EXPECT_EQ(released.kind, "ok");
  EXPECT_EQ(released.get("via"), "release");
  EXPECT_TRUE(te_->event("hangup", {{"cause", "16"}})) << te_->describe();
  EXPECT_TRUE(nt_->event("hangup_ack", {{"cause", "16"}})) << nt_->describe();
}

TEST_P(LibpriPair, RestartOfAChannelFromEachSideIsAcknowledged) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  EXPECT_EQ(te_->command("restart 3").kind, "ok");
  EXPECT_TRUE(nt_->event("restart", {{"channel", "3"}})) << nt_->describe();
  EXPECT_TRUE(te_->event("restart_ack", {{"channel", "3"}})) << te_->describe();
  EXPECT_EQ(nt_->command("restart 9").kind, "ok");
  EXPECT_TRUE(te_->event("restart", {{"channel", "9"}})) << te_->describe();
  EXPECT_TRUE(nt_->event("restart_ack", {{"channel", "9"}})) << nt_->describe();
}

TEST_P(LibpriPair, RestartOfAChannelInUseDropsItsCallAtBothEnds) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  const PriLine placed = te_->command("call 10 5551234 exclusive");
  ASSERT_EQ(placed.kind, "ok");
  const PriLine ring = nt_->event("ring", {{"channel", "10"}});
  ASSERT_TRUE(ring) << nt_->describe();
  ASSERT_EQ(nt_->command("answer " + ring.get("call")).kind, "ok");
  ASSERT_TRUE(te_->event("answer")) << te_->describe();
  EXPECT_EQ(nt_->command("restart 10").kind, "ok");
  EXPECT_TRUE(nt_->event("dropped", {{"call", ring.get("call")}, {"reason", "restart"}})) << nt_->describe();
  EXPECT_TRUE(te_->event("restart", {{"channel", "10"}})) << te_->describe();
  EXPECT_TRUE(te_->event("dropped", {{"call", placed.get("call")}, {"reason", "restart"}})) << te_->describe();
  EXPECT_TRUE(nt_->event("restart_ack", {{"channel", "10"}})) << nt_->describe();
  EXPECT_EQ(te_->command("answer " + placed.get("call")).kind, "error") << "the dropped call is still there";
}

TEST_P(LibpriPair, RestartAllRestartsEveryBChannelInTurn) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  const Variant& v = GetParam();
  EXPECT_EQ(te_->command("restart all").kind, "ok");
  for (int c = 1, seen = 0; seen < v.b_channels; ++c) {
    if (v.span == "e1" && c == 16) continue;  // the D-channel's timeslot
    ++seen;
    ASSERT_TRUE(nt_->event("restart", {{"channel", std::to_string(c)}})) << "channel " << c << "\n" << nt_->describe();
    ASSERT_TRUE(te_->event("restart_ack", {{"channel", std::to_string(c)}})) << "channel " << c << "\n"
                                                                              << te_->describe();
  }
  EXPECT_EQ(nt_->count("restart"), static_cast<std::size_t>(v.b_channels));
}

TEST_P(LibpriPair, BadCommandsAreAnsweredWithAnErrorAndLoseNothing) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  for (const char* bad : {"dance", "call", "call 16x 123", "call 99 123", "answer 42", "hangup 1", "restart 0",
                          "call 5 123 colour=blue", "service 3 sideways"}) {
    const PriLine answer = te_->command(bad);
    EXPECT_EQ(answer.kind, "error") << bad << " -> " << answer.text;
    EXPECT_TRUE(answer.has("reason")) << answer.text;
  }
  place_answer_and_clear(*te_, *nt_, "11");
}

std::string variant_name(const ::testing::TestParamInfo<Variant>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Switch, LibpriPair, ::testing::ValuesIn(kVariants), variant_name);

// SERVICE / SERVICE ACKNOWLEDGE: the B-channel maintenance of NI-2 and the
// AT&T variants (protocol discriminator 0x43 and 0x03).
class LibpriServicePair : public LibpriPair {};

TEST_P(LibpriServicePair, ServiceTakesAChannelOutAndBackIn) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  EXPECT_EQ(te_->command("service 3 out").kind, "ok");
  EXPECT_TRUE(nt_->event("service", {{"channel", "3"}, {"status", "out"}})) << nt_->describe();
  EXPECT_TRUE(te_->event("service_ack", {{"channel", "3"}, {"status", "out"}})) << te_->describe();
  EXPECT_EQ(nt_->command("service 3 in").kind, "ok");
  EXPECT_TRUE(te_->event("service", {{"channel", "3"}, {"status", "in"}})) << te_->describe();
  EXPECT_TRUE(nt_->event("service_ack", {{"channel", "3"}, {"status", "in"}})) << nt_->describe();
}

std::vector<Variant> service_variants() {
  std::vector<Variant> out;
  for (const auto& v : kVariants)
    if (v.service_messages) out.push_back(v);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Switch, LibpriServicePair, ::testing::ValuesIn(service_variants()), variant_name);

// ---- the frames on the socket ---------------------------------------------------------------

// The test as the far end of a frames span: it listens, the peer connects.
class RawSpan {
 public:
  explicit RawSpan(const std::string& path) : path_(path) {
    listener_ = core::UniqueFd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (!listener_ || ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_.get(), 1) != 0)
      throw std::runtime_error("RawSpan: cannot listen on " + path + ": " + std::strerror(errno));
  }
  bool accept(std::chrono::milliseconds limit) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return false;
    conn_ = core::UniqueFd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    return static_cast<bool>(conn_);
  }
  // One datagram, or nullopt at the limit.
  std::optional<std::vector<unsigned char>> receive(std::chrono::milliseconds limit) {
    pollfd p{conn_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return std::nullopt;
    std::vector<unsigned char> buf(2048);
    ssize_t n = ::recv(conn_.get(), buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }
  bool send(const std::vector<unsigned char>& datagram) {
    return ::send(conn_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(datagram.size());
  }

 private:
  std::string path_;
  core::UniqueFd listener_, conn_;
};

// Q.921 frames (SAPI 0, TEI 0) with their FCS-16, from RFC 1662's fcs16
// (CRC-16/X-25, whose check value for "123456789" is 0x906E), low byte first.
// The C/R bit: commands from the user side and responses from the network
// side carry 0, the others 1 (Q.921 Table 1).
const std::vector<unsigned char> kSabmeFromTe = {0x00, 0x01, 0x7f, 0x64, 0x54};
const std::vector<unsigned char> kSabmeFromNt = {0x02, 0x01, 0x7f, 0xdc, 0xe1};
const std::vector<unsigned char> kUaFromNt = {0x00, 0x01, 0x73, 0x08, 0x9e};  // UA, F=1
const std::vector<unsigned char> kUaFromTe = {0x02, 0x01, 0x73, 0xb0, 0x2b};

struct RawCase {
  std::string side;
  std::vector<unsigned char> sabme, ua;
};

class LibpriFrames : public ::testing::TestWithParam<RawCase> {};

TEST_P(LibpriFrames, FirstFrameIsSabmeWithItsFcsAndOnlyAGoodFcsUaBringsTheLinkUp) {
  const RawCase& c = GetParam();
  TempDir dir("libpri-frames");
  RawSpan span(dir.file("span.sock"));
  LibpriPeer peer(dir, c.side,
                  {.side = c.side, .switch_type = "euroisdn_e1", .span = "e1", .socket_path = dir.file("span.sock")});
  ASSERT_TRUE(span.accept(kPriStepLimit)) << peer.describe();
  // Exactly the frame and its two FCS bytes: libpri's 2 spare bytes carry
  // the FCS, nothing else is added.
  auto first = span.receive(kPriStepLimit);
  ASSERT_TRUE(first) << peer.describe();
  EXPECT_EQ(*first, c.sabme);

  // A UA whose FCS is off by one bit is dropped as an HDLC receiver drops
  // it, and so is a datagram too short to hold an FCS.
  auto bad = c.ua;
  bad[3] ^= 0x01;
  ASSERT_TRUE(span.send(bad));
  EXPECT_TRUE(peer.event("bad_fcs", {{"len", "5"}})) << peer.describe();
  ASSERT_TRUE(span.send({0x00}));
  EXPECT_TRUE(peer.event("short_frame", {{"len", "1"}})) << peer.describe();
  EXPECT_EQ(peer.count("dchan"), 0u) << peer.describe();

  ASSERT_TRUE(span.send(c.ua));
  EXPECT_TRUE(peer.event("dchan", {}, {"up"})) << peer.describe();
  expect_clean_exit(peer);
}

INSTANTIATE_TEST_SUITE_P(Side, LibpriFrames,
                         ::testing::Values(RawCase{"te", kSabmeFromTe, kUaFromNt}, RawCase{"nt", kSabmeFromNt, kUaFromTe}),
                         [](const ::testing::TestParamInfo<RawCase>& info) { return info.param.side; });

// ---- link loss ---------------------------------------------------------------------------------

TEST(LibpriLink, ListenerTakesANewPeerAfterTheOldOneGoesAndTheLinkComesBack) {
  TempDir dir("libpri-link");
  const std::string path = dir.file("span.sock");
  // Short Q.921 timers so that the link loss shows within a few hundred ms.
  const std::map<std::string, int> quick = {{"T200", 100}, {"T203", 500}};
  LibpriPeer nt(dir, "nt", {.side = "nt", .socket_path = path, .listen = true, .timers = quick});
  ASSERT_TRUE(nt.event("listening")) << nt.describe();
  {
    LibpriPeer te(dir, "te1", {.side = "te", .socket_path = path, .timers = quick});
    ASSERT_TRUE(te.event("dchan", {}, {"up"})) << te.describe();
    ASSERT_TRUE(nt.event("dchan", {}, {"up"})) << nt.describe();
    ASSERT_TRUE(nt.event("connected")) << nt.describe();
    te.process().stop();  // the far end goes away without a word
  }
  EXPECT_TRUE(nt.event("peer_closed")) << nt.describe();
  EXPECT_TRUE(nt.event("dchan", {}, {"down"})) << nt.describe();

  LibpriPeer te(dir, "te2", {.side = "te", .socket_path = path, .timers = quick});
  EXPECT_TRUE(nt.event("connected")) << nt.describe();
  EXPECT_TRUE(te.event("dchan", {}, {"up"})) << te.describe();
  EXPECT_TRUE(nt.event("dchan", {}, {"up"})) << nt.describe();
  // And calls go again.
  place_answer_and_clear(te, nt, "1");
  expect_clean_exit(te);
  expect_clean_exit(nt);
}

// ---- overlap sending -------------------------------------------------------------------------

TEST(LibpriOverlap, DigitsAfterSetupAcknowledgeArriveOneInformationEach) {
  TempDir dir("libpri-overlap");
  const std::string path = dir.file("span.sock");
  LibpriPeer nt(dir, "nt", {.side = "nt", .socket_path = path, .listen = true, .extra_args = {"--overlap"}});
  ASSERT_TRUE(nt.event("listening")) << nt.describe();
  // --debug: libpri's own Q.931 dump of what this side sends, on its stderr.
  LibpriPeer te(dir, "te", {.side = "te", .socket_path = path, .extra_args = {"--overlap", "--debug"}});
  ASSERT_TRUE(te.event("dchan", {}, {"up"})) << te.describe();
  ASSERT_TRUE(nt.event("dchan", {}, {"up"})) << nt.describe();

  const PriLine placed = te.command("call 12 55 complete=no calling=5550000");
  ASSERT_EQ(placed.kind, "ok") << te.describe();
  const PriLine ring = nt.event("ring", {{"called", "55"}, {"complete", "no"}});
  ASSERT_TRUE(ring) << nt.describe();
  EXPECT_EQ(nt.command("setup_ack " + ring.get("call")).kind, "ok");
  EXPECT_TRUE(te.event("setup_ack", {{"call", placed.get("call")}})) << te.describe();
  EXPECT_EQ(te.command("info " + placed.get("call") + " 123").kind, "ok");
  for (const char* digit : {"1", "2", "3"})
    EXPECT_TRUE(nt.event("info", {{"call", ring.get("call")}, {"digits", digit}})) << nt.describe();
  EXPECT_EQ(nt.command("answer " + ring.get("call")).kind, "ok");
  EXPECT_TRUE(te.event("answer", {{"call", placed.get("call")}})) << te.describe();
  EXPECT_EQ(nt.command("hangup " + ring.get("call") + " 16").kind, "ok");
  EXPECT_TRUE(te.event("hangup_req", {{"cause", "16"}})) << te.describe();
  EXPECT_TRUE(nt.event("hangup", {{"cause", "16"}})) << nt.describe();
  EXPECT_NE(te.process().log().find("> Message Type: SETUP (5)"), std::string::npos) << te.describe();
  EXPECT_EQ(nt.process().log(), "") << "no --debug, nothing on stderr";
  expect_clean_exit(te);
  expect_clean_exit(nt);
}

// ---- NFAS: a backup D-channel ----------------------------------------------------------------

// Two NI-2 T1 peers in an NFAS group: each has a primary and a backup
// D-channel, each on its own socket (the NT listens on both, the TE connects
// to both), the backup enslaved to the primary (pri_enslave). Short Q.921
// timers, so that a failed link shows in about a second: libpri finds it by
// T203, then T200 N200 times, twice (link recovery, then re-establishment).
class LibpriNfas : public ::testing::Test {
 protected:
  LibpriPeerOptions options(const std::string& side, bool listen, std::vector<std::string> extra = {}) {
    return LibpriPeerOptions{.side = side, .switch_type = "ni2", .span = "t1", .socket_path = dir_.file("primary.sock"),
                             .listen = listen, .backup_socket_path = dir_.file("backup.sock"), .backup_listen = listen,
                             .nfas = true, .timers = {{"T200", 100}, {"T203", 500}}, .extra_args = std::move(extra)};
  }

  // Starts the NT (listening on both sockets), then the TE, and waits for
  // both D-channels to come up at both ends.
  void bring_up(const std::vector<std::string>& nt_args = {}, const std::vector<std::string>& te_args = {}) {
    nt_ = std::make_unique<LibpriPeer>(dir_, "nt", options("nt", true, nt_args));
    for (const char* which : {"primary", "backup"})
      ASSERT_TRUE(nt_->event("listening", {{"which", which}, {"path", dir_.file(std::string(which) + ".sock")}}))
          << nt_->describe();
    te_ = std::make_unique<LibpriPeer>(dir_, "te", options("te", false, te_args));
    for (auto* peer : {te_.get(), nt_.get()})
      for (const char* which : {"primary", "backup"})
        ASSERT_TRUE(peer->event("dchan", {{"which", which}}, {"up"})) << which << "\n" << peer->describe();
  }

  void TearDown() override {
    for (auto* peer : {te_.get(), nt_.get()})
      if (peer) expect_clean_exit(*peer);
  }

  TempDir dir_{"libpri-nfas"};
  std::unique_ptr<LibpriPeer> te_, nt_;
};

// `caller` places a call on `channel` of `interface`; it rings at `callee`
// on that channel and interface, is answered and cleared, and every event of
// it at both ends names that channel and interface and D-channel `dchan`
// (the one the messages came on; "": a peer without a backup, whose events
// name none).
void nfas_call(LibpriPeer& caller, LibpriPeer& callee, const std::string& channel, const std::string& interface,
               const std::string& dchan) {
  PriFields where = {{"channel", channel}, {"interface", interface}};
  if (!dchan.empty()) where["dchan"] = dchan;
  auto with = [&](PriFields f) {
    f.insert(where.begin(), where.end());
    return f;
  };
  const PriLine placed =
      caller.command("call " + channel + " 5551234 calling=5550000 exclusive interface=" + interface);
  ASSERT_EQ(placed.kind, "ok") << placed.text << "\n" << caller.describe();
  EXPECT_EQ(placed.get("dchan"), dchan) << "the SETUP goes on the active D-channel: " << placed.text;
  const std::string out = placed.get("call");
  const PriLine ring = callee.event("ring", {{"called", "5551234"}});
  ASSERT_TRUE(ring) << callee.describe();
  for (const auto& [key, value] : where) EXPECT_EQ(ring.get(key), value) << key << ": " << ring.text;
  EXPECT_EQ(ring.has("dchan"), !dchan.empty()) << ring.text;
  EXPECT_EQ(ring.get("exclusive"), "yes") << ring.text;
  const std::string in = ring.get("call");

  const PriLine lone = callee.command("proceed " + in + " interface=" + interface);
  EXPECT_EQ(lone.kind, "error") << "an interface goes with a channel: " << lone.text;
  EXPECT_EQ(callee.command("proceed " + in + " channel=" + channel + " interface=" + interface).kind, "ok");
  EXPECT_TRUE(caller.event("proceeding", with({{"call", out}}))) << caller.describe();
  EXPECT_EQ(callee.command("alert " + in).kind, "ok");
  EXPECT_TRUE(caller.event("ringing", with({{"call", out}}))) << caller.describe();
  EXPECT_EQ(callee.command("answer " + in + " channel=" + channel + " interface=" + interface).kind, "ok");
  EXPECT_TRUE(caller.event("answer", with({{"call", out}}))) << caller.describe();

  EXPECT_EQ(caller.command("hangup " + out + " 16").kind, "ok");
  EXPECT_TRUE(callee.event("hangup_req", with({{"call", in}, {"cause", "16"}}))) << callee.describe();
  EXPECT_TRUE(caller.event("hangup", with({{"call", out}, {"cause", "16"}}))) << caller.describe();
  EXPECT_TRUE(callee.event("hangup_ack", with({{"call", in}, {"cause", "16"}}))) << callee.describe();
}

TEST_F(LibpriNfas, BothDChannelsComeUpAtBothEnds) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  for (auto* peer : {te_.get(), nt_.get()}) {
    EXPECT_EQ(peer->count("dchan"), 2u) << peer->describe();
    EXPECT_TRUE(peer->event("connected", {{"which", "primary"}})) << peer->describe();
    EXPECT_TRUE(peer->event("connected", {{"which", "backup"}})) << peer->describe();
    EXPECT_EQ(peer->count("bad_fcs") + peer->count("short_frame"), 0u) << peer->describe();
  }
}

TEST_F(LibpriNfas, CallOnInterface1Channel5RingsThereAtNtIsAnsweredAndCleared) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  // Both D-channels up: calls go on the primary, both ways.
  nfas_call(*te_, *nt_, "5", "1", "primary");
  nfas_call(*nt_, *te_, "24", "3", "primary");  // channel 24: a B-channel of a span without a D-channel
}

// With --nfas the interface identifier goes out even for interface 0
// (explicit, Q.931 octet 3.1): the NT's own libpri dump of the SETUP says so.
TEST_F(LibpriNfas, InterfaceZeroIsSentExplicitly) {
  ASSERT_NO_FATAL_FAILURE(bring_up({"--debug"}));
  ASSERT_EQ(te_->command("call 2 5551234 exclusive").kind, "ok") << te_->describe();
  const PriLine ring = nt_->event("ring", {{"channel", "2"}, {"interface", "0"}});
  ASSERT_TRUE(ring) << nt_->describe();
  const std::string log = nt_->process().log();
  EXPECT_NE(log.find("IntID: Explicit"), std::string::npos) << log;
  EXPECT_NE(log.find("DS1 Identifier: 0"), std::string::npos) << log;
  EXPECT_EQ(nt_->command("reject " + ring.get("call") + " 34").kind, "ok");
  EXPECT_TRUE(te_->event("hangup", {{"cause", "34"}, {"interface", "0"}})) << te_->describe();
}

TEST_F(LibpriNfas, AfterThePrimaryFailsNewCallsGoOnTheBackup) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  const PriLine closed = te_->command("dchan close primary");
  EXPECT_EQ(closed.kind, "ok") << closed.text;
  EXPECT_EQ(closed.name, "dchan");
  // The NT sees its socket go; libpri at both ends finds the link gone by
  // its Q.921 timers (it has no word for a lost line).
  EXPECT_TRUE(nt_->event("peer_closed", {{"which", "primary"}})) << nt_->describe();
  ASSERT_TRUE(nt_->event("dchan", {{"which", "primary"}}, {"down"})) << nt_->describe();
  ASSERT_TRUE(te_->event("dchan", {{"which", "primary"}}, {"down"})) << te_->describe();
  EXPECT_EQ(te_->count("dchan") + nt_->count("dchan"), 6u) << "the backups stay up\n"
                                                           << te_->describe() << nt_->describe();
  // Which D-channel carried a call: `ok call ... dchan=` names the one the
  // SETUP went out on, and every event at the far end names the one its
  // message came in on (the primary's socket is gone, so it cannot be that).
  nfas_call(*te_, *nt_, "6", "2", "backup");
  nfas_call(*nt_, *te_, "7", "0", "backup");
  EXPECT_EQ(te_->command("dchan close primary").kind, "error") << "already closed";
}

TEST_F(LibpriNfas, AfterTheBackupFailsCallsStayOnThePrimary) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  EXPECT_EQ(nt_->command("dchan close backup").kind, "ok");
  EXPECT_TRUE(te_->event("peer_closed", {{"which", "backup"}})) << te_->describe();
  ASSERT_TRUE(te_->event("dchan", {{"which", "backup"}}, {"down"})) << te_->describe();
  ASSERT_TRUE(nt_->event("dchan", {{"which", "backup"}}, {"down"})) << nt_->describe();
  nfas_call(*te_, *nt_, "8", "1", "primary");
}

// libpri keeps an existing call on the D-channel it last had a message on:
// an active call's DISCONNECT after the primary fails goes out on the dead
// primary (queued for its layer 2), not on the backup. libpri clears the
// call locally once that link's re-establishment fails (cause 27, "out of
// order"), and the far end never hears of it.
TEST_F(LibpriNfas, AnActiveCallsClearingStaysOnTheFailedPrimary) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  const PriLine placed = te_->command("call 9 5551234 exclusive interface=1");
  ASSERT_EQ(placed.kind, "ok") << te_->describe();
  const PriLine ring = nt_->event("ring", {{"channel", "9"}, {"dchan", "primary"}});
  ASSERT_TRUE(ring) << nt_->describe();
  ASSERT_EQ(nt_->command("answer " + ring.get("call")).kind, "ok");
  ASSERT_TRUE(te_->event("answer", {{"call", placed.get("call")}})) << te_->describe();

  ASSERT_EQ(te_->command("dchan close primary").kind, "ok");
  ASSERT_TRUE(te_->event("dchan", {{"which", "primary"}}, {"down"})) << te_->describe();
  ASSERT_TRUE(nt_->event("dchan", {{"which", "primary"}}, {"down"})) << nt_->describe();
  // libpri keeps an active NFAS call when its D-channel goes (no T309: the
  // backup may carry it on), so the call is still there at both ends.
  EXPECT_EQ(te_->count("hangup") + te_->count("hangup_ack") + nt_->count("hangup") + nt_->count("hangup_ack"), 0u);
  ASSERT_EQ(te_->command("hangup " + placed.get("call") + " 16").kind, "ok");
  EXPECT_TRUE(te_->event("hangup_ack", {{"call", placed.get("call")}, {"cause", "27"}, {"dchan", "primary"}}))
      << te_->describe();
  // A DISCONNECT on the backup would have been at the NT long before the
  // TE's libpri gave up on the primary's link.
  EXPECT_EQ(nt_->count("hangup_req"), 0u) << nt_->describe();
  // A message from the far end on the backup would move the call there; the
  // NT's own clearing stays on its primary as well.
  ASSERT_EQ(nt_->command("hangup " + ring.get("call") + " 16").kind, "ok");
  EXPECT_TRUE(nt_->event("hangup_ack", {{"call", ring.get("call")}, {"cause", "27"}})) << nt_->describe();
}

TEST_F(LibpriNfas, RestartOfAChannelOnAnInterfaceIsAcknowledgedAndDropsOnlyThatInterfacesCall) {
  ASSERT_NO_FATAL_FAILURE(bring_up());
  const PriLine placed = te_->command("call 4 5551234 exclusive interface=2");
  ASSERT_EQ(placed.kind, "ok") << te_->describe();
  const PriLine ring = nt_->event("ring", {{"channel", "4"}, {"interface", "2"}});
  ASSERT_TRUE(ring) << nt_->describe();
  ASSERT_EQ(nt_->command("answer " + ring.get("call")).kind, "ok");
  ASSERT_TRUE(te_->event("answer", {{"call", placed.get("call")}})) << te_->describe();
  // Channel 4 of interface 1 is another channel: the call stays.
  EXPECT_EQ(nt_->command("restart 4 interface=1").kind, "ok");
  EXPECT_TRUE(te_->event("restart", {{"channel", "4"}, {"interface", "1"}})) << te_->describe();
  EXPECT_TRUE(nt_->event("restart_ack", {{"channel", "4"}, {"interface", "1"}})) << nt_->describe();
  EXPECT_EQ(te_->count("dropped") + nt_->count("dropped"), 0u);
  EXPECT_EQ(nt_->command("restart 4 interface=2").kind, "ok");
  EXPECT_TRUE(nt_->event("dropped", {{"call", ring.get("call")}})) << nt_->describe();
  EXPECT_TRUE(te_->event("restart", {{"channel", "4"}, {"interface", "2"}})) << te_->describe();
  EXPECT_TRUE(te_->event("dropped", {{"call", placed.get("call")}})) << te_->describe();
  EXPECT_TRUE(nt_->event("restart_ack", {{"channel", "4"}, {"interface", "2"}})) << nt_->describe();
}

// --nfas without a backup: one D-channel for the group; channels carry their
// interface, and the D-channel's events keep their form without which=.
TEST(LibpriNfasSingle, NfasWithoutABackupCarriesTheInterfaceAndBadCommandsAreErrors) {
  TempDir dir("libpri-nfas1");
  const std::string path = dir.file("span.sock");
  LibpriPeer nt(dir, "nt", {.side = "nt", .switch_type = "ni2", .span = "t1", .socket_path = path, .listen = true,
                            .nfas = true});
  const PriLine listening = nt.event("listening");
  ASSERT_TRUE(listening) << nt.describe();
  EXPECT_FALSE(listening.has("which")) << listening.text;
  LibpriPeer te(dir, "te", {.side = "te", .switch_type = "ni2", .span = "t1", .socket_path = path, .nfas = true});
  const PriLine up = te.event("dchan", {}, {"up"});
  ASSERT_TRUE(up) << te.describe();
  EXPECT_EQ(up.text, "event dchan up");
  ASSERT_TRUE(nt.event("dchan", {}, {"up"})) << nt.describe();

  for (const char* bad : {"dchan close backup", "dchan open primary", "dchan close", "call 5 123 interface=128",
                          "call 5 123 interface=x", "restart 5 interface=-1", "restart all sideways"}) {
    const PriLine answer = te.command(bad);
    EXPECT_EQ(answer.kind, "error") << bad << " -> " << answer.text;
    EXPECT_TRUE(answer.has("reason")) << answer.text;
  }
  nfas_call(te, nt, "3", "0", "");
  nfas_call(nt, te, "12", "5", "");
  EXPECT_EQ(te.command("dchan close primary").kind, "ok");
  EXPECT_TRUE(nt.event("peer_closed")) << nt.describe();
  expect_clean_exit(te);
  expect_clean_exit(nt);
}

// ---- the licence boundary -------------------------------------------------------------------

// What `argv` prints on stdout (its stderr to a file beside it).
std::string output_of(const TempDir& dir, const std::string& name, std::vector<std::string> argv) {
  ChildProcess p(std::move(argv), {.stdout_path = dir.file(name + ".out"), .stderr_path = dir.file(name + ".err")});
  const auto status = p.wait_for(60s);
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << name << ": " << p.stderr_text();
  return p.stdout_text();
}

// The shared libraries an ELF file needs (readelf -d).
std::vector<std::string> needed_libraries(const TempDir& dir, const std::string& file) {
  std::vector<std::string> out;
  std::istringstream in(output_of(dir, "readelf", {"readelf", "-d", file}));
  std::string line;
  while (std::getline(in, line)) {
    auto open = line.find("(NEEDED)");
    auto lb = line.find('['), rb = line.rfind(']');
    if (open != std::string::npos && lb != std::string::npos && rb > lb) out.push_back(line.substr(lb + 1, rb - lb - 1));
  }
  return out;
}

// libpri is GPL-2 and sipnic Apache-2.0: libpri is in libpri_peer alone.
TEST(LibpriLicenceBoundary, SipnicHasNoLibpriAndThePeerHasNothingOfSipnic) {
  TempDir dir("libpri-licence");
  for (const auto& lib : needed_libraries(dir, sipnic_binary()))
    EXPECT_EQ(lib.find("libpri"), std::string::npos) << "sipnic needs " << lib;
  // Nor statically: libpri's own functions are not in sipnic.
  const std::string sipnic_symbols = output_of(dir, "nm-sipnic", {"nm", sipnic_binary()});
  for (const char* libpri_function : {" pri_new_cb\n", " q931_setup\n", " q921_receive\n"})
    EXPECT_EQ(sipnic_symbols.find(libpri_function), std::string::npos) << "sipnic holds" << libpri_function;

  // The peer: libpri, the C library and (in sanitizer builds) the sanitizer runtimes.
  const std::regex allowed(R"(^(libpri|libc|libm|libgcc_s|libasan|libubsan|liblsan)\.so(\.[0-9]+)*$)");
  const auto peer_libraries = needed_libraries(dir, libpri_peer_binary());
  EXPECT_FALSE(peer_libraries.empty());
  for (const auto& lib : peer_libraries) EXPECT_TRUE(std::regex_match(lib, allowed)) << "libpri_peer needs " << lib;
  const std::string peer_symbols = output_of(dir, "nm-peer", {"nm", libpri_peer_binary()});
  EXPECT_EQ(peer_symbols.find("sipnic"), std::string::npos) << "libpri_peer holds something of sipnic";
}

}  // namespace
}  // namespace sipnic::test
