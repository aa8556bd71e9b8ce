// Tests for host/interwork/b2bua.cpp: whole call flows through the B2BUA
// with the SIP stack under it replaced by FakeStack (sip::Stack in-process),
// which records every request, response and stateless send, lets the test
// answer as the far ends, and runs its timers on a core::ManualClock. Every
// message is real SIP text parsed by the CPU parse engine.
//
// The trunks: `pbx` at 127.0.0.2 (the caller, leg A) and `carrier` at
// 127.0.0.3 (the callee, leg B); sipnic is 127.0.0.1. T1 = 500 ms, T2 = 4 s.
#include "interwork/b2bua.h"

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "support/fake_stack.h"
#include "support/stir_test_pki.h"
#include "support/sip_message.h"
#include "sip/digest.h"
#include "sip/header_values.h"
#include "sip/response_builder.h"

namespace sipnic::interwork {
namespace {

using namespace std::chrono_literals;
using core::Transport;
using offload::HeaderId;
using sip::SipMessage;
using test::FakeIncoming;
using test::FakeStack;
using test::parse_sip;

core::SocketAddress addr(const std::string& ip, std::uint16_t port) { return *core::SocketAddress::from_ip(ip, port); }

std::vector<std::string> values(const SipMessage& m, HeaderId id) {
  std::vector<std::string> out;
  for (const auto& h : m.view().all(id)) out.emplace_back(m.value(h));
  return out;
}


const std::string kSdp = "v=0\r\no=caller 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n"
                         "m=audio 40000 RTP/AVP 0\r\n";

// A request from a peer, as text.
struct PeerRequest {
  std::string method = "INVITE";
  std::string uri = "sip:+441234@127.0.0.1:5060";
  std::string via = "SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKcaller1";
  std::string from = "\"Alice\" <sip:1000@127.0.0.2>;tag=callertag";
  std::string to = "<sip:+441234@127.0.0.1>";
  std::string call_id = "caller-call-1@127.0.0.2";
  std::uint32_t cseq = 1;
  std::string cseq_method;  // "" = method
  std::string contact = "<sip:alice@127.0.0.2:5060>";
  std::string headers;      // more lines
  std::string body;
  std::string text() const {
    std::string m = method + " " + uri + " SIP/2.0\r\nVia: " + via + "\r\nMax-Forwards: 70\r\n";
    m += "From: " + from + "\r\nTo: " + to + "\r\nCall-ID: " + call_id + "\r\n";
    m += "CSeq: " + std::to_string(cseq) + " " + (cseq_method.empty() ? method : cseq_method) + "\r\n";
    if (!contact.empty()) m += "Contact: " + contact + "\r\n";
    m += headers;
    if (!body.empty()) m += "Content-Type: application/sdp\r\n";
    m += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return m;
  }
};

core::TrunkConfig trunk(const std::string& name, const std::string& ip, Transport t = Transport::kUdp) {
  core::TrunkConfig c;
  c.name = name;
  c.transport = t;
  c.peer = {ip, static_cast<std::uint16_t>(t == Transport::kTls ? 5061 : 5060)};
  if (t == Transport::kTls) c.tls_identities = {name + ".sipnic.test"};
  return c;
}

class B2buaTest : public ::testing::Test {
 protected:
  B2buaTest() {
    config_.trunks = {trunk("pbx", "127.0.0.2"), trunk("carrier", "127.0.0.3")};
    config_.routes = {{"pbx-out", "", "pbx", "carrier", 0, "", {}, {}}, {"carrier-in", "", "carrier", "pbx", 0, "", {}, {}}};
  }
  ~B2buaTest() override { b2bua_.reset(); }

  void start() {
    for (const auto& t : config_.trunks) trunks_.push_back(std::make_unique<TrunkState>(t));
    b2bua_ = std::make_unique<B2bua>(config_, trunks_, stack_, log_, metrics_, 0,
                                     [this] { return "leg-b-" + std::to_string(++call_ids_) + "@sipnic"; }, options_);
  }
  TrunkState& trunk_state(const std::string& name) {
    for (auto& t : trunks_)
      if (t->name() == name) return *t;
    throw std::runtime_error("no trunk " + name);
  }

  // A request from `source` over `transport`, handed to the B2BUA.
  std::shared_ptr<FakeIncoming> deliver(const PeerRequest& r, const core::SocketAddress& source = addr("127.0.0.2", 5060),
                                        Transport transport = Transport::kUdp, sip::ConnectionRef connection = {},
                                        std::string peer_trunk = {}) {
    auto tx = std::make_shared<FakeIncoming>(parse_sip(r.text()), sip::Target{transport, source, connection, peer_trunk},
                                             source);
    if (r.method == "INVITE") stack_.invites.push_back(tx);
    b2bua_->on_request(tx);
    return tx;
  }
  void deliver_ack(const PeerRequest& ack, const core::SocketAddress& source = addr("127.0.0.2", 5060)) {
    sip::Received rx{parse_sip(ack.text()), Transport::kUdp, source, addr("127.0.0.1", 5060), {}, {}};
    b2bua_->on_ack(std::move(rx));
  }
  // The far end answers a request sipnic sent (`to_tag` added to To).
  void answer(const FakeStack::Sent& s, int status, const std::string& headers = {}, const std::string& to_tag = "calleetag",
              const std::string& body = {}) {
    test::answer_sent(s, status, headers, to_tag, body.empty() ? "" : "application/sdp", body);
  }
  void time_out(const FakeStack::Sent& s, int status = 408) {
    auto handler = s.handler;
    handler(sip::ClientResult{nullptr, status});
  }
  void settle() { loop_.run_once(); }  // posted work: the resolver's answers
  void advance(core::Clock::duration d) { loop_.advance(clock_, d); }

  // The caller's INVITE, resolved and sent on as leg B; returns A's transaction.
  std::shared_ptr<FakeIncoming> call(const PeerRequest& invite = invite_with_sdp()) {
    auto tx = deliver(invite);
    settle();
    return tx;
  }
  static PeerRequest invite_with_sdp() {
    PeerRequest r;
    r.body = kSdp;
    return r;
  }
  // A call answered by the callee (`ok_headers` on its 200) and ACKed by the caller.
  std::shared_ptr<FakeIncoming> answered_call(const std::string& ok_headers = "Contact: <sip:callee@127.0.0.3:5060>\r\n",
                                              const PeerRequest& invite = invite_with_sdp()) {
    auto tx = call(invite);
    EXPECT_EQ(stack_.sent("INVITE").size(), 1u);
    answer(*stack_.sent("INVITE").back(), 200, ok_headers);
    deliver_ack(ack_of(invite, tx));
    return tx;
  }
  // The caller's ACK for the 2xx its INVITE got.
  static PeerRequest ack_of(const PeerRequest& invite, const std::shared_ptr<FakeIncoming>& tx) {
    PeerRequest ack = invite;
    ack.method = "ACK";
    ack.via = "SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKcallerack";
    ack.to = std::string(tx->last().header(HeaderId::kTo));
    ack.contact.clear();
    ack.body.clear();
    return ack;
  }
  // A request from the caller within its dialog (To tag from sipnic's answer).
  static PeerRequest in_dialog_from_caller(const std::shared_ptr<FakeIncoming>& invite_tx, const std::string& method,
                                           std::uint32_t cseq) {
    PeerRequest r;
    r.method = method;
    r.uri = "sip:127.0.0.1:5060";
    r.via = "SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKcaller" + method + std::to_string(cseq);
    r.to = std::string(invite_tx->last().header(HeaderId::kTo));
    r.cseq = cseq;
    return r;
  }
  // A request from the callee within leg B's dialog (From/To swapped).
  PeerRequest in_dialog_from_callee(const std::string& method, std::uint32_t cseq,
                                    const std::string& contact = "<sip:callee@127.0.0.3:5060>") {
    SipMessage invite_b = stack_.sent("INVITE").front()->message();
    PeerRequest r;
    r.method = method;
    r.uri = "sip:127.0.0.1:5060";
    r.via = "SIP/2.0/UDP 127.0.0.3:5060;branch=z9hG4bKcallee" + method + std::to_string(cseq);
    r.from = std::string(invite_b.header(HeaderId::kTo)) + ";tag=calleetag";
    r.to = std::string(invite_b.header(HeaderId::kFrom));
    r.call_id = std::string(invite_b.header(HeaderId::kCallId));
    r.cseq = cseq;
    r.contact = contact;
    return r;
  }
  std::size_t log_lines_with(std::string_view text) const {
    std::size_t n = 0;
    for (const auto& l : log_lines_)
      if (l.find(text) != std::string::npos) ++n;
    return n;
  }

  core::ManualClock clock_;
  core::MetricsRegistry metrics_{1};
  core::EventLoop loop_{clock_};
  std::vector<std::string> log_lines_;
  core::Log log_{core::LogLevel::kInfo, [this](core::LogLevel, std::string_view line) { log_lines_.emplace_back(line); }};
  core::Config config_;
  std::vector<std::unique_ptr<TrunkState>> trunks_;
  FakeStack stack_{loop_};
  std::uint64_t call_ids_ = 0;
  B2buaOptions options_;
  std::unique_ptr<B2bua> b2bua_;
};

// ---- a basic call ---------------------------------------------------------------

TEST_F(B2buaTest, BasicCallIsTwoDialogsAndNothingOfTheCallersAddressingReachesTheCallee) {
  start();
  PeerRequest invite = invite_with_sdp();
  invite.headers = "Record-Route: <sip:127.0.0.2:5090;lr>\r\nSubject: hello\r\n";
  auto a = call(invite);
  EXPECT_EQ(a->statuses(), (std::vector<int>{100}));
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 1u);
  const auto& b = *invites[0];
  EXPECT_EQ(b.target.address, addr("127.0.0.3", 5060));
  EXPECT_EQ(b.target.trunk, "carrier");
  SipMessage m = b.message();
  EXPECT_EQ(m.uri(), "sip:+441234@127.0.0.3:5060");
  // Topology hiding: no Via, Contact, Record-Route, Call-ID, tag or address of leg A.
  EXPECT_EQ(b.wire.find("127.0.0.2:5060;branch"), std::string::npos) << b.wire;
  EXPECT_EQ(b.wire.find("z9hG4bKcaller1"), std::string::npos) << b.wire;
  EXPECT_EQ(b.wire.find("caller-call-1"), std::string::npos) << b.wire;
  EXPECT_EQ(b.wire.find("callertag"), std::string::npos) << b.wire;
  EXPECT_EQ(b.wire.find("alice@"), std::string::npos) << b.wire;
  EXPECT_FALSE(m.has(HeaderId::kRecordRoute));
  EXPECT_FALSE(m.has(HeaderId::kRoute));
  EXPECT_EQ(m.header(HeaderId::kContact), "<sip:127.0.0.1:5060>");
  EXPECT_EQ(m.header(HeaderId::kFrom).substr(0, 28), "\"Alice\" <sip:1000@127.0.0.1>");
  // End to end: the SDP and the Subject.
  EXPECT_EQ(m.body(), kSdp);
  EXPECT_EQ(m.header(HeaderId::kSubject), "hello");

  answer(b, 180, "Contact: <sip:callee@127.0.0.3:5060>\r\n");
  ASSERT_EQ(a->statuses(), (std::vector<int>{100, 180}));
  SipMessage ringing = a->last();
  std::string our_tag(sip::parse_name_addr(ringing.header(HeaderId::kTo))->tag());
  EXPECT_FALSE(our_tag.empty());
  EXPECT_EQ(ringing.header(HeaderId::kContact), "<sip:127.0.0.1:5060>");
  EXPECT_EQ(a->responses.back().second.find("callee@"), std::string::npos);  // nothing of leg B either

  answer(b, 200, "Contact: <sip:callee@127.0.0.3:5060>\r\n", "calleetag", "v=0\r\n");
  ASSERT_EQ(a->statuses(), (std::vector<int>{100, 180, 200}));
  EXPECT_EQ(a->last().body(), "v=0\r\n");
  EXPECT_EQ(b2bua_->stats().calls_answered.value(), 1u);

  // The caller's ACK goes on to the callee, end to end, in B's dialog.
  deliver_ack(ack_of(invite, a));
  auto acks = stack_.stateless_of("ACK");
  ASSERT_EQ(acks.size(), 1u);
  SipMessage ack = acks[0]->message();
  EXPECT_EQ(ack.uri(), "sip:callee@127.0.0.3:5060");
  EXPECT_EQ(ack.header(HeaderId::kCSeq), "1 ACK");
  EXPECT_EQ(ack.header(HeaderId::kCallId), m.header(HeaderId::kCallId));
  EXPECT_EQ(acks[0]->target.address, addr("127.0.0.3", 5060));

  // The caller hangs up.
  auto bye_a = deliver(in_dialog_from_caller(a, "BYE", 2));
  auto byes = stack_.sent("BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(byes[0]->message().header(HeaderId::kCSeq), "2 BYE");
  answer(*byes[0], 200, {}, "");
  EXPECT_EQ(bye_a->statuses(), (std::vector<int>{200}));
  EXPECT_EQ(b2bua_->stats().calls_active.value(), 0);
  EXPECT_EQ(trunk_state("pbx").active_calls(), 0u);
  EXPECT_EQ(trunk_state("carrier").active_calls(), 0u);
}

TEST_F(B2buaTest, HeadersCrossByTheirRulesBothWays) {
  start();
  PeerRequest invite = invite_with_sdp();
  invite.headers =
      "P-Asserted-Identity: <sip:1000@10.1.1.5;user=phone>\r\nPrivacy: none\r\nSupported: 100rel, timer\r\n"
      "Allow: INVITE, ACK, BYE, REFER, NOTIFY\r\nUser-Agent: InsidePBX 4.2\r\nX-Inside-Route: 10.1.1.9\r\n";
  auto a = call(invite);
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 1u);
  const auto& b = *invites[0];
  SipMessage m = b.message();
  // Rewritten: the identity with sipnic's host on leg B; relayed: Privacy.
  EXPECT_EQ(m.header(HeaderId::kPAssertedIdentity), "<sip:1000@127.0.0.1;user=phone>");
  EXPECT_EQ(m.header(HeaderId::kPrivacy), "none");
  // Generated: sipnic's own Allow and Supported (what it does on leg B), not
  // the caller's; dropped: the product and the unknown header.
  EXPECT_EQ(m.header(HeaderId::kAllow), "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, INFO, REFER, SUBSCRIBE, NOTIFY, MESSAGE, PUBLISH");
  EXPECT_EQ(values(m, HeaderId::kSupported), (std::vector<std::string>{"timer", "100rel"}));
  EXPECT_FALSE(m.has(HeaderId::kUserAgent));
  EXPECT_EQ(b.wire.find("10.1.1."), std::string::npos) << b.wire;

  answer(b, 180, "Contact: <sip:callee@127.0.0.3:5060>\r\nServer: CarrierSBC\r\nWarning: 399 127.0.0.3 \"x\"\r\n"
                 "Alert-Info: <urn:alert:service:call-waiting>\r\n");
  ASSERT_EQ(a->statuses(), (std::vector<int>{100, 180}));
  SipMessage ringing = a->last();
  EXPECT_EQ(ringing.header(HeaderId::kAllow), "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, INFO, REFER, SUBSCRIBE, NOTIFY, MESSAGE, PUBLISH");
  EXPECT_FALSE(ringing.has(HeaderId::kServer));
  EXPECT_EQ(a->responses.back().second.find("Warning"), std::string::npos);
  EXPECT_NE(a->responses.back().second.find("Alert-Info: <urn:alert:service:call-waiting>"), std::string::npos);
}

// ---- two-sided nodes ---------------------------------------------------------------

TEST_F(B2buaTest, EachLegNamesItsOwnTrunksLocalAddressInViaFromAndContact) {
  // pbx's leg on the inside address, carrier's on the outside one.
  stack_.trunk_locals = {{"pbx", addr("127.0.0.11", 0)}, {"carrier", addr("127.0.0.12", 0)}};
  start();
  auto a = call();
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 1u);
  const auto& b = *invites[0];
  SipMessage m = b.message();
  EXPECT_EQ(m.header(HeaderId::kVia).substr(0, 29), "SIP/2.0/UDP 127.0.0.12:5060;b");
  EXPECT_EQ(m.header(HeaderId::kContact), "<sip:127.0.0.12:5060>");
  EXPECT_EQ(m.header(HeaderId::kFrom).substr(0, 29), "\"Alice\" <sip:1000@127.0.0.12>");
  EXPECT_EQ(b.wire.find("127.0.0.11"), std::string::npos) << b.wire;
  answer(b, 200, "Contact: <sip:callee@127.0.0.3:5060>\r\n");
  // Leg A's answer names the inside address.
  EXPECT_EQ(a->last().header(HeaderId::kContact), "<sip:127.0.0.11:5060>");
  deliver_ack(ack_of(invite_with_sdp(), a));
  deliver(in_dialog_from_caller(a, "BYE", 2));
  for (const auto* ack : stack_.stateless_of("ACK")) EXPECT_EQ(ack->bytes.find("127.0.0.11"), std::string::npos) << ack->bytes;
  ASSERT_EQ(stack_.stateless_of("ACK").size(), 1u);
  EXPECT_NE(stack_.stateless_of("ACK")[0]->bytes.find("Via: SIP/2.0/UDP 127.0.0.12:5060"), std::string::npos);
  ASSERT_EQ(stack_.sent("BYE").size(), 1u);
  EXPECT_EQ(stack_.sent("BYE")[0]->wire.find("127.0.0.11"), std::string::npos) << stack_.sent("BYE")[0]->wire;
  EXPECT_NE(stack_.sent("BYE")[0]->wire.find("Via: SIP/2.0/UDP 127.0.0.12:5060"), std::string::npos);
}

TEST_F(B2buaTest, TheOptionsPingOfATrunkNamesItsLocalAddress) {
  stack_.trunk_locals = {{"pbx", addr("127.0.0.11", 0)}, {"carrier", addr("127.0.0.12", 0)}};
  start();
  b2bua_->ping(trunk_state("carrier"), [](bool) {});
  settle();
  auto pings = stack_.sent("OPTIONS");
  ASSERT_EQ(pings.size(), 1u);
  EXPECT_EQ(pings[0]->target.trunk, "carrier");
  SipMessage m = pings[0]->message();
  EXPECT_EQ(m.header(HeaderId::kFrom).substr(0, 26), "<sip:ping@127.0.0.12>;tag=");
  EXPECT_EQ(m.header(HeaderId::kVia).substr(0, 28), "SIP/2.0/UDP 127.0.0.12:5060;");
}

// ---- routes and targets -----------------------------------------------------------

TEST_F(B2buaTest, ATrunkThatTakesHistoryInfoGetsTheCallersDiversionAsHistoryInfo) {
  config_.trunks[1].redirection = core::RedirectionHeader::kHistoryInfo;
  start();
  PeerRequest invite = invite_with_sdp();
  invite.headers = "Diversion: <sip:+441000@10.1.1.5;user=phone>;reason=user-busy;counter=1\r\n";
  call(invite);
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 1u);
  SipMessage m = invites[0]->message();
  EXPECT_FALSE(m.has(HeaderId::kDiversion));
  EXPECT_EQ(m.header(HeaderId::kHistoryInfo),
            "<sip:+441000@127.0.0.1;user=phone>;index=1, <sip:+441234@127.0.0.3:5060;cause=486>;index=1.1;mp=1");
}


TEST_F(B2buaTest, Rfc4458TargetAndCauseCrossWithTheRequestUriAndSelectTheRoute) {
  // A voicemail trunk takes the calls diverted on busy (cause 486).
  config_.trunks.push_back(trunk("voicemail", "127.0.0.4"));
  core::RouteConfig vm{"voicemail", "", "pbx", "voicemail", 0, "", {}, {"target", "cause=486"}};
  config_.routes.insert(config_.routes.begin(), vm);
  start();
  PeerRequest diverted = invite_with_sdp();
  diverted.uri = "sip:+441234@127.0.0.1:5060;user=phone;target=sip:%2B441000%40127.0.0.2;cause=486";
  call(diverted);
  PeerRequest plain = invite_with_sdp();
  plain.call_id = "caller-call-2@127.0.0.2";
  plain.via = "SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKcaller2";
  call(plain);
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 2u);
  EXPECT_EQ(invites[0]->target.trunk, "voicemail");
  EXPECT_EQ(invites[0]->message().uri(), "sip:+441234@127.0.0.4:5060;target=sip:+441000%40127.0.0.1;cause=486");
  EXPECT_EQ(invites[1]->target.trunk, "carrier");
  EXPECT_EQ(invites[1]->message().uri(), "sip:+441234@127.0.0.3:5060");
}


TEST_F(B2buaTest, RecordRouteOfTheCallerIsEchoedIn18xAnd2xxAndIsTheRouteSetTowardIt) {
  start();
  PeerRequest invite = invite_with_sdp();
  invite.headers = "Record-Route: <sip:127.0.0.4:5070;lr;ftag=x>\r\nRecord-Route: <sip:127.0.0.5;lr>\r\n";
  auto a = call(invite);
  const auto& b = *stack_.sent("INVITE")[0];
  EXPECT_EQ(b.wire.find("127.0.0.4"), std::string::npos);  // leg A's proxies stay on leg A
  answer(b, 183, "Contact: <sip:callee@127.0.0.3:5060>\r\n");
  EXPECT_EQ(values(a->last(), HeaderId::kRecordRoute),
            (std::vector<std::string>{"<sip:127.0.0.4:5070;lr;ftag=x>", "<sip:127.0.0.5;lr>"}));
  answer(b, 200, "Contact: <sip:callee@127.0.0.3:5060>\r\n");
  EXPECT_EQ(values(a->last(), HeaderId::kRecordRoute),
            (std::vector<std::string>{"<sip:127.0.0.4:5070;lr;ftag=x>", "<sip:127.0.0.5;lr>"}));
  deliver_ack(ack_of(invite, a));

  // The callee hangs up: the BYE to the caller goes to its first proxy, with
  // the route set as Route and the caller's Contact as Request-URI.
  auto bye_b = deliver(in_dialog_from_callee("BYE", 1), addr("127.0.0.3", 5060));
  auto byes = stack_.sent("BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(byes[0]->target.address, addr("127.0.0.4", 5070));
  EXPECT_EQ(byes[0]->target.transport, Transport::kUdp);
  SipMessage bye = byes[0]->message();
  EXPECT_EQ(bye.uri(), "sip:alice@127.0.0.2:5060");
  EXPECT_EQ(values(bye, HeaderId::kRoute),
            (std::vector<std::string>{"<sip:127.0.0.4:5070;lr;ftag=x>", "<sip:127.0.0.5;lr>"}));
  EXPECT_EQ(std::string(sip::parse_name_addr(bye.header(HeaderId::kTo))->tag()), "callertag");
  answer(*byes[0], 200, {}, "");
  EXPECT_EQ(bye_b->statuses(), (std::vector<int>{200}));
}

TEST_F(B2buaTest, InDialogRequestsToTheCalleeGoToItsRemoteTargetNotToTheTrunkPeer) {
  start();
  // The callee's 200 names another host and port than the trunk's peer.
  auto a = answered_call("Contact: <sip:gw7@127.0.0.6:5080>\r\n");
  auto acks = stack_.stateless_of("ACK");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0]->target.address, addr("127.0.0.6", 5080));
  EXPECT_EQ(acks[0]->message().uri(), "sip:gw7@127.0.0.6:5080");
  deliver(in_dialog_from_caller(a, "BYE", 2));
  ASSERT_EQ(stack_.sent("BYE").size(), 1u);
  EXPECT_EQ(stack_.sent("BYE")[0]->target.address, addr("127.0.0.6", 5080));
  EXPECT_EQ(stack_.sent("BYE")[0]->target.trunk, "carrier");
}

TEST_F(B2buaTest, InDialogRequestsToTheCalleeFollowItsRouteSetLooseOrStrict) {
  start();
  // Loose: the 200's Record-Route reversed is the route set; the ACK goes to
  // its first entry, the proxy next to sipnic, with the Contact as Request-URI.
  auto a = answered_call("Contact: <sip:gw7@127.0.0.6:5080>\r\n"
                         "Record-Route: <sip:127.0.0.8;lr>, <sip:127.0.0.7:5070;transport=tcp;lr>\r\n");
  auto acks = stack_.stateless_of("ACK");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0]->target.address, addr("127.0.0.7", 5070));
  EXPECT_EQ(acks[0]->target.transport, Transport::kTcp);  // the route's ;transport=
  SipMessage ack = acks[0]->message();
  EXPECT_EQ(ack.uri(), "sip:gw7@127.0.0.6:5080");
  EXPECT_EQ(values(ack, HeaderId::kRoute),
            (std::vector<std::string>{"<sip:127.0.0.7:5070;transport=tcp;lr>", "<sip:127.0.0.8;lr>"}));
  deliver(in_dialog_from_caller(a, "INFO", 2));
  ASSERT_EQ(stack_.sent("INFO").size(), 1u);
  EXPECT_EQ(stack_.sent("INFO")[0]->target.address, addr("127.0.0.7", 5070));
}

TEST_F(B2buaTest, StrictRouteFromTheCalleeBecomesTheRequestUriAndItsContactTheLastRoute) {
  start();
  answered_call("Contact: <sip:gw7@127.0.0.6:5080>\r\nRecord-Route: <sip:127.0.0.7:5070>\r\n");
  auto acks = stack_.stateless_of("ACK");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0]->target.address, addr("127.0.0.7", 5070));
  SipMessage ack = acks[0]->message();
  EXPECT_EQ(ack.uri(), "sip:127.0.0.7:5070");
  EXPECT_EQ(values(ack, HeaderId::kRoute), (std::vector<std::string>{"<sip:gw7@127.0.0.6:5080>"}));
}

TEST_F(B2buaTest, AHostNameNextHopIsResolvedOnceAndRequestsWaitForItInOrder) {
  start();
  stack_.dns["gw.carrier.test"] = {{Transport::kUdp, "127.0.0.6", 5090, "gw.carrier.test"}};
  auto a = answered_call("Contact: <sip:gw7@gw.carrier.test>\r\n");
  // The ACK waits for the name; the BYE right behind it waits too.
  EXPECT_TRUE(stack_.stateless_of("ACK").empty());
  deliver(in_dialog_from_caller(a, "BYE", 2));
  EXPECT_TRUE(stack_.sent("BYE").empty());
  settle();
  ASSERT_EQ(stack_.stateless_of("ACK").size(), 1u);
  ASSERT_EQ(stack_.sent("BYE").size(), 1u);
  EXPECT_EQ(stack_.stateless_of("ACK")[0]->target.address, addr("127.0.0.6", 5090));
  EXPECT_EQ(stack_.sent("BYE")[0]->target.address, addr("127.0.0.6", 5090));
  EXPECT_EQ(stack_.resolutions["gw.carrier.test"], 1);
}

TEST_F(B2buaTest, OverTcpTheByeToTheCallerReusesTheConnectionItsInviteCameOn) {
  config_.trunks[0].transport = Transport::kTcp;
  start();
  PeerRequest invite = invite_with_sdp();
  invite.via = "SIP/2.0/TCP 127.0.0.2:40123;branch=z9hG4bKcaller1";
  invite.contact = "<sip:alice@127.0.0.2:5060;transport=tcp>";
  auto a = deliver(invite, addr("127.0.0.2", 40123), Transport::kTcp, sip::ConnectionRef{0, 7});
  settle();
  answer(*stack_.sent("INVITE")[0], 200, "Contact: <sip:callee@127.0.0.3:5060>\r\n");
  deliver_ack(ack_of(invite, a));
  deliver(in_dialog_from_callee("BYE", 1), addr("127.0.0.3", 5060));
  auto byes = stack_.sent("BYE");
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(byes[0]->target.transport, Transport::kTcp);
  EXPECT_EQ(byes[0]->target.address, addr("127.0.0.2", 5060));  // the Contact's port ...
  EXPECT_EQ(byes[0]->target.connection.id, 7u);                // ... over the caller's own connection
}

// ---- CANCEL -------------------------------------------------------------------------

TEST_F(B2buaTest, CancelBeforeAnyProvisionalIsHeldUntilTheCalleeSendsOne) {
  start();
  PeerRequest invite = invite_with_sdp();
  auto a = call(invite);
  PeerRequest cancel = invite;
  cancel.method = "CANCEL";
  cancel.body.clear();
  cancel.contact.clear();
  auto cancel_tx = deliver(cancel);
  EXPECT_EQ(cancel_tx->statuses(), (std::vector<int>{200}));
  EXPECT_EQ(a->statuses(), (std::vector<int>{100, 487}));
  // RFC 3261 §9.1: no CANCEL before the callee sent a provisional.
  EXPECT_TRUE(stack_.sent("CANCEL").empty());
  const auto& b = *stack_.sent("INVITE")[0];
  answer(b, 180);
  auto cancels = stack_.sent("CANCEL");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0]->request.via, b.request.via);  // it matches the INVITE
  EXPECT_EQ(cancels[0]->target.address, b.target.address);
  answer(b, 487);
  EXPECT_EQ(a->statuses(), (std::vector<int>{100, 487}));  // nothing more to the caller
  EXPECT_EQ(b2bua_->stats().calls_active.value(), 0);
  EXPECT_EQ(b2bua_->stats().calls_answered.value(), 0u);
}

TEST_F(B2buaTest, AnAnswerCrossingTheCancelIsAckedAndHungUp) {
  start();
  PeerRequest invite = invite_with_sdp();
  auto a = call(invite);
  const auto& b = *stack_.sent("INVITE")[0];
  answer(b, 180, "Contact: <sip:callee@127.0.0.3:5060>\r\n");
  PeerRequest cancel = invite;
  cancel.method = "CANCEL";
  cancel.body.clear();
  cancel.contact.clear();
  deliver(cancel);
  ASSERT_EQ(stack_.sent("CANCEL").size(), 1u);
  answer(b, 200, "Contact: <sip:callee@127.0.0.3:5060>\r\n");  // the 200 crossed the CANCEL
  EXPECT_EQ(a->statuses(), (std::vector<int>{100, 180, 487}));
  ASSERT_EQ(stack_.stateless_of("ACK").size(), 1u);
  ASSERT_EQ(stack_.sent("BYE").size(), 1u);
  EXPECT_EQ(stack_.sent("BYE")[0]->target.address, addr("127.0.0.3", 5060));
  // A retransmission of that 200 gets the same ACK again.
  sip::ResponseExtras x{.to_tag = "calleetag", .headers = "Contact: <sip:callee@127.0.0.3:5060>\r\n"};
  sip::Received again{parse_sip(sip::build_response(b.message(), 200, {}, x)), Transport::kUdp, addr("127.0.0.3", 5060),
                      addr("127.0.0.1", 5060), {}, {}};
  b2bua_->on_stray_response(std::move(again));
  ASSERT_EQ(stack_.stateless_of("ACK").size(), 2u);
  EXPECT_EQ(stack_.stateless_of("ACK")[1]->bytes, stack_.stateless_of("ACK")[0]->bytes);
}

// ---- failover and timers --------------------------------------------------------------

TEST_F(B2buaTest, A503OrATimeoutFailsTheCallOverToTheNextTarget) {
  config_.trunks[1].peer = {"carrier.test", 0};
  stack_.dns["carrier.test"] = {{Transport::kUdp, "127.0.0.3", 5060, "a.carrier.test"},
                                {Transport::kUdp, "127.0.0.13", 5060, "b.carrier.test"},
                                {Transport::kUdp, "127.0.0.23", 5060, "c.carrier.test"}};
  start();
  auto a = call();
  ASSERT_EQ(stack_.sent("INVITE").size(), 1u);
  answer(*stack_.sent("INVITE")[0], 503);
  ASSERT_EQ(stack_.sent("INVITE").size(), 2u);
  const auto& second = *stack_.sent("INVITE")[1];
  EXPECT_EQ(second.target.address, addr("127.0.0.13", 5060));
  EXPECT_NE(second.request.via, stack_.sent("INVITE")[0]->request.via);  // a new branch
  time_out(second);  // Timer B
  ASSERT_EQ(stack_.sent("INVITE").size(), 3u);
  EXPECT_EQ(stack_.sent("INVITE")[2]->target.address, addr("127.0.0.23", 5060));
  EXPECT_EQ(a->statuses(), (std::vector<int>{100}));  // the caller saw none of it
  answer(*stack_.sent("INVITE")[2], 200, "Contact: <sip:callee@127.0.0.23:5060>\r\n");
  EXPECT_EQ(a->statuses(), (std::vector<int>{100, 200}));
  EXPECT_EQ(log_lines_with("trying the next"), 2u);
}

TEST_F(B2buaTest, TimerCCancelsTheRingingCalleeAndAnswersTheCaller408) {
  config_.timers.timer_c_ms = 180000;
  start();
  auto a = call();
  const auto& b = *stack_.sent("INVITE")[0];
  answer(b, 180);
  advance(179999ms);
  EXPECT_TRUE(stack_.sent("CANCEL").empty());
  answer(b, 183);  // each provisional restarts Timer C
  advance(179999ms);
  EXPECT_TRUE(stack_.sent("CANCEL").empty());
  advance(1ms);
  ASSERT_EQ(stack_.sent("CANCEL").size(), 1u);
  EXPECT_EQ(a->statuses(), (std::vector<int>{100, 180, 183, 408}));
  EXPECT_EQ(log_lines_with("within timer C"), 1u);
  EXPECT_EQ(b2bua_->stats().calls_failed.value(), 1u);
}

// ---- 2xx until the ACK, on every transport -------------------------------------------

class B2buaNoAck : public B2buaTest, public ::testing::WithParamInterface<Transport> {};

TEST_P(B2buaNoAck, A2xxWithoutAckIsSentAgainUntil64T1ThenBothLegsGetAckAndBye) {
  Transport t = GetParam();
  config_.trunks = {trunk("pbx", "127.0.0.2", t), trunk("carrier", "127.0.0.3", t)};
  start();
  std::string name = t == Transport::kUdp ? "UDP" : t == Transport::kTcp ? "TCP" : "TLS";
  std::string param = t == Transport::kUdp ? "" : t == Transport::kTcp ? ";transport=tcp" : ";transport=tls";
  std::uint16_t port = t == Transport::kTls ? 5061 : 5060;
  PeerRequest invite = invite_with_sdp();
  invite.via = "SIP/2.0/" + name + " 127.0.0.2:40000;branch=z9hG4bKcaller1";
  invite.contact = "<sip:alice@127.0.0.2:" + std::to_string(port) + param + ">";
  auto a = deliver(invite, addr("127.0.0.2", 40000), t, sip::ConnectionRef{0, t == Transport::kUdp ? 0u : 9u},
                   t == Transport::kTls ? "pbx" : "");
  settle();
  ASSERT_EQ(stack_.sent("INVITE").size(), 1u);
  const auto& b = *stack_.sent("INVITE")[0];
  EXPECT_EQ(b.target.transport, t);
  answer(b, 200, "Contact: <sip:callee@127.0.0.3:" + std::to_string(port) + param + ">\r\n");
  ASSERT_EQ(a->statuses(), (std::vector<int>{100, 200}));
  const std::string ok = a->responses.back().second;

  // The caller never ACKs. The 200 goes out again at 0.5, 1.5, 3.5, 7.5,
  // ..., 31.5 s, over the caller's own transport and connection.
  advance(32000ms - 1ms);
  auto again = stack_.stateless_of("SIP/2.0 200");
  ASSERT_EQ(again.size(), 10u);
  for (const auto* s : again) {
    EXPECT_EQ(s->bytes, ok);
    EXPECT_EQ(s->target.transport, t);
    EXPECT_EQ(s->target.address, addr("127.0.0.2", 40000));
  }
  EXPECT_TRUE(stack_.sent("BYE").empty());
  EXPECT_TRUE(stack_.stateless_of("ACK").empty());

  // 64*T1: the callee's 200 gets its ACK, and both legs a BYE.
  advance(1ms);
  ASSERT_EQ(stack_.stateless_of("ACK").size(), 1u);
  SipMessage ack = stack_.stateless_of("ACK")[0]->message();
  EXPECT_EQ(ack.header(HeaderId::kCSeq), "1 ACK");
  EXPECT_EQ(ack.uri(), "sip:callee@127.0.0.3:" + std::to_string(port) + param);
  auto byes = stack_.sent("BYE");
  ASSERT_EQ(byes.size(), 2u);
  std::vector<core::SocketAddress> to;
  for (const auto* bye : byes) {
    to.push_back(bye->target.address);
    EXPECT_EQ(bye->target.transport, t);
  }
  EXPECT_NE(std::find(to.begin(), to.end(), addr("127.0.0.2", port)), to.end());
  EXPECT_NE(std::find(to.begin(), to.end(), addr("127.0.0.3", port)), to.end());
  EXPECT_EQ(b2bua_->stats().calls_unacknowledged.value(), 1u);
  EXPECT_EQ(b2bua_->stats().calls_active.value(), 0);
  EXPECT_EQ(log_lines_with("no ACK for the 2xx"), 1u);
  // Nothing more goes out afterwards.
  std::size_t sent = stack_.stateless.size();
  advance(10000ms);
  EXPECT_EQ(stack_.stateless.size(), sent);
}

TEST_P(B2buaNoAck, TheAckStopsThe2xxRetransmissions) {
  Transport t = GetParam();
  config_.trunks = {trunk("pbx", "127.0.0.2", t), trunk("carrier", "127.0.0.3", t)};
  start();
  std::string name = t == Transport::kUdp ? "UDP" : t == Transport::kTcp ? "TCP" : "TLS";
  PeerRequest invite = invite_with_sdp();
  invite.via = "SIP/2.0/" + name + " 127.0.0.2:40000;branch=z9hG4bKcaller1";
  auto a = deliver(invite, addr("127.0.0.2", 40000), t, {}, t == Transport::kTls ? "pbx" : "");
  settle();
  answer(*stack_.sent("INVITE")[0], 200, "Contact: <sip:callee@127.0.0.3>\r\n");
  advance(600ms);
  EXPECT_EQ(stack_.stateless_of("SIP/2.0 200").size(), 1u);
  deliver_ack(ack_of(invite, a));
  advance(60000ms);
  EXPECT_EQ(stack_.stateless_of("SIP/2.0 200").size(), 1u);
  EXPECT_TRUE(stack_.sent("BYE").empty());
  EXPECT_EQ(b2bua_->stats().calls_active.value(), 1);
}

INSTANTIATE_TEST_SUITE_P(Transport, B2buaNoAck, ::testing::Values(Transport::kUdp, Transport::kTcp, Transport::kTls),
                         [](const ::testing::TestParamInfo<Transport>& i) {
                           return std::string(core::transport_name(i.param));
                         });

// ---- in-dialog requests ---------------------------------------------------------------

TEST_F(B2buaTest, AReInviteGets100AtOnceAndIsRelayedWithItsSdpAndItsAck) {
  start();
  auto a = answered_call();
  PeerRequest reinvite = in_dialog_from_caller(a, "INVITE", 2);
  reinvite.contact = "<sip:alice@127.0.0.2:5060>";
  reinvite.body = kSdp + "a=sendonly\r\n";
  auto re = deliver(reinvite);
  EXPECT_EQ(re->statuses(), (std::vector<int>{100}));  // before the callee says anything
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 2u);
  SipMessage relayed = invites[1]->message();
  EXPECT_EQ(relayed.header(HeaderId::kCSeq), "2 INVITE");
  EXPECT_EQ(relayed.body(), kSdp + "a=sendonly\r\n");
  EXPECT_EQ(relayed.header(HeaderId::kContact), "<sip:127.0.0.1:5060>");
  EXPECT_EQ(relayed.uri(), "sip:callee@127.0.0.3:5060");

  // A second re-INVITE while this one is open: 491 (RFC 3261 §14.1).
  auto second = deliver(in_dialog_from_caller(a, "INVITE", 3));
  EXPECT_EQ(second->statuses(), (std::vector<int>{491}));

  answer(*invites[1], 200, "Contact: <sip:callee@127.0.0.3:5060>\r\n", "calleetag", "v=0\r\n");
  EXPECT_EQ(re->statuses(), (std::vector<int>{100, 200}));
  EXPECT_EQ(re->last().body(), "v=0\r\n");
  PeerRequest ack = in_dialog_from_caller(a, "ACK", 2);
  deliver_ack(ack);
  auto acks = stack_.stateless_of("ACK");
  ASSERT_EQ(acks.size(), 2u);  // the call's, and the re-INVITE's
  EXPECT_EQ(acks[1]->message().header(HeaderId::kCSeq), "2 ACK");
}

// RFC 3515: a blind transfer from the caller's side. The transferee (the
// callee) reaches the target through sipnic, so Refer-To names sipnic's
// host on its leg; the implicit subscription's NOTIFYs come back in the
// call's dialog with their Event, Subscription-State and sipfrag.
TEST_F(B2buaTest, ReferIsRelayedWithReferToThroughSipnicAndItsNotifiesComeBack) {
  start();
  auto a = answered_call();
  deliver_ack(in_dialog_from_caller(a, "ACK", 1));
  PeerRequest refer = in_dialog_from_caller(a, "REFER", 2);
  refer.headers = "Refer-To: <sip:+441999@10.1.1.5;user=phone>\r\nReferred-By: <sip:1000@10.1.1.5>\r\n";
  auto refer_tx = deliver(refer);
  auto refers = stack_.sent("REFER");
  ASSERT_EQ(refers.size(), 1u);
  SipMessage relayed = refers[0]->message();
  EXPECT_EQ(relayed.uri(), "sip:callee@127.0.0.3:5060");
  EXPECT_EQ(relayed.header(HeaderId::kReferTo), "<sip:+441999@127.0.0.1;user=phone>");
  EXPECT_EQ(relayed.header(HeaderId::kReferredBy), "<sip:1000@127.0.0.1>");
  EXPECT_EQ(refers[0]->wire.find("10.1.1."), std::string::npos) << refers[0]->wire;
  answer(*refers[0], 202);
  EXPECT_EQ(refer_tx->statuses(), (std::vector<int>{202}));

  PeerRequest notify = in_dialog_from_callee("NOTIFY", 1);
  notify.headers = "Event: refer\r\nSubscription-State: terminated;reason=noresource\r\n"
                   "Content-Type: message/sipfrag\r\n";
  notify.body = "SIP/2.0 200 OK\r\n";
  auto notify_tx = deliver(notify, addr("127.0.0.3", 5060));
  auto notifies = stack_.sent("NOTIFY");
  ASSERT_EQ(notifies.size(), 1u);
  std::string wire = notifies[0]->wire;
  EXPECT_NE(wire.find("Event: refer\r\n"), std::string::npos) << wire;
  EXPECT_NE(wire.find("Subscription-State: terminated;reason=noresource\r\n"), std::string::npos) << wire;
  EXPECT_EQ(notifies[0]->message().body(), "SIP/2.0 200 OK\r\n");
  answer(*notifies[0], 200, {}, "");
  EXPECT_EQ(notify_tx->statuses(), (std::vector<int>{200}));
}

// RFC 3891, an attended transfer from the PBX's side: user X at the PBX has
// call 1 with Y and call 2 with Z, both on the carrier trunk, and transfers
// Y to Z. The Refer-To's Replaces names call 2's dialog as the PBX has it
// (with sipnic); Y gets one naming call 2's carrier-side dialog as sipnic
// has it, and Y's INVITE with that Replaces goes to Z's trunk naming the
// dialog as Z has it.
TEST_F(B2buaTest, AttendedTransferMapsReplacesToTheOtherLegAndRoutesTheTransfereeToIt) {
  start();
  auto call1 = answered_call();
  PeerRequest second = invite_with_sdp();
  second.call_id = "caller-call-2@127.0.0.2";
  second.via = "SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKcaller2";
  second.from = "\"Alice\" <sip:1000@127.0.0.2>;tag=callertag2";
  auto call2 = call(second);
  ASSERT_EQ(stack_.sent("INVITE").size(), 2u);
  const auto& b2_invite = *stack_.sent("INVITE")[1];
  answer(b2_invite, 200, "Contact: <sip:z@127.0.0.3:5060>\r\n", "ztag");
  deliver_ack(ack_of(second, call2));
  std::string our_tag_a2(sip::parse_name_addr(call2->last().header(HeaderId::kTo))->tag());
  SipMessage b2 = b2_invite.message();
  std::string b2_call_id(b2.header(HeaderId::kCallId));
  std::string b2_our_tag(sip::parse_name_addr(b2.header(HeaderId::kFrom))->tag());

  PeerRequest refer = in_dialog_from_caller(call1, "REFER", 2);
  refer.headers = "Refer-To: <sip:z@127.0.0.2?Replaces=caller-call-2%40127.0.0.2%3Bto-tag%3D" + our_tag_a2 +
                  "%3Bfrom-tag%3Dcallertag2>\r\n";
  deliver(refer);
  auto refers = stack_.sent("REFER");
  ASSERT_EQ(refers.size(), 1u);
  EXPECT_EQ(refers[0]->message().header(HeaderId::kReferTo),
            "<sip:z@127.0.0.1?Replaces=" + std::string(b2_call_id).replace(b2_call_id.find('@'), 1, "%40") +
                "%3Bto-tag%3D" + b2_our_tag + "%3Bfrom-tag%3Dztag>");
  EXPECT_EQ(refers[0]->wire.find("caller-call-2"), std::string::npos);  // nothing of the PBX's dialog

  // The transferee's INVITE, from the carrier side, with what it was given.
  PeerRequest transferee = invite_with_sdp();
  transferee.uri = "sip:z@127.0.0.1:5060";
  transferee.via = "SIP/2.0/UDP 127.0.0.3:5060;branch=z9hG4bKtransferee";
  transferee.from = "<sip:y@127.0.0.3>;tag=ytag";
  transferee.call_id = "transferee-1@127.0.0.3";
  transferee.headers = "Replaces: " + b2_call_id + ";to-tag=" + b2_our_tag + ";from-tag=ztag\r\nRequire: replaces\r\n";
  auto t = deliver(transferee, addr("127.0.0.3", 5060));
  settle();
  EXPECT_EQ(t->statuses(), (std::vector<int>{100}));
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 3u);
  EXPECT_EQ(invites[2]->target.trunk, "carrier");  // Z's trunk, not the route's (carrier -> pbx)
  SipMessage to_z = invites[2]->message();
  EXPECT_EQ(to_z.uri(), "sip:z@127.0.0.3:5060");
  EXPECT_NE(invites[2]->wire.find("Replaces: " + b2_call_id + ";to-tag=ztag;from-tag=" + b2_our_tag + "\r\n"),
            std::string::npos)
      << invites[2]->wire;
}

TEST_F(B2buaTest, AnInviteWhoseReplacesNamesNoDialogGets481) {
  start();
  PeerRequest invite = invite_with_sdp();
  invite.headers = "Replaces: nosuchcall@127.0.0.2;to-tag=a;from-tag=b\r\n";
  auto tx = call(invite);
  EXPECT_EQ(tx->statuses(), (std::vector<int>{481}));
  EXPECT_TRUE(stack_.sent("INVITE").empty());
}

TEST_F(B2buaTest, ReferFromATrunkThatRefusesItGets403AndALogLine) {
  config_.trunks[0].refuse_refer = true;
  start();
  auto a = answered_call();
  PeerRequest refer = in_dialog_from_caller(a, "REFER", 2);
  refer.headers = "Refer-To: <sip:+441999@127.0.0.2>\r\n";
  auto refer_tx = deliver(refer);
  EXPECT_EQ(refer_tx->statuses(), (std::vector<int>{403}));
  EXPECT_TRUE(stack_.sent("REFER").empty());
  EXPECT_EQ(log_lines_with("REFER from trunk pbx refused (refer = refuse): 403"), 1u);
}

TEST_F(B2buaTest, ReferWithoutOneReferToGets400) {
  start();
  auto a = answered_call();
  PeerRequest refer = in_dialog_from_caller(a, "REFER", 2);
  auto refer_tx = deliver(refer);
  EXPECT_EQ(refer_tx->statuses(), (std::vector<int>{400}));
  EXPECT_TRUE(stack_.sent("REFER").empty());
}

TEST_F(B2buaTest, AReInviteFromTheCalleeWithANewContactMovesItsRemoteTarget) {
  start();
  auto a = answered_call();
  auto re = deliver(in_dialog_from_callee("INVITE", 1, "<sip:callee@127.0.0.33:5062>"), addr("127.0.0.3", 5060));
  EXPECT_EQ(re->statuses(), (std::vector<int>{100}));
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 2u);
  EXPECT_EQ(invites[1]->target.address, addr("127.0.0.2", 5060));  // to the caller's Contact
  answer(*invites[1], 200, "Contact: <sip:alice@127.0.0.2:5060>\r\n", "callertag");
  EXPECT_EQ(re->statuses(), (std::vector<int>{100, 200}));
  deliver(in_dialog_from_caller(a, "BYE", 2));
  ASSERT_EQ(stack_.sent("BYE").size(), 1u);
  EXPECT_EQ(stack_.sent("BYE")[0]->target.address, addr("127.0.0.33", 5062));
  EXPECT_EQ(stack_.sent("BYE")[0]->message().uri(), "sip:callee@127.0.0.33:5062");
}

TEST_F(B2buaTest, ARequestWithALowerCSeqInTheDialogGets500) {
  start();
  auto a = answered_call();
  auto info = deliver(in_dialog_from_caller(a, "INFO", 5));
  answer(*stack_.sent("INFO")[0], 200, {}, "");
  EXPECT_EQ(info->statuses(), (std::vector<int>{200}));
  auto late = deliver(in_dialog_from_caller(a, "INFO", 4));
  EXPECT_EQ(late->statuses(), (std::vector<int>{500}));
  EXPECT_EQ(stack_.sent("INFO").size(), 1u);
}

// ---- limits in both directions ------------------------------------------------------------

PeerRequest invite_n(int n) {
  PeerRequest r;
  r.call_id = "caller-call-" + std::to_string(n) + "@127.0.0.2";
  r.via = "SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKcaller-" + std::to_string(n);
  return r;
}

TEST_F(B2buaTest, MaxCallsOfTheSendingTrunkRefusesTheCallOverIt) {
  config_.trunks[0].max_calls = 2;  // pbx, the caller
  start();
  auto first = call(invite_n(1));
  auto second = call(invite_n(2));
  auto third = call(invite_n(3));
  EXPECT_EQ(first->statuses(), (std::vector<int>{100}));
  EXPECT_EQ(second->statuses(), (std::vector<int>{100}));
  ASSERT_EQ(third->statuses(), (std::vector<int>{503}));
  EXPECT_EQ(third->last().header(HeaderId::kRetryAfter), "5");
  EXPECT_EQ(stack_.sent("INVITE").size(), 2u);
  EXPECT_EQ(trunk_state("pbx").active_calls(), 2u);
  EXPECT_EQ(trunk_state("carrier").active_calls(), 2u);  // the refused call holds no slot there
  EXPECT_EQ(log_lines_with("trunk pbx is at its limit of 2 concurrent calls"), 1u);
  EXPECT_EQ(b2bua_->stats().calls_rejected.value(), 1u);
  // A call ends: the slot comes back.
  answer(*stack_.sent("INVITE")[0], 486);
  EXPECT_EQ(call(invite_n(4))->statuses(), (std::vector<int>{100}));
}

TEST_F(B2buaTest, MaxCpsOfTheSendingTrunkRefusesCallsOverTheRateWithOneLogLine) {
  config_.trunks[0].max_cps = 5;  // pbx
  start();
  std::vector<std::shared_ptr<FakeIncoming>> calls;
  for (int i = 0; i < 10; ++i) calls.push_back(call(invite_n(i)));
  int accepted = 0, refused = 0;
  for (const auto& c : calls) {
    if (c->statuses() == std::vector<int>{100}) ++accepted;
    if (c->statuses() == std::vector<int>{503}) ++refused;
  }
  EXPECT_EQ(accepted, 5);
  EXPECT_EQ(refused, 5);
  EXPECT_EQ(log_lines_with("trunk pbx is at its call-rate limit of 5"), 1u);  // not one per call
  // A second later the rate allows calls again.
  advance(1000ms);
  EXPECT_EQ(call(invite_n(20))->statuses(), (std::vector<int>{100}));
}

// A MESSAGE flood from a trunk is held by its max-rps before routing; calls
// keep their own rate (max-cps).
TEST_F(B2buaTest, MaxRpsOfTheSendingTrunkRefusesMessagesOverTheRateWithOneLogLine) {
  config_.trunks[0].max_rps = 3;  // pbx
  start();
  int relayed = 0, refused = 0;
  for (int i = 0; i < 10; ++i) {
    PeerRequest m;
    m.method = "MESSAGE";
    m.call_id = "msg" + std::to_string(i) + "@pbx";
    m.via = "SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKmsg" + std::to_string(i);
    m.body = "hello";
    auto tx = deliver(m);
    settle();
    if (tx->statuses().empty()) ++relayed;  // on its way to the carrier
    if (tx->statuses() == std::vector<int>{503}) ++refused;
  }
  EXPECT_EQ(relayed, 3);
  EXPECT_EQ(refused, 7);
  EXPECT_EQ(stack_.sent("MESSAGE").size(), 3u);
  EXPECT_EQ(trunk_state("pbx").requests_refused(TrunkState::Direction::kIn), 7u);
  EXPECT_EQ(log_lines_with("MESSAGE from trunk pbx refused: trunk pbx is at its request-rate limit of 3"), 1u);
  EXPECT_EQ(call(invite_n(1))->statuses(), (std::vector<int>{100}));
}

TEST_F(B2buaTest, MaxCallsOfTheTargetTrunkStillRefusesCallsToIt) {
  config_.trunks[1].max_calls = 1;  // carrier, the callee
  start();
  EXPECT_EQ(call(invite_n(1))->statuses(), (std::vector<int>{100}));
  EXPECT_EQ(call(invite_n(2))->statuses(), (std::vector<int>{503}));
  EXPECT_EQ(trunk_state("pbx").active_calls(), 1u);
  EXPECT_EQ(log_lines_with("trunk carrier is at its limit of 1 concurrent calls"), 1u);
}

// ---- sources that are no trunk -------------------------------------------------------------

TEST_F(B2buaTest, AnInviteFromAnUnknownSourceGetsOne403SentStatelesslyAndNothingMore) {
  start();
  PeerRequest invite = invite_n(1);
  invite.via = "SIP/2.0/UDP 127.0.0.99:5060;branch=z9hG4bKstranger";
  auto tx = deliver(invite, addr("127.0.0.99", 5060));
  EXPECT_TRUE(tx->discarded);          // no transaction kept ...
  EXPECT_TRUE(tx->responses.empty());  // ... so nothing to retransmit
  auto out = stack_.stateless_of("SIP/2.0 403");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->target.address, addr("127.0.0.99", 5060));
  advance(64 * 500ms);
  EXPECT_EQ(stack_.stateless.size(), 1u);
  EXPECT_TRUE(stack_.requests.empty());
  EXPECT_EQ(b2bua_->stats().unknown_source_requests.value(), 1u);
}

TEST_F(B2buaTest, RepeatedUnknownSourceLinesAreRateLimited) {
  start();
  for (int i = 0; i < 100; ++i) deliver(invite_n(i), addr("127.0.0.99", 5060));
  EXPECT_EQ(stack_.stateless_of("SIP/2.0 403").size(), 100u);  // one answer per request
  EXPECT_EQ(log_lines_with("matches no trunk"), 1u);
  advance(10000ms);
  deliver(invite_n(100), addr("127.0.0.98", 5060));
  EXPECT_EQ(log_lines_with("matches no trunk"), 2u);
  EXPECT_EQ(log_lines_with("(99 similar lines suppressed)"), 1u);
}

TEST_F(B2buaTest, UnknownSourceDropAnswersNothingAtAll) {
  config_.unknown_source = core::UnknownSource::kDrop;
  start();
  PeerRequest options = invite_n(1);
  options.method = "OPTIONS";
  for (const PeerRequest& r : {invite_n(1), options}) {
    auto tx = deliver(r, addr("127.0.0.99", 5060));
    EXPECT_TRUE(tx->discarded);
    EXPECT_TRUE(tx->responses.empty());
  }
  EXPECT_TRUE(stack_.stateless.empty());
  EXPECT_EQ(b2bua_->stats().unknown_source_requests.value(), 2u);
  // A trunk is still answered.
  auto tx = deliver(options);
  EXPECT_EQ(tx->statuses(), (std::vector<int>{200}));
}

TEST_F(B2buaTest, RequestsFromAnUnknownSourceOverItsRateAreDropped) {
  config_.unknown_source_rate = 2;  // bursts of 4
  start();
  PeerRequest options = invite_n(1);
  options.method = "OPTIONS";
  int answered = 0, dropped = 0;
  for (int i = 0; i < 10; ++i) {
    auto tx = deliver(options, addr("127.0.0.99", 5060));
    if (tx->statuses() == std::vector<int>{200}) ++answered;
    if (tx->discarded && tx->responses.empty()) ++dropped;
  }
  EXPECT_EQ(answered, 4);
  EXPECT_EQ(dropped, 6);
  EXPECT_EQ(b2bua_->stats().rate_limited_requests.value(), 6u);
  // Trunks are not counted against it.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(deliver(options)->statuses(), (std::vector<int>{200}));
}

// ---- digest authentication -----------------------------------------------------

// A password file as the config wants it (mode 0600).
std::string password_file(const std::string& name, const std::string& password) {
  auto dir = std::filesystem::temp_directory_path() / ("sipnic-b2bua-pw-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::ofstream(p) << password << "\n";
  std::filesystem::permissions(p, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  return p.string();
}

// The carrier challenges (a sip::DigestServer plays it); sipnic answers with
// the trunk's credentials, once; a second challenge to the same
// credentials is a refusal, and the caller gets 403.
TEST_F(B2buaTest, AChallengeFromTheTrunkIsAnsweredWithItsCredentialsOnce) {
  config_.trunks[1].auth_username = "sipnic";
  config_.trunks[1].auth_password_file = password_file("carrier", "s3cret");
  start();
  sip::DigestServer carrier({.realm = "carrier.test", .username = "sipnic", .password = "s3cret"},
                            sip::DigestServer::random_key());
  auto a = call();
  const auto& first = *stack_.sent("INVITE").at(0);
  answer(first, 407, std::string(carrier.challenge_headers(loop_.now(), false)).replace(0, 16, "Proxy-Authenticate"));
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 2u);
  SipMessage second = invites[1]->message();
  EXPECT_EQ(second.header(HeaderId::kCSeq), "2 INVITE");
  EXPECT_EQ(second.header(HeaderId::kCallId), first.message().header(HeaderId::kCallId));
  EXPECT_TRUE(second.has(HeaderId::kProxyAuthorization));
  EXPECT_EQ(invites[1]->wire.find("s3cret"), std::string::npos);
  // The same challenge again: the credentials were refused.
  answer(*invites[1], 407, std::string(carrier.challenge_headers(loop_.now(), false)).replace(0, 16, "Proxy-Authenticate"));
  EXPECT_EQ(stack_.sent("INVITE").size(), 2u);
  EXPECT_EQ(a->statuses().back(), 403);
  EXPECT_EQ(log_lines_with("answered 407 to sipnic's credentials"), 1u);
}

TEST_F(B2buaTest, TheAnswerToA401VerifiesAtTheChallenger) {
  config_.trunks[1].auth_username = "sipnic";
  config_.trunks[1].auth_password_file = password_file("carrier401", "s3cret");
  start();
  sip::DigestServer carrier({.realm = "carrier.test", .username = "sipnic", .password = "s3cret"},
                            sip::DigestServer::random_key());
  auto a = call();
  answer(*stack_.sent("INVITE").at(0), 401, carrier.challenge_headers(loop_.now(), false));
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 2u);
  EXPECT_EQ(carrier.verify(invites[1]->message(), loop_.now()), sip::DigestServer::Verdict::kOk);
  answer(*invites[1], 200, "Contact: <sip:callee@127.0.0.3:5060>\r\n");
  EXPECT_EQ(a->statuses().back(), 200);
}

TEST_F(B2buaTest, ATrunkThatMustAuthenticateIsChallengedAndLetInWithItsCredentials) {
  config_.trunks[0].inbound_auth_username = "pbx";
  config_.trunks[0].inbound_auth_realm = "sipnic.test";
  config_.trunks[0].inbound_auth_password_file = password_file("pbx-in", "pbxpass");
  start();
  auto first = call();
  ASSERT_EQ(first->statuses(), (std::vector<int>{401}));
  EXPECT_TRUE(stack_.sent("INVITE").empty());
  SipMessage challenge = first->last();
  // The PBX answers it (sip::DigestClient plays the PBX).
  sip::DigestClient pbx({"pbx", "pbxpass", ""});
  PeerRequest again = invite_with_sdp();
  again.cseq = 2;
  again.via = "SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKcaller1b";
  auto auth = pbx.answer(challenge, "INVITE", again.uri, "0a4f113b", nullptr);
  ASSERT_TRUE(auth);
  again.headers = auth->line();
  auto second = call(again);
  EXPECT_EQ(second->statuses(), (std::vector<int>{100}));
  EXPECT_EQ(stack_.sent("INVITE").size(), 1u);
  EXPECT_FALSE(stack_.sent("INVITE")[0]->message().has(HeaderId::kAuthorization));  // consumed: this hop's
}

// RFC 3261 §22 within a call: a re-INVITE relayed to the carrier that it
// challenges goes again with the next CSeq and credentials that verify; the
// caller sees only the final answer, and its ACK reaches the carrier with
// that CSeq and the same credentials (§13.2.2.4).
TEST_F(B2buaTest, AChallengedReInviteGoesAgainWithCredentialsAndItsAckCarriesThem) {
  config_.trunks[1].auth_username = "sipnic";
  config_.trunks[1].auth_password_file = password_file("carrier-reinvite", "s3cret");
  start();
  sip::DigestServer carrier({.realm = "carrier.test", .username = "sipnic", .password = "s3cret"},
                            sip::DigestServer::random_key());
  auto a = answered_call();
  PeerRequest reinvite = in_dialog_from_caller(a, "INVITE", 2);
  reinvite.body = kSdp + "a=sendonly\r\n";
  auto re = deliver(reinvite);
  ASSERT_EQ(stack_.sent("INVITE").size(), 2u);
  answer(*stack_.sent("INVITE")[1], 401, carrier.challenge_headers(loop_.now(), false));
  EXPECT_EQ(re->statuses(), (std::vector<int>{100}));  // nothing of the challenge reaches the caller
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 3u);
  SipMessage again = invites[2]->message();
  EXPECT_EQ(again.header(HeaderId::kCSeq), "3 INVITE");
  EXPECT_EQ(again.header(HeaderId::kCallId), invites[1]->message().header(HeaderId::kCallId));
  EXPECT_EQ(again.body(), kSdp + "a=sendonly\r\n");
  EXPECT_EQ(carrier.verify(again, loop_.now()), sip::DigestServer::Verdict::kOk);
  EXPECT_EQ(invites[2]->wire.find("s3cret"), std::string::npos);

  answer(*invites[2], 200, "Contact: <sip:callee@127.0.0.3:5060>\r\n", "calleetag", "v=0\r\n");
  EXPECT_EQ(re->statuses(), (std::vector<int>{100, 200}));
  deliver_ack(in_dialog_from_caller(a, "ACK", 2));
  auto acks = stack_.stateless_of("ACK");
  ASSERT_EQ(acks.size(), 2u);  // the call's, and the re-INVITE's
  SipMessage ack = acks[1]->message();
  EXPECT_EQ(ack.header(HeaderId::kCSeq), "3 ACK");
  EXPECT_EQ(ack.header(HeaderId::kAuthorization), again.header(HeaderId::kAuthorization));
  EXPECT_FALSE(acks[0]->message().has(HeaderId::kAuthorization));  // the call's INVITE carried none
}

// A BYE that sipnic sends itself (here: the caller never ACKed) is answered
// after the call has ended, when the carrier challenges it with 407.
TEST_F(B2buaTest, AChallengedByeIsSentAgainWithCredentialsAfterTheCallEnded) {
  config_.trunks[1].auth_username = "sipnic";
  config_.trunks[1].auth_password_file = password_file("carrier-bye", "s3cret");
  start();
  sip::DigestServer carrier({.realm = "carrier.test", .username = "sipnic", .password = "s3cret"},
                            sip::DigestServer::random_key());
  auto a = call();
  answer(*stack_.sent("INVITE")[0], 200, "Contact: <sip:callee@127.0.0.3:5060>\r\n");
  advance(32000ms);  // 64*T1 without the caller's ACK: BYE both legs
  const FakeStack::Sent* bye_b = nullptr;
  for (const auto* bye : stack_.sent("BYE"))
    if (bye->target.trunk == "carrier") bye_b = bye;
  ASSERT_NE(bye_b, nullptr);
  EXPECT_EQ(b2bua_->stats().calls_active.value(), 0);
  unsigned long first_cseq = std::stoul(std::string(bye_b->message().header(HeaderId::kCSeq)));
  answer(*bye_b, 407, std::string(carrier.challenge_headers(loop_.now(), false)).replace(0, 16, "Proxy-Authenticate"));
  std::vector<const FakeStack::Sent*> to_carrier;
  for (const auto* bye : stack_.sent("BYE"))
    if (bye->target.trunk == "carrier") to_carrier.push_back(bye);
  ASSERT_EQ(to_carrier.size(), 2u);
  SipMessage again = to_carrier[1]->message();
  EXPECT_EQ(again.header(HeaderId::kCSeq), std::to_string(first_cseq + 1) + " BYE");
  ASSERT_TRUE(again.has(HeaderId::kProxyAuthorization));
  EXPECT_NE(again.header(HeaderId::kProxyAuthorization).find("username=\"sipnic\""), std::string_view::npos);
  // Refused once more: given up, with one line that says so.
  answer(*to_carrier[1], 407, std::string(carrier.challenge_headers(loop_.now(), false)).replace(0, 16, "Proxy-Authenticate"));
  to_carrier.clear();
  for (const auto* bye : stack_.sent("BYE"))
    if (bye->target.trunk == "carrier") to_carrier.push_back(bye);
  EXPECT_EQ(to_carrier.size(), 2u);
  EXPECT_EQ(log_lines_with("answered 407 to BYE in the call and refused sipnic's credentials"), 1u);
}

// Without credentials for the trunk, a challenge to a relayed request is a
// refusal the requester sees as 403, with a line that says why; a BYE still
// ends the call for the caller (200).
TEST_F(B2buaTest, AChallengeSipnicCannotAnswerInTheCallReachesTheRequesterAs403) {
  start();
  sip::DigestServer carrier({.realm = "carrier.test", .username = "sipnic", .password = "s3cret"},
                            sip::DigestServer::random_key());
  auto a = answered_call();
  auto update = deliver(in_dialog_from_caller(a, "UPDATE", 2));
  ASSERT_EQ(stack_.sent("UPDATE").size(), 1u);
  answer(*stack_.sent("UPDATE")[0], 401, carrier.challenge_headers(loop_.now(), false));
  EXPECT_EQ(update->statuses(), (std::vector<int>{403}));
  EXPECT_FALSE(update->last().has(HeaderId::kWwwAuthenticate));
  EXPECT_EQ(stack_.sent("UPDATE").size(), 1u);
  EXPECT_EQ(log_lines_with("answered 401 to UPDATE in the call and has no auth-username"), 1u);
  auto bye = deliver(in_dialog_from_caller(a, "BYE", 3));
  answer(*stack_.sent("BYE")[0], 401, carrier.challenge_headers(loop_.now(), false));
  EXPECT_EQ(bye->statuses(), (std::vector<int>{200}));
  EXPECT_EQ(b2bua_->stats().calls_active.value(), 0);
}

// A registration trunk's calls come to the Contact sipnic registered, from
// whatever address the ITSP's edge uses: the Contact's rinstance picks it.
TEST_F(B2buaTest, ACallToTheRegisteredContactIsTheRegistrationTrunksFromAnyAddress) {
  config_.routes.insert(config_.routes.begin(), {"itsp-in", "", "carrier", "pbx", 0, "", {}, {}});
  start();
  trunk_state("carrier").set_registration_instance("a1b2c3d4e5f6");
  PeerRequest invite = invite_with_sdp();
  invite.uri = "sip:4420123@127.0.0.1:5060;rinstance=a1b2c3d4e5f6";
  invite.via = "SIP/2.0/UDP 127.0.0.99:5060;branch=z9hG4bKitsp1";
  auto tx = deliver(invite, addr("127.0.0.99", 5060));
  settle();
  EXPECT_EQ(tx->statuses(), (std::vector<int>{100}));
  ASSERT_EQ(stack_.sent("INVITE").size(), 1u);
  EXPECT_EQ(stack_.sent("INVITE")[0]->target.trunk, "pbx");
  // Another rinstance (or none) from that address is no trunk's.
  PeerRequest stranger = invite;
  stranger.uri = "sip:4420123@127.0.0.1:5060;rinstance=ffffffffffff";
  stranger.call_id = "stranger@127.0.0.99";
  stranger.via = "SIP/2.0/UDP 127.0.0.99:5060;branch=z9hG4bKitsp2";
  deliver(stranger, addr("127.0.0.99", 5060));
  EXPECT_EQ(stack_.stateless_of("SIP/2.0 403").size(), 1u);
}

// ---- 100rel and session timers, per leg ------------------------------------------

// RFC 3262 both ways: the callee's reliable 183 with SDP is PRACKed by
// sipnic on leg B, and reaches the caller (who supports 100rel) reliably on
// leg A, retransmitted until its PRACK; the 2xx waits for that PRACK.
TEST_F(B2buaTest, AReliable183WithSdpIsPrackedOnBothLegsAndHoldsThe2xx) {
  start();
  PeerRequest invite = invite_with_sdp();
  invite.headers = "Supported: 100rel\r\n";
  auto a = call(invite);
  const auto& b = *stack_.sent("INVITE").at(0);
  EXPECT_EQ(values(b.message(), HeaderId::kSupported), (std::vector<std::string>{"timer", "100rel"}));
  answer(b, 183, "Contact: <sip:callee@127.0.0.3:5060>\r\nRequire: 100rel\r\nRSeq: 7\r\n", "calleetag", "v=0\r\n");
  // Leg B: sipnic's PRACK.
  auto pracks = stack_.sent("PRACK");
  ASSERT_EQ(pracks.size(), 1u);
  EXPECT_EQ(pracks[0]->message().header(HeaderId::kRAck), "7 1 INVITE");
  EXPECT_EQ(pracks[0]->message().uri(), "sip:callee@127.0.0.3:5060");
  // Leg A: the 183 goes reliably, with sipnic's own RSeq.
  ASSERT_EQ(a->statuses(), (std::vector<int>{100, 183}));
  SipMessage p = a->last();
  EXPECT_EQ(p.header(HeaderId::kRequire), "100rel");
  std::string rseq(p.header(HeaderId::kRSeq));
  ASSERT_FALSE(rseq.empty());
  EXPECT_EQ(p.body(), "v=0\r\n");
  advance(500ms);  // T1: sent again, no PRACK yet
  EXPECT_EQ(a->statuses(), (std::vector<int>{100, 183, 183}));
  // B answers; the 2xx is held (the 183's SDP is not acknowledged).
  answer(b, 200, "Contact: <sip:callee@127.0.0.3:5060>\r\n", "calleetag", "v=0\r\n");
  EXPECT_EQ(a->statuses(), (std::vector<int>{100, 183, 183}));
  // The caller's PRACK: 200, and the held 2xx goes out.
  PeerRequest prack = in_dialog_from_caller(a, "PRACK", 2);
  prack.headers = "RAck: " + rseq + " 1 INVITE\r\n";
  auto prack_tx = deliver(prack);
  EXPECT_EQ(prack_tx->statuses(), (std::vector<int>{200}));
  EXPECT_EQ(a->statuses(), (std::vector<int>{100, 183, 183, 200}));
  EXPECT_EQ(stack_.sent("PRACK").size(), 1u);  // not relayed end to end
  advance(2000ms);
  EXPECT_EQ(a->statuses().size(), 4u);  // the PRACK stopped the retransmissions
}

// RFC 3311 in the early dialog: after the reliable 183's offer/answer, the
// caller's UPDATE with a new offer crosses to the callee's early dialog and
// its answer comes back, before the call is answered; the callee's UPDATE
// crosses the other way.
TEST_F(B2buaTest, UpdatesInTheEarlyDialogCrossWithTheirSdpBothWays) {
  start();
  PeerRequest invite = invite_with_sdp();
  invite.headers = "Supported: 100rel\r\n";
  auto a = call(invite);
  const auto& b = *stack_.sent("INVITE").at(0);
  answer(b, 183, "Contact: <sip:callee@127.0.0.3:5060>\r\nRequire: 100rel\r\nRSeq: 7\r\n", "calleetag", "v=0\r\n");
  PeerRequest prack = in_dialog_from_caller(a, "PRACK", 2);
  prack.headers = "RAck: " + std::string(a->last().header(HeaderId::kRSeq)) + " 1 INVITE\r\n";
  deliver(prack);

  PeerRequest update = in_dialog_from_caller(a, "UPDATE", 3);
  update.body = kSdp + "a=sendonly\r\n";
  auto up = deliver(update);
  auto updates = stack_.sent("UPDATE");
  ASSERT_EQ(updates.size(), 1u);
  SipMessage relayed = updates[0]->message();
  EXPECT_EQ(relayed.uri(), "sip:callee@127.0.0.3:5060");  // the early dialog's remote target
  EXPECT_NE(relayed.header(HeaderId::kTo).find("tag=calleetag"), std::string_view::npos);
  EXPECT_EQ(relayed.body(), kSdp + "a=sendonly\r\n");
  EXPECT_EQ(relayed.header(HeaderId::kContentType), "application/sdp");
  answer(*updates[0], 200, "Contact: <sip:callee@127.0.0.3:5060>\r\n", "calleetag", "v=0\r\na=recvonly\r\n");
  ASSERT_EQ(up->statuses(), (std::vector<int>{200}));
  EXPECT_EQ(up->last().body(), "v=0\r\na=recvonly\r\n");
  EXPECT_EQ(a->statuses(), (std::vector<int>{100, 183}));  // still ringing

  // And the callee's UPDATE to the caller, in the same early dialogs.
  auto back = deliver(in_dialog_from_callee("UPDATE", 2), addr("127.0.0.3", 5060));
  auto to_caller = stack_.sent("UPDATE");
  ASSERT_EQ(to_caller.size(), 2u);
  EXPECT_EQ(to_caller[1]->message().uri(), "sip:alice@127.0.0.2:5060");
  answer(*to_caller[1], 200, "Contact: <sip:alice@127.0.0.2:5060>\r\n", "callertag");
  EXPECT_EQ(back->statuses(), (std::vector<int>{200}));
}

TEST_F(B2buaTest, AReliableProvisionalWithoutPrackFor64T1Gets500AndCancelsTheCallee) {
  start();
  PeerRequest invite = invite_with_sdp();
  invite.headers = "Require: 100rel\r\n";
  auto a = call(invite);
  const auto& b = *stack_.sent("INVITE").at(0);
  answer(b, 180, "Contact: <sip:callee@127.0.0.3:5060>\r\n");
  ASSERT_EQ(a->statuses(), (std::vector<int>{100, 180}));
  EXPECT_EQ(a->last().header(HeaderId::kRequire), "100rel");
  advance(32s);
  EXPECT_EQ(a->statuses().back(), 500);
  EXPECT_EQ(stack_.sent("CANCEL").size(), 1u);
  EXPECT_EQ(log_lines_with("no PRACK from trunk pbx"), 1u);
}

TEST_F(B2buaTest, ACallersRequire100relIsRefused420WhereItsTrunkHas100relOff) {
  config_.trunks[0].prack = core::ExtensionPolicy::kOff;
  start();
  PeerRequest invite = invite_with_sdp();
  invite.headers = "Require: 100rel\r\n";
  auto a = call(invite);
  EXPECT_EQ(a->statuses(), (std::vector<int>{420}));
  EXPECT_EQ(a->last().header(HeaderId::kUnsupported), "100rel");
  EXPECT_TRUE(stack_.sent("INVITE").empty());
}

// RFC 4028 per leg: a 90 s session on leg A refreshed by the caller (uac),
// an 1800 s one on leg B that sipnic refreshes itself (with UPDATE, which
// the callee allows). A caller that stops refreshing is hung up at 60 s
// (90 - 30, §10), both legs.
TEST_F(B2buaTest, SessionTimersRunPerLegAndAMissingRefreshHangsUpTheCall) {
  start();
  PeerRequest invite = invite_with_sdp();
  invite.headers = "Supported: timer\r\nSession-Expires: 90;refresher=uac\r\nMin-SE: 90\r\n";
  auto a = call(invite);
  const auto& b = *stack_.sent("INVITE").at(0);
  SipMessage b_invite = b.message();
  EXPECT_EQ(b_invite.header(HeaderId::kSessionExpires), "1800");  // leg B's own, not the caller's
  answer(b, 200, "Contact: <sip:callee@127.0.0.3:5060>\r\nSession-Expires: 1800;refresher=uac\r\nAllow: INVITE, ACK, BYE, UPDATE\r\n",
         "calleetag", "v=0\r\n");
  ASSERT_EQ(a->statuses(), (std::vector<int>{100, 200}));
  SipMessage ok = a->last();
  EXPECT_EQ(ok.header(HeaderId::kSessionExpires), "90;refresher=uac");
  EXPECT_EQ(ok.header(HeaderId::kRequire), "timer");
  deliver_ack(ack_of(invite, a));
  // The caller refreshes at 40 s: relayed to B (with sipnic's own refresh of leg B).
  advance(40s);
  PeerRequest update = in_dialog_from_caller(a, "UPDATE", 2);
  update.headers = "Supported: timer\r\nSession-Expires: 90;refresher=uac\r\n";
  auto up = deliver(update);
  auto updates = stack_.sent("UPDATE");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0]->message().header(HeaderId::kSessionExpires), "1800;refresher=uac");
  answer(*updates[0], 200, "Session-Expires: 1800;refresher=uac\r\n");
  ASSERT_EQ(up->statuses(), (std::vector<int>{200}));
  EXPECT_EQ(up->last().header(HeaderId::kSessionExpires), "90;refresher=uac");
  // No BYE at 60 s (refreshed at 40), but at 40 + 60 s without another refresh.
  advance(59s);
  EXPECT_TRUE(stack_.sent("BYE").empty());
  advance(2s);
  ASSERT_EQ(stack_.sent("BYE").size(), 2u);
  EXPECT_EQ(log_lines_with("expired without a refresh"), 1u);
  EXPECT_EQ(b2bua_->stats().calls_active.value(), 0);
}

// sipnic refreshes where it is the refresher: on leg B, which asked it to
// (refresher=uac), by UPDATE (the callee allows it); on leg A, whose caller
// does not support timers (RFC 4028 §9: then sipnic refreshes), by re-INVITE.
TEST_F(B2buaTest, SipnicRefreshesTheLegsWhereItIsTheRefresherAtHalfTheInterval) {
  start();
  auto a = answered_call("Contact: <sip:callee@127.0.0.3:5060>\r\nSession-Expires: 1800;refresher=uac\r\n"
                         "Allow: INVITE, ACK, BYE, UPDATE\r\n");
  EXPECT_EQ(a->last().header(HeaderId::kSessionExpires), "1800;refresher=uas");
  advance(899s);
  EXPECT_TRUE(stack_.sent("UPDATE").empty());
  advance(2s);
  auto updates = stack_.sent("UPDATE");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0]->target.trunk, "carrier");
  EXPECT_EQ(updates[0]->message().header(HeaderId::kSessionExpires), "1800;refresher=uac");
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 2u);
  EXPECT_EQ(invites[1]->target.trunk, "pbx");  // the re-INVITE refresh of leg A
  EXPECT_EQ(invites[1]->message().uri(), "sip:alice@127.0.0.2:5060");
  answer(*updates[0], 200, "Session-Expires: 1800;refresher=uac\r\n");
  answer(*invites[1], 200, "Contact: <sip:alice@127.0.0.2:5060>\r\n", "callertag");
  EXPECT_EQ(stack_.stateless_of("ACK").size(), 2u);  // the call's, and the refresh's
  advance(900s);
  EXPECT_EQ(stack_.sent("UPDATE").size(), 2u);  // the next refreshes, half an interval later
  EXPECT_EQ(stack_.sent("INVITE").size(), 3u);
  EXPECT_TRUE(stack_.sent("BYE").empty());
}

// ---- STIR/SHAKEN ------------------------------------------------------------------

// The PKI and PASSporT tool of tests/support/stir_test_pki.h: tokens made by
// PyJWT, an independent implementation.
class B2buaStirTest : public B2buaTest {
 protected:
  B2buaStirTest() {
    const auto& pki = stir::testing::shared_stir_pki();
    config_.stir.certificate_url = stir::testing::kSignerUrl;
    config_.stir.private_key = pki.signer_key.string();
    config_.stir.repository = pki.index_file.string();
    config_.stir.ca = pki.ca_file.string();
    service_ = std::make_shared<const stir::StirService>(config_.stir);
    holder_ = std::make_unique<stir::StirServiceHolder>(service_);
    options_.stir = holder_.get();
    options_.wall_clock = [this] { return now_; };
  }
  // A call from +15550102000 (asserted) to +15550103000, with `identity` lines.
  PeerRequest numbered_invite(const std::string& more_headers) const {
    PeerRequest r = invite_with_sdp();
    r.uri = "sip:+15550103000@127.0.0.1:5060";
    r.to = "<sip:+15550103000@127.0.0.1>";
    r.headers = "P-Asserted-Identity: <sip:+15550102000@127.0.0.2;user=phone>\r\n" + more_headers;
    return r;
  }
  std::string tool_token(std::int64_t iat, const std::string& tamper_dest = {}) const {
    stir::testing::ToolPassport p;
    p.key = stir::testing::shared_stir_pki().signer_key;
    p.iat = iat;
    p.tamper_dest = tamper_dest;
    return "Identity: " + stir::testing::tool_identity(p) + "\r\n";
  }
  std::string leg_b_pai() { return std::string(stack_.sent("INVITE").at(0)->message().header(HeaderId::kPAssertedIdentity)); }

  // A fixed wall-clock time for the whole test, inside the test PKI's validity.
  std::chrono::system_clock::time_point now_ =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::int64_t now_s() const { return stir::testing::unix_seconds(now_); }
  std::shared_ptr<const stir::StirService> service_;
  std::unique_ptr<stir::StirServiceHolder> holder_;
};

TEST_F(B2buaStirTest, AGoodPassportFromAVerifyingTrunkPutsPassedOnTheAssertedIdentity) {
  config_.trunks[0].stir_verify = core::StirVerify::kOn;
  start();
  call(numbered_invite(tool_token(now_s() - 5)));
  EXPECT_EQ(leg_b_pai(), "<sip:+15550102000;verstat=TN-Validation-Passed@127.0.0.1;user=phone>");
  EXPECT_EQ(metrics_.snapshot().total("sipnic_stir_verifications_total", {{"verstat", "TN-Validation-Passed"}}), 1);
}

TEST_F(B2buaStirTest, ATamperedPassportIsRelayedWithFailedWhereTheTrunkOnlyVerifies) {
  config_.trunks[0].stir_verify = core::StirVerify::kOn;
  start();
  call(numbered_invite(tool_token(now_s() - 5, "+15550109999")));
  EXPECT_EQ(leg_b_pai(), "<sip:+15550102000;verstat=TN-Validation-Failed@127.0.0.1;user=phone>");
}

TEST_F(B2buaStirTest, AStalePassportIsRefusedWith403WhereTheTrunkRequiresOne) {
  config_.trunks[0].stir_verify = core::StirVerify::kRequired;
  start();
  auto a = call(numbered_invite(tool_token(now_s() - 3600)));
  EXPECT_EQ(a->statuses(), (std::vector<int>{403}));
  EXPECT_TRUE(stack_.sent("INVITE").empty());
  EXPECT_EQ(log_lines_with("refused (stir-verify = required)"), 1u);
}

TEST_F(B2buaStirTest, AVerstatFromUpstreamIsRemovedWhenTheTrunkDoesNotVerify) {
  start();
  PeerRequest r = numbered_invite("");
  r.headers = "P-Asserted-Identity: <sip:+15550102000;verstat=TN-Validation-Passed@127.0.0.2;user=phone>\r\n";
  call(r);
  EXPECT_EQ(leg_b_pai(), "<sip:+15550102000@127.0.0.1;user=phone>");
}

TEST_F(B2buaStirTest, InvitesToASigningTrunkCarrySipnicsOwnPassportInPlaceOfTheCallers) {
  config_.trunks[1].stir_attest = core::StirAttest::kA;
  start();
  call(numbered_invite(tool_token(now_s() - 5)));
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 1u);
  SipMessage b = invites[0]->message();
  std::size_t identities = 0;
  for (std::size_t at = invites[0]->wire.find("\r\nIdentity: "); at != std::string::npos;
       at = invites[0]->wire.find("\r\nIdentity: ", at + 1))
    ++identities;
  EXPECT_EQ(identities, 1u) << invites[0]->wire;
  // It verifies, against leg B's own From and To, as a carrier would check it.
  stir::InboundIdentity in = service_->check_invite(b.view(), core::StirVerify::kRequired, now_);
  EXPECT_TRUE(in.result.passed()) << in.result.detail;
  EXPECT_EQ(in.result.attest, stir::Attestation::kA);
  EXPECT_EQ(metrics_.snapshot().total("sipnic_stir_signed_total"), 1);
}

// A reload replaces the service: calls after it are signed with the new key
// and certificate URL, and the one before it kept the old ones.
TEST_F(B2buaStirTest, CallsAfterAReplacedServiceAreSignedWithItsKey) {
  config_.trunks[1].stir_attest = core::StirAttest::kA;
  start();
  call(numbered_invite(""));
  core::StirConfig next = config_.stir;
  next.certificate_url = stir::testing::kOtherUrl;
  next.private_key = stir::testing::shared_stir_pki().other_key.string();
  holder_->replace(std::make_shared<const stir::StirService>(next));
  PeerRequest second = numbered_invite("");
  second.call_id = "caller-call-2@127.0.0.2";
  second.via = "SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKcaller2";
  call(second);
  auto invites = stack_.sent("INVITE");
  ASSERT_EQ(invites.size(), 2u);
  SipMessage first = invites[0]->message();
  EXPECT_NE(first.view().header("Identity").find(std::string("info=<") + stir::testing::kSignerUrl + ">"),
            std::string_view::npos);
  SipMessage second_b = invites[1]->message();
  std::string_view identity = second_b.view().header("Identity");
  EXPECT_NE(identity.find(std::string("info=<") + stir::testing::kOtherUrl + ">"), std::string_view::npos) << identity;
  // Signed with the other key: it verifies against that certificate.
  stir::InboundIdentity in = service_->check_invite(second_b.view(), core::StirVerify::kRequired, now_);
  EXPECT_TRUE(in.result.passed()) << in.result.detail;
}

}  // namespace
}  // namespace sipnic::interwork
