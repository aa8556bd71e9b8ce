// Tests for host/sip/reliable_provisionals.cpp: RFC 3262 on one leg — the
// UAS side (whether provisionals go reliably, 420/421 by policy, RSeq
// numbering, retransmission until PRACK and the 64*T1 give-up, PRACK
// matching by RAck, holding a second provisional and a 2xx) and the UAC
// side (Supported/Require on the INVITE, which provisionals to PRACK, in
// order per early dialog, offers that the PRACK must answer), and a reliable
// 183 with SDP relayed through both legs with PRACKs both ways.
#include "sip/reliable_provisionals.h"

#include <gtest/gtest.h>

#include <string>

#include "core/socket_address.h"
#include "sip/dialog.h"
#include "sip/header_values.h"
#include "sip/response_builder.h"
#include "support/sip_message.h"

namespace sipnic::sip {
namespace {

using namespace std::chrono_literals;
using core::ExtensionPolicy;
using offload::HeaderId;
using test::parse_sip;

const std::string kSdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                         "m=audio 4000 RTP/AVP 0\r\n";

SipMessage invite(const std::string& extra, std::uint32_t cseq = 7) {
  return parse_sip("INVITE sip:bob@127.0.0.2 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
                   "Max-Forwards: 70\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=a\r\n"
                   "To: <sip:bob@127.0.0.2>\r\n"
                   "Call-ID: rp1\r\n"
                   "CSeq: " + std::to_string(cseq) + " INVITE\r\n"
                   "Contact: <sip:alice@127.0.0.1>\r\n" + extra +
                   "Content-Length: 0\r\n\r\n");
}

SipMessage prack(const std::string& rack) {
  return parse_sip("PRACK sip:bob@127.0.0.2 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK2\r\n"
                   "Max-Forwards: 70\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=a\r\n"
                   "To: <sip:bob@127.0.0.2>;tag=b\r\n"
                   "Call-ID: rp1\r\n"
                   "CSeq: 8 PRACK\r\n"
                   "RAck: " + rack + "\r\n"
                   "Content-Length: 0\r\n\r\n");
}

SipMessage provisional(int status, const std::string& extra, const std::string& to_tag = "b",
                       const std::string& body = "") {
  return parse_sip("SIP/2.0 " + std::to_string(status) + " Ringing\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
                   "From: <sip:alice@127.0.0.1>;tag=a\r\n"
                   "To: <sip:bob@127.0.0.2>;tag=" + to_tag + "\r\n"
                   "Call-ID: rp1\r\n"
                   "CSeq: 7 INVITE\r\n"
                   "Contact: <sip:bob@127.0.0.2>\r\n" + extra +
                   (body.empty() ? "" : "Content-Type: application/sdp\r\n") +
                   "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
}

// ---------------------------------------------------------------- UAS side

TEST(ReliableProvisionalsUas, ProvisionalsGoReliablyToACallerThatSupportsOrRequires100rel) {
  ReliableProvisionalsUas supports(ExtensionPolicy::kSupported, 0);
  EXPECT_EQ(supports.on_invite(invite("Supported: timer, 100rel\r\n")).reject, 0);
  EXPECT_TRUE(supports.reliable());

  ReliableProvisionalsUas requiring(ExtensionPolicy::kSupported, 0);
  EXPECT_EQ(requiring.on_invite(invite("Require: 100rel\r\n")).reject, 0);  // accepted
  EXPECT_TRUE(requiring.reliable());

  ReliableProvisionalsUas plain(ExtensionPolicy::kSupported, 0);
  EXPECT_EQ(plain.on_invite(invite("Supported: timer\r\n")).reject, 0);
  EXPECT_FALSE(plain.reliable());

  ReliableProvisionalsUas off(ExtensionPolicy::kOff, 0);
  EXPECT_EQ(off.on_invite(invite("Supported: 100rel\r\n")).reject, 0);
  EXPECT_FALSE(off.reliable());
}

TEST(ReliableProvisionalsUas, PolicyOffAnswersRequire100relWith420AndUnsupported) {
  ReliableProvisionalsUas off(ExtensionPolicy::kOff, 0);
  auto v = off.on_invite(invite("Require: 100rel\r\n"));
  EXPECT_EQ(v.reject, 420);
  EXPECT_EQ(v.headers, "Unsupported: 100rel\r\n");
}

TEST(ReliableProvisionalsUas, PolicyRequiredAnswersACallerWithout100relWith421) {
  ReliableProvisionalsUas required(ExtensionPolicy::kRequired, 0);
  auto v = required.on_invite(invite(""));
  EXPECT_EQ(v.reject, 421);
  EXPECT_EQ(v.headers, "Require: 100rel\r\n");
  ReliableProvisionalsUas ok(ExtensionPolicy::kRequired, 0);
  EXPECT_EQ(ok.on_invite(invite("Supported: 100rel\r\n")).reject, 0);
  EXPECT_TRUE(ok.reliable());
}

TEST(ReliableProvisionalsUas, RseqStartsBetween1And2To31Minus1AndCountsUpByOne) {
  ReliableProvisionalsUas low(ExtensionPolicy::kSupported, 0);
  EXPECT_EQ(low.next_headers(), "Require: 100rel\r\nRSeq: 1\r\n");
  EXPECT_EQ(low.next_headers(), "Require: 100rel\r\nRSeq: 2\r\n");
  ReliableProvisionalsUas high(ExtensionPolicy::kSupported, 0x7FFFFFFEu);
  EXPECT_EQ(high.next_headers(), "Require: 100rel\r\nRSeq: 2147483647\r\n");
  ReliableProvisionalsUas wrapped(ExtensionPolicy::kSupported, 0xFFFFFFFFu);
  wrapped.next_headers();
  EXPECT_LT(wrapped.last_rseq(), 0x80000000u);
  EXPECT_GE(wrapped.last_rseq(), 1u);
}

TEST(ReliableProvisionalsUas, RetransmitsFromT1DoublingWithoutCeilingAndGivesUpAt64T1) {
  ReliableProvisionalsUas u(ExtensionPolicy::kSupported, 0);
  u.on_invite(invite("Supported: 100rel\r\n"));
  u.next_headers();
  core::Millis delay = u.sent("SIP/2.0 183 Session Progress\r\n...", false, 500ms);
  core::Millis total = delay;
  std::vector<core::Millis> delays{delay};
  for (;;) {
    auto t = u.on_timer();
    if (t.give_up) break;
    EXPECT_EQ(t.resend, "SIP/2.0 183 Session Progress\r\n...");
    delays.push_back(t.next);
    total += t.next;
  }
  // 0.5, 1, 2, 4, 8, 16 s (no T2 cap, unlike a 2xx), the last cut to end at 32 s.
  EXPECT_EQ(delays, (std::vector<core::Millis>{500ms, 1000ms, 2000ms, 4000ms, 8000ms, 16000ms, 500ms}));
  EXPECT_EQ(total, 32000ms);
  EXPECT_FALSE(u.must_hold());  // given up: nothing is outstanding
}

TEST(ReliableProvisionalsUas, PrackIsMatchedByRseqCseqAndMethodOfItsRAck) {
  ReliableProvisionalsUas u(ExtensionPolicy::kSupported, 41);
  u.on_invite(invite("Supported: 100rel\r\n", 7));
  u.next_headers();  // RSeq 42
  u.sent("183", false, 500ms);
  EXPECT_EQ(u.on_prack(prack("41 7 INVITE")).status, 481);  // no such RSeq
  EXPECT_EQ(u.on_prack(prack("42 6 INVITE")).status, 481);  // another INVITE's CSeq
  EXPECT_EQ(u.on_prack(prack("42 7 UPDATE")).status, 481);
  EXPECT_EQ(u.on_prack(prack("42 7")).status, 481);          // malformed RAck
  EXPECT_TRUE(u.must_hold());
  auto ok = u.on_prack(prack("42 7 INVITE"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_TRUE(ok.released);
  EXPECT_FALSE(u.must_hold());
  EXPECT_EQ(u.on_timer().resend, "");  // the retransmission stopped
  EXPECT_EQ(u.on_prack(prack("42 7 INVITE")).status, 481);  // acknowledged already
}

TEST(ReliableProvisionalsUas, SecondProvisionalIsHeldUntilTheFirstIsPrackedAndA2xxWhileSdpIsUnacknowledged) {
  ReliableProvisionalsUas u(ExtensionPolicy::kSupported, 0);
  u.on_invite(invite("Supported: 100rel\r\n"));
  EXPECT_FALSE(u.must_hold());
  EXPECT_TRUE(u.can_send_2xx());
  u.next_headers();
  u.sent("180", false, 500ms);  // RSeq 1, no body
  EXPECT_TRUE(u.must_hold());
  EXPECT_TRUE(u.can_send_2xx());  // a 180 without SDP does not hold the 2xx
  EXPECT_EQ(u.on_prack(prack("1 7 INVITE")).status, 200);
  u.next_headers();
  u.sent("183 with SDP", true, 500ms);  // RSeq 2
  EXPECT_TRUE(u.must_hold());
  EXPECT_FALSE(u.can_send_2xx());
  EXPECT_TRUE(u.on_prack(prack("2 7 INVITE")).released);
  EXPECT_TRUE(u.can_send_2xx());
}

TEST(ReliableProvisionalsUas, AFinalResponseStopsTheRetransmission) {
  ReliableProvisionalsUas u(ExtensionPolicy::kSupported, 0);
  u.on_invite(invite("Supported: 100rel\r\n"));
  u.next_headers();
  u.sent("183", true, 500ms);
  u.on_final_sent();  // e.g. a 486 from the callee relayed
  EXPECT_FALSE(u.must_hold());
  EXPECT_FALSE(u.on_timer().give_up);
  EXPECT_EQ(u.on_prack(prack("1 7 INVITE")).status, 481);
}

// ---------------------------------------------------------------- UAC side

TEST(ReliableProvisionalsUac, InviteHeadersFollowThePolicy) {
  EXPECT_EQ(ReliableProvisionalsUac(ExtensionPolicy::kSupported, true).request_headers(), "Supported: 100rel\r\n");
  EXPECT_EQ(ReliableProvisionalsUac(ExtensionPolicy::kRequired, true).request_headers(),
            "Supported: 100rel\r\nRequire: 100rel\r\n");
  EXPECT_EQ(ReliableProvisionalsUac(ExtensionPolicy::kOff, true).request_headers(), "");
}

TEST(ReliableProvisionalsUac, PracksInOrderAndIgnoresRetransmissionsAndGaps) {
  using A = ReliableProvisionalsUac::Action;
  ReliableProvisionalsUac c(ExtensionPolicy::kSupported, true);
  EXPECT_EQ(c.on_provisional(provisional(180, "")).action, A::kUnreliable);
  EXPECT_EQ(c.on_provisional(provisional(100, "Require: 100rel\r\nRSeq: 5\r\n")).action, A::kUnreliable);
  EXPECT_EQ(c.on_provisional(provisional(183, "Require: 100rel\r\nRSeq: 900\r\n")).action, A::kPrack);
  EXPECT_EQ(c.on_provisional(provisional(183, "Require: 100rel\r\nRSeq: 900\r\n")).action, A::kIgnore);  // retransmitted
  EXPECT_EQ(c.on_provisional(provisional(180, "Require: 100rel\r\nRSeq: 902\r\n")).action, A::kIgnore);  // 901 missing
  EXPECT_EQ(c.on_provisional(provisional(180, "Require: 100rel\r\nRSeq: 901\r\n")).action, A::kPrack);
  EXPECT_EQ(c.on_provisional(provisional(180, "Require: 100rel\r\nRSeq: 902\r\n")).action, A::kPrack);
  EXPECT_EQ(c.on_provisional(provisional(180, "Require: 100rel\r\n")).action, A::kIgnore);  // no RSeq
  EXPECT_EQ(c.on_provisional(provisional(180, "Require: 100rel\r\nRSeq: 0\r\n")).action, A::kIgnore);
}

TEST(ReliableProvisionalsUac, EachForkedEarlyDialogHasItsOwnSequence) {
  using A = ReliableProvisionalsUac::Action;
  ReliableProvisionalsUac c(ExtensionPolicy::kSupported, true);
  EXPECT_EQ(c.on_provisional(provisional(180, "Require: 100rel\r\nRSeq: 10\r\n", "x")).action, A::kPrack);
  EXPECT_EQ(c.on_provisional(provisional(180, "Require: 100rel\r\nRSeq: 500\r\n", "y")).action, A::kPrack);
  EXPECT_EQ(c.on_provisional(provisional(183, "Require: 100rel\r\nRSeq: 11\r\n", "x")).action, A::kPrack);
  EXPECT_EQ(c.on_provisional(provisional(183, "Require: 100rel\r\nRSeq: 11\r\n", "y")).action, A::kIgnore);
}

TEST(ReliableProvisionalsUac, EarlyDialogsBeyondSixteenAreNotTracked) {
  using A = ReliableProvisionalsUac::Action;
  ReliableProvisionalsUac c(ExtensionPolicy::kSupported, true);
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(c.on_provisional(provisional(180, "Require: 100rel\r\nRSeq: 1\r\n", "t" + std::to_string(i))).action,
              A::kPrack);
  }
  EXPECT_EQ(c.on_provisional(provisional(180, "Require: 100rel\r\nRSeq: 1\r\n", "t16")).action, A::kIgnore);
}

TEST(ReliableProvisionalsUac, TheFirstSdpOfAnEarlyDialogIsAnOfferOnlyWhenTheInviteHadNone) {
  ReliableProvisionalsUac late(ExtensionPolicy::kSupported, false);
  auto first = late.on_provisional(provisional(183, "Require: 100rel\r\nRSeq: 1\r\n", "b", kSdp));
  EXPECT_EQ(first.action, ReliableProvisionalsUac::Action::kPrack);
  EXPECT_TRUE(first.offer);
  EXPECT_FALSE(late.on_provisional(provisional(183, "Require: 100rel\r\nRSeq: 2\r\n", "b", kSdp)).offer);

  ReliableProvisionalsUac early(ExtensionPolicy::kSupported, true);
  EXPECT_FALSE(early.on_provisional(provisional(183, "Require: 100rel\r\nRSeq: 1\r\n", "b", kSdp)).offer);
}

TEST(ReliableProvisionalsUac, PolicyOffPracksNothing) {
  ReliableProvisionalsUac c(ExtensionPolicy::kOff, true);
  EXPECT_EQ(c.on_provisional(provisional(183, "Require: 100rel\r\nRSeq: 1\r\n")).action,
            ReliableProvisionalsUac::Action::kUnreliable);
}

// ---------------------------------------------------------------- both legs

// Caller -> [leg A: sipnic UAS] sipnic [leg B: sipnic UAC] -> callee. The
// callee sends a reliable 183 with SDP; sipnic PRACKs it on leg B and relays
// it reliably on leg A, where the caller PRACKs it; the callee's 200 is held
// on leg A until that PRACK. The far ends are played by the same classes.
TEST(ReliableProvisionals, Reliable183WithSdpIsPrackedOnBothLegsAndHoldsThe2xx) {
  const core::SocketAddress caller_addr = *core::SocketAddress::from_ip("127.0.0.1", 5060);
  // Leg A: the caller's INVITE (with an offer) reaches sipnic.
  ReliableProvisionalsUac caller(ExtensionPolicy::kSupported, true);
  SipMessage a_invite = invite(caller.request_headers(), 7);
  ReliableProvisionalsUas leg_a(ExtensionPolicy::kSupported, 99);
  ASSERT_EQ(leg_a.on_invite(a_invite).reject, 0);
  ASSERT_TRUE(leg_a.reliable());

  // Leg B: sipnic's INVITE to the callee, who answers with a reliable 183.
  ReliableProvisionalsUac leg_b(ExtensionPolicy::kSupported, true);
  OutgoingRequest b_req;
  b_req.method = "INVITE";
  b_req.uri = "sip:bob@127.0.0.3";
  b_req.via = "SIP/2.0/UDP 127.0.0.2;branch=z9hG4bKb1";
  b_req.from = "<sip:alice@127.0.0.2>;tag=sipnicb";
  b_req.to = "<sip:bob@127.0.0.3>";
  b_req.call_id = "legb";
  b_req.cseq = 1;
  b_req.contact = "<sip:127.0.0.2>";
  b_req.headers = leg_b.request_headers();
  b_req.content_type = "application/sdp";
  b_req.body = kSdp;
  SipMessage b_invite = parse_sip(b_req.serialize());
  ReliableProvisionalsUas callee(ExtensionPolicy::kSupported, 4000);
  ASSERT_EQ(callee.on_invite(b_invite).reject, 0);
  const std::string b183_headers = callee.next_headers();  // ResponseExtras holds views
  ResponseExtras b183{"calleetag", b183_headers, "application/sdp", kSdp, nullptr};
  std::string b183_bytes = build_response(b_invite, 183, "Session Progress", b183);
  callee.sent(b183_bytes, true, 500ms);
  SipMessage b183_msg = parse_sip(b183_bytes);

  // sipnic PRACKs the callee's 183 on leg B (the RAck names it) ...
  ASSERT_EQ(leg_b.on_provisional(b183_msg).action, ReliableProvisionalsUac::Action::kPrack);
  Dialog b_dialog = Dialog::as_uac(b_req, b183_msg);
  auto b_prack = b_dialog.prack(b183_msg);
  ASSERT_TRUE(b_prack);
  b_prack->via = "SIP/2.0/UDP 127.0.0.2;branch=z9hG4bKb2";
  auto callee_answer = callee.on_prack(parse_sip(b_prack->serialize()));
  EXPECT_EQ(callee_answer.status, 200);
  EXPECT_TRUE(callee.can_send_2xx());

  // ... and relays it reliably to the caller on leg A, SDP and all.
  ASSERT_FALSE(leg_a.must_hold());
  const std::string a183_headers = leg_a.next_headers();
  ResponseExtras a183{"sipnica", a183_headers, "application/sdp", b183_msg.body(), &caller_addr};
  std::string a183_bytes = build_response(a_invite, 183, "Session Progress", a183);
  EXPECT_EQ(leg_a.sent(a183_bytes, true, 500ms), 500ms);
  SipMessage a183_msg = parse_sip(a183_bytes);
  EXPECT_EQ(*parse_rseq(a183_msg.header(HeaderId::kRSeq)), 100u);  // leg A's own RSeq space
  EXPECT_EQ(a183_msg.body(), kSdp);

  // The callee answers 200 on leg B; on leg A it waits for the caller's PRACK.
  EXPECT_FALSE(leg_a.can_send_2xx());
  EXPECT_EQ(leg_a.on_timer().resend, a183_bytes);  // the caller's PRACK is late: 183 again
  ASSERT_EQ(caller.on_provisional(a183_msg).action, ReliableProvisionalsUac::Action::kPrack);
  OutgoingRequest a_req;
  a_req.method = "INVITE";
  a_req.uri = "sip:bob@127.0.0.2";
  a_req.from = "<sip:alice@127.0.0.1>;tag=a";
  a_req.to = "<sip:bob@127.0.0.2>";
  a_req.call_id = "rp1";
  a_req.cseq = 7;
  Dialog caller_dialog = Dialog::as_uac(a_req, a183_msg);
  auto a_prack = caller_dialog.prack(a183_msg);
  ASSERT_TRUE(a_prack);
  a_prack->via = "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKa2";
  auto a_answer = leg_a.on_prack(parse_sip(a_prack->serialize()));
  EXPECT_EQ(a_answer.status, 200);
  EXPECT_TRUE(a_answer.released);
  EXPECT_TRUE(leg_a.can_send_2xx());
}

}  // namespace
}  // namespace sipnic::sip
