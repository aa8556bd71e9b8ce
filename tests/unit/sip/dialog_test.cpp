// Tests for host/sip/dialog.cpp: dialogs of RFC 3261 §12 made from real SIP
// (parsed by the CPU parse engine), the requests they build (§12.2.1.1
// loose and strict routing), the CSeq rules of §12.2.2, target refresh, and
// the UAS's 2xx retransmission schedule of §13.3.1.4.
#include "sip/dialog.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/sip_message.h"

namespace sipnic::sip {
namespace {

using namespace std::chrono_literals;
using offload::HeaderId;
using test::parse_sip;

// Every value of one header in a message, in order.
std::vector<std::string> values(const SipMessage& m, HeaderId id) {
  std::vector<std::string> out;
  for (const auto& h : m.view().all(id)) out.emplace_back(m.value(h));
  return out;
}

// The INVITE of Alice's phone through two record-routing proxies (the RFC
// 3261 §24.2 example, trimmed): p2 put itself first.
const std::string kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
    "Max-Forwards: 68\r\n"
    "Record-Route: <sip:p2.example.com;lr>\r\n"
    "Record-Route: <sip:p1.example.com;lr>, <sip:192.0.2.9:5070;transport=tcp;lr>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Content-Length: 0\r\n\r\n";

TEST(NextHopOf, ReadsHostPortAndTransportOfSipAndSipsUris) {
  auto a = next_hop_of("sip:alice@192.0.2.4:5070;transport=TCP");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, (core::HostPort{"192.0.2.4", 5070}));
  EXPECT_EQ(a->transport, core::Transport::kTcp);
  EXPECT_TRUE(a->host_is_ip);

  auto b = next_hop_of("<sip:[2001:db8::1];lr>");  // a Route value, IPv6 reference (RFC 5118)
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, (core::HostPort{"2001:db8::1", 0}));
  EXPECT_FALSE(b->transport);
  EXPECT_TRUE(b->host_is_ip);

  auto c = next_hop_of("sips:proxy.example.com");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, (core::HostPort{"proxy.example.com", 0}));
  EXPECT_EQ(c->transport, core::Transport::kTls);
  EXPECT_FALSE(c->host_is_ip);  // a name: the resolver's (RFC 3263)

  auto d = next_hop_of("sip:p1.example.com;transport=tls;lr");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->transport, core::Transport::kTls);

  EXPECT_FALSE(next_hop_of("tel:+15551234567"));
  EXPECT_FALSE(next_hop_of(""));
}

TEST(Dialog, UasTakesTheRouteSetInRecordRouteOrderAndTheRemoteTargetFromContact) {
  SipMessage invite = parse_sip(kInvite);
  Dialog d = Dialog::as_uas(invite, "a6c85cf", "<sip:192.0.2.1:5060>");
  EXPECT_TRUE(d.is_uas());
  EXPECT_FALSE(d.confirmed());
  EXPECT_EQ(d.call_id(), "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(d.local(), "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf");
  EXPECT_EQ(d.local_tag(), "a6c85cf");
  EXPECT_EQ(d.remote(), "Alice <sip:alice@atlanta.example.com>;tag=1928301774");
  EXPECT_EQ(d.remote_tag(), "1928301774");
  EXPECT_EQ(d.remote_target(), "sip:alice@pc33.atlanta.example.com");
  EXPECT_EQ(d.route_set(), (std::vector<std::string>{"<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>",
                                                      "<sip:192.0.2.9:5070;transport=tcp;lr>"}));
  EXPECT_EQ(d.remote_cseq(), 314159u);
  d.confirm();
  EXPECT_TRUE(d.confirmed());
}

TEST(Dialog, LooseRoutingSendsToTheRemoteTargetWithTheRouteSetAsRoute) {
  Dialog d = Dialog::as_uas(parse_sip(kInvite), "a6c85cf", "<sip:192.0.2.1:5060>");
  OutgoingRequest bye = d.request("BYE");
  EXPECT_EQ(bye.uri, "sip:alice@pc33.atlanta.example.com");
  EXPECT_EQ(bye.routes, d.route_set());
  EXPECT_EQ(bye.from, d.local());
  EXPECT_EQ(bye.to, d.remote());
  EXPECT_EQ(bye.contact, "");  // BYE refreshes no target
  // The next hop is the first proxy, not the remote target.
  EXPECT_EQ(d.next_hop_uri(), "sip:p2.example.com;lr");
  ASSERT_TRUE(d.next_hop());
  EXPECT_EQ(d.next_hop()->host.host, "p2.example.com");

  // On the wire, read back by the parser.
  bye.via = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbye1";
  SipMessage m = parse_sip(bye.serialize());
  EXPECT_EQ(m.method(), "BYE");
  EXPECT_EQ(m.uri(), "sip:alice@pc33.atlanta.example.com");
  EXPECT_EQ(values(m, HeaderId::kRoute), d.route_set());
  EXPECT_EQ(m.header(HeaderId::kCallId), "a84b4c76e66710@pc33.atlanta.example.com");
}

TEST(Dialog, StrictRoutingPutsTheFirstRouteInTheRequestUriAndTheRemoteTargetLast) {
  std::string invite = kInvite;
  // p2 is an RFC 2543 proxy: no ;lr, and URI headers that a Request-URI may not carry.
  invite.replace(invite.find("<sip:p2.example.com;lr>"), 23, "<sip:p2.example.com;maddr=192.0.2.7?x=y>");
  Dialog d = Dialog::as_uas(parse_sip(invite), "a6c85cf", "<sip:192.0.2.1:5060>");
  OutgoingRequest info = d.request("INFO");
  EXPECT_EQ(info.uri, "sip:p2.example.com;maddr=192.0.2.7");
  EXPECT_EQ(info.routes, (std::vector<std::string>{"<sip:p1.example.com;lr>", "<sip:192.0.2.9:5070;transport=tcp;lr>",
                                                   "<sip:alice@pc33.atlanta.example.com>"}));
  EXPECT_EQ(d.next_hop_uri(), "sip:p2.example.com;maddr=192.0.2.7");
}

TEST(Dialog, WithoutARouteSetRequestsGoStraightToTheRemoteTarget) {
  std::string invite = kInvite;
  for (std::size_t p; (p = invite.find("Record-Route:")) != std::string::npos;)
    invite.erase(p, invite.find("\r\n", p) + 2 - p);
  Dialog d = Dialog::as_uas(parse_sip(invite), "t", "<sip:192.0.2.1:5060>");
  OutgoingRequest bye = d.request("BYE");
  EXPECT_TRUE(bye.routes.empty());
  EXPECT_EQ(bye.uri, "sip:alice@pc33.atlanta.example.com");
  EXPECT_EQ(d.next_hop_uri(), "sip:alice@pc33.atlanta.example.com");
}

TEST(Dialog, LocalCSeqRisesByOnePerRequestAndAckReusesTheInvitesNumber) {
  Dialog d = Dialog::as_uas(parse_sip(kInvite), "t", "<sip:192.0.2.1:5060>");
  OutgoingRequest reinvite = d.request("INVITE");
  EXPECT_EQ(reinvite.cseq, 1u);
  EXPECT_EQ(reinvite.contact, "<sip:192.0.2.1:5060>");  // a target refresh carries our Contact
  OutgoingRequest ack = d.ack(reinvite.cseq);
  EXPECT_EQ(ack.method, "ACK");
  EXPECT_EQ(ack.cseq, 1u);
  EXPECT_EQ(ack.routes, reinvite.routes);
  EXPECT_EQ(ack.uri, reinvite.uri);
  EXPECT_EQ(d.request("UPDATE").cseq, 2u);  // the ACK took no number
  EXPECT_EQ(d.request("BYE").cseq, 3u);
  EXPECT_EQ(d.local_cseq(), 3u);
}

// sipnic's INVITE and the 200 it got back through two record-routing proxies.
OutgoingRequest our_invite() {
  OutgoingRequest r;
  r.method = "INVITE";
  r.uri = "sip:+4420@carrier.example.net";
  r.from = "<sip:1000@192.0.2.1>;tag=ourtag";
  r.to = "<sip:+4420@carrier.example.net>";
  r.call_id = "leg-b-1";
  r.cseq = 1;
  r.contact = "<sip:192.0.2.1:5060>";
  return r;
}

std::string their_response(int status, const std::string& contact, const std::string& record_route,
                           const std::string& tag = "theirs") {
  std::string m = "SIP/2.0 " + std::to_string(status) + (status == 200 ? " OK" : " Ringing") + "\r\n";
  m += "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKb1\r\n";
  if (!record_route.empty()) m += "Record-Route: " + record_route + "\r\n";
  m += "From: <sip:1000@192.0.2.1>;tag=ourtag\r\n";
  m += "To: <sip:+4420@carrier.example.net>;tag=" + tag + "\r\n";
  m += "Call-ID: leg-b-1\r\nCSeq: 1 INVITE\r\n";
  if (!contact.empty()) m += "Contact: " + contact + "\r\n";
  m += "Content-Length: 0\r\n\r\n";
  return m;
}

TEST(Dialog, UacReversesTheRecordRouteOfTheResponseAndTakesItsContact) {
  SipMessage ok = parse_sip(their_response(200, "<sip:gw7@198.51.100.7:5080>",
                                           "<sip:edge.example.net;lr>, <sip:198.51.100.2;lr>"));
  Dialog d = Dialog::as_uac(our_invite(), ok);
  EXPECT_FALSE(d.is_uas());
  EXPECT_TRUE(d.confirmed());
  EXPECT_EQ(d.local(), "<sip:1000@192.0.2.1>;tag=ourtag");
  EXPECT_EQ(d.local_tag(), "ourtag");
  EXPECT_EQ(d.remote(), "<sip:+4420@carrier.example.net>;tag=theirs");
  EXPECT_EQ(d.remote_target(), "sip:gw7@198.51.100.7:5080");
  // The proxy nearest to us is the one listed last.
  EXPECT_EQ(d.route_set(), (std::vector<std::string>{"<sip:198.51.100.2;lr>", "<sip:edge.example.net;lr>"}));
  EXPECT_EQ(d.next_hop_uri(), "sip:198.51.100.2;lr");
  EXPECT_EQ(d.request("BYE").cseq, 2u);
}

TEST(Dialog, The2xxConfirmsAnEarlyDialogWithItsOwnRouteSetAndKeepsTheLocalCSeq) {
  Dialog d = Dialog::as_uac(our_invite(), parse_sip(their_response(180, "<sip:early@198.51.100.9>", "<sip:a;lr>")));
  EXPECT_FALSE(d.confirmed());
  EXPECT_EQ(d.request("UPDATE").cseq, 2u);  // an UPDATE in the early dialog
  d.confirm_by(parse_sip(their_response(200, "<sip:gw7@198.51.100.7>", "<sip:b;lr>", "theirs2")));
  EXPECT_TRUE(d.confirmed());
  EXPECT_EQ(d.remote_tag(), "theirs2");
  EXPECT_EQ(d.remote_target(), "sip:gw7@198.51.100.7");
  EXPECT_EQ(d.route_set(), (std::vector<std::string>{"<sip:b;lr>"}));
  EXPECT_EQ(d.request("BYE").cseq, 3u);
}

TEST(Dialog, WithoutContactThe2xxLeavesTheRequestUriAsRemoteTarget) {
  Dialog d = Dialog::as_uac(our_invite(), parse_sip(their_response(200, "", "")));
  EXPECT_EQ(d.remote_target(), "sip:+4420@carrier.example.net");
}

// RFC 6665 §4.1.2.4: the NOTIFY that beats the 2xx to the SUBSCRIBE makes
// the subscriber's dialog, read as a UAS reads a request.
TEST(Dialog, ANotifyBeforeThe2xxMakesTheSubscribersDialog) {
  OutgoingRequest subscribe = our_invite();
  subscribe.method = "SUBSCRIBE";
  SipMessage notify = parse_sip(
      "NOTIFY sip:192.0.2.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bKn1\r\n"
      "Record-Route: <sip:edge.example.net;lr>, <sip:198.51.100.2;lr>\r\n"
      "From: <sip:+4420@carrier.example.net>;tag=notifier\r\nTo: <sip:1000@192.0.2.1>;tag=ourtag\r\n"
      "Call-ID: leg-b-1\r\nCSeq: 7 NOTIFY\r\nContact: <sip:pa@198.51.100.7>\r\nEvent: presence\r\n"
      "Subscription-State: pending\r\nContent-Length: 0\r\n\r\n");
  Dialog d = Dialog::as_subscriber(subscribe, notify);
  EXPECT_FALSE(d.is_uas());
  EXPECT_TRUE(d.confirmed());
  EXPECT_EQ(d.local_tag(), "ourtag");
  EXPECT_EQ(d.remote_tag(), "notifier");
  EXPECT_EQ(d.remote_target(), "sip:pa@198.51.100.7");
  EXPECT_EQ(d.route_set(), (std::vector<std::string>{"<sip:edge.example.net;lr>", "<sip:198.51.100.2;lr>"}));
  EXPECT_EQ(d.remote_cseq(), 7u);
  OutgoingRequest refresh = d.request("SUBSCRIBE");
  EXPECT_EQ(refresh.cseq, 2u);
  EXPECT_EQ(refresh.contact, "<sip:192.0.2.1:5060>");  // a target refresh request carries Contact
  EXPECT_EQ(d.request("NOTIFY").contact, "<sip:192.0.2.1:5060>");
  EXPECT_EQ(d.request("INFO").contact, "");
}

TEST(Dialog, PrackCarriesRAckFromTheReliableProvisional) {
  std::string p = their_response(183, "<sip:gw7@198.51.100.7>", "");
  p.insert(p.find("Content-Length"), "RSeq: 988789\r\nRequire: 100rel\r\n");
  Dialog d = Dialog::as_uac(our_invite(), parse_sip(p));
  auto prack = d.prack(parse_sip(p));
  ASSERT_TRUE(prack);
  EXPECT_EQ(prack->method, "PRACK");
  EXPECT_EQ(prack->cseq, 2u);
  EXPECT_EQ(prack->headers, "RAck: 988789 1 INVITE\r\n");
  // No RSeq: nothing to acknowledge.
  EXPECT_FALSE(d.prack(parse_sip(their_response(183, "<sip:gw7@198.51.100.7>", ""))));
}

std::string in_dialog_request(const std::string& method, std::uint32_t cseq, const std::string& contact = {}) {
  std::string m = method + " sip:192.0.2.1:5060 SIP/2.0\r\n";
  m += "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK" + method + std::to_string(cseq) + "\r\n";
  m += "Max-Forwards: 70\r\n";
  m += "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n";
  m += "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n";
  m += "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n";
  m += "CSeq: " + std::to_string(cseq) + " " + method + "\r\n";
  if (!contact.empty()) m += "Contact: " + contact + "\r\n";
  m += "Content-Length: 0\r\n\r\n";
  return m;
}

TEST(Dialog, ARequestWithALowerCSeqThanTheLastIsOutOfOrder) {
  Dialog d = Dialog::as_uas(parse_sip(kInvite), "a6c85cf", "<sip:192.0.2.1:5060>");
  EXPECT_TRUE(d.accept_remote_cseq(parse_sip(in_dialog_request("INFO", 314160))));
  EXPECT_EQ(d.remote_cseq(), 314160u);
  EXPECT_FALSE(d.accept_remote_cseq(parse_sip(in_dialog_request("INFO", 314000))));
  EXPECT_EQ(d.remote_cseq(), 314160u);
  EXPECT_TRUE(d.accept_remote_cseq(parse_sip(in_dialog_request("BYE", 314161))));
  // A UAC dialog learns the remote CSeq from the first request it gets.
  Dialog b = Dialog::as_uac(our_invite(), parse_sip(their_response(200, "<sip:gw7@198.51.100.7>", "")));
  EXPECT_FALSE(b.remote_cseq());
  EXPECT_TRUE(b.accept_remote_cseq(parse_sip(in_dialog_request("BYE", 5))));
  EXPECT_EQ(b.remote_cseq(), 5u);
}

TEST(Dialog, A2xxToReInviteOrUpdateRefreshesTheRemoteTargetAndNothingElseDoes) {
  Dialog d = Dialog::as_uas(parse_sip(kInvite), "a6c85cf", "<sip:192.0.2.1:5060>");
  SipMessage reinvite = parse_sip(in_dialog_request("INVITE", 314160, "<sip:alice@192.0.2.99:5062>"));
  d.apply_target_refresh("INVITE", 488, reinvite);  // refused: no refresh
  EXPECT_EQ(d.remote_target(), "sip:alice@pc33.atlanta.example.com");
  d.apply_target_refresh("INFO", 200, reinvite);  // INFO refreshes no target
  EXPECT_EQ(d.remote_target(), "sip:alice@pc33.atlanta.example.com");
  d.apply_target_refresh("INVITE", 200, reinvite);
  EXPECT_EQ(d.remote_target(), "sip:alice@192.0.2.99:5062");
  EXPECT_EQ(d.request("BYE").uri, "sip:alice@192.0.2.99:5062");
  // The route set stays what the dialog was made with.
  EXPECT_EQ(d.route_set().size(), 3u);
  SipMessage update = parse_sip(in_dialog_request("UPDATE", 314161, "<sip:alice@192.0.2.98>"));
  d.apply_target_refresh("UPDATE", 200, update);
  EXPECT_EQ(d.remote_target(), "sip:alice@192.0.2.98");
}

TEST(Dialog, Two2xxRetransmissionsDoubleFromT1ToT2AndGiveUpAt64T1) {
  Dialog d = Dialog::as_uas(parse_sip(kInvite), "a6c85cf", "<sip:192.0.2.1:5060>");
  core::Millis delay = d.start_2xx("SIP/2.0 200 OK\r\n...", 314159, 500ms, 4000ms);
  EXPECT_TRUE(d.awaiting_ack());
  EXPECT_EQ(delay, 500ms);
  std::vector<core::Millis> delays{delay};
  core::Millis elapsed = delay;
  int resends = 0;
  for (;;) {
    Dialog::TwoXxTimer t = d.on_2xx_timer();
    if (t.give_up) break;
    EXPECT_EQ(t.resend, "SIP/2.0 200 OK\r\n...");
    ++resends;
    delays.push_back(t.next);
    elapsed += t.next;
    ASSERT_LE(resends, 20) << "never gave up";
  }
  // 0.5, 1, 2, 4, 4, ... s: sent again at 0.5, 1.5, 3.5, 7.5, ..., 31.5 s,
  // and given up at 64*T1 = 32 s exactly.
  EXPECT_EQ(elapsed, 32000ms);
  EXPECT_EQ(resends, 10);
  EXPECT_EQ((std::vector<core::Millis>(delays.begin(), delays.begin() + 5)),
            (std::vector<core::Millis>{500ms, 1000ms, 2000ms, 4000ms, 4000ms}));
  EXPECT_EQ(delays.back(), 500ms);  // the last wait ends on 32 s
  EXPECT_FALSE(d.awaiting_ack());
}

TEST(Dialog, TheAckOfThe2xxsCSeqStopsItsRetransmission) {
  Dialog d = Dialog::as_uas(parse_sip(kInvite), "a6c85cf", "<sip:192.0.2.1:5060>");
  d.start_2xx("SIP/2.0 200 OK\r\n", 314159, 500ms, 4000ms);
  EXPECT_FALSE(d.on_ack(314158));  // not its ACK
  EXPECT_TRUE(d.awaiting_ack());
  EXPECT_TRUE(d.on_ack(314159));
  EXPECT_FALSE(d.awaiting_ack());
  EXPECT_FALSE(d.on_ack(314159));  // a retransmitted ACK
  Dialog::TwoXxTimer t = d.on_2xx_timer();  // a timer that was already due
  EXPECT_FALSE(t.give_up);
  EXPECT_TRUE(t.resend.empty());
}

}  // namespace
}  // namespace sipnic::sip
