// Tests for host/interwork/subscription_relay.cpp: a SUBSCRIBE across trunks
// as a pair of subscription dialogs (RFC 6665), on the in-process sip::Stack
// (tests/support/fake_stack.h) and a manual clock. The subscriber is behind
// trunk `pbx` (127.0.0.2), the notifier behind `carrier` (127.0.0.3);
// sipnic is 127.0.0.1; T1 = 500 ms.
#include "interwork/subscription_relay.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "sip/digest.h"
#include "sip/header_values.h"
#include "sip/response_builder.h"
#include "support/fake_stack.h"

namespace sipnic::interwork {
namespace {

using namespace std::chrono_literals;
using offload::HeaderId;
using test::FakeIncoming;
using test::FakeStack;
using test::loopback;
using test::parse_sip;

const std::string kPidf =
    "<?xml version=\"1.0\"?>\r\n<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:+441234@carrier\">"
    "<tuple id=\"t1\"><status><basic>open</basic></status></tuple></presence>\r\n";

class SubscriptionRelayTest : public ::testing::Test {
 protected:
  SubscriptionRelayTest() {
    for (auto [name, ip] : {std::pair{"pbx", "127.0.0.2"}, std::pair{"carrier", "127.0.0.3"}}) {
      core::TrunkConfig t;
      t.name = name;
      t.peer = {ip, 5060};
      config_.trunks.push_back(t);
    }
    config_.routes = {{"out", "", "pbx", "carrier", 0, "", {}, {}}};
    for (const auto& t : config_.trunks) trunks_.push_back(std::make_unique<TrunkState>(t));
  }

  // The subscriber's SUBSCRIBE, out of dialog (`to_tag` empty) or a refresh.
  std::string subscribe_text(std::uint32_t cseq, const std::string& expires, const std::string& to_tag = {}) {
    return "SUBSCRIBE sip:+441234@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.5:5060;branch=z9hG4bKsub" +
           std::to_string(cseq) +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:1000@10.1.1.5>;tag=subscriber\r\nTo: <sip:+441234@127.0.0.1>" +
           (to_tag.empty() ? "" : ";tag=" + to_tag) +
           "\r\nCall-ID: watch@10.1.1.5\r\nCSeq: " + std::to_string(cseq) +
           " SUBSCRIBE\r\nContact: <sip:1000@10.1.1.5>\r\nEvent: presence\r\nExpires: " + expires +
           "\r\nAccept: application/pidf+xml\r\nContent-Length: 0\r\n\r\n";
  }
  std::shared_ptr<FakeIncoming> from_pbx(const std::string& text) {
    auto source = loopback("127.0.0.2", 5060);
    return std::make_shared<FakeIncoming>(parse_sip(text), sip::Target{core::Transport::kUdp, source, {}, "pbx"},
                                          source);
  }
  std::shared_ptr<FakeIncoming> subscribe(const std::string& expires = "600") {
    auto tx = from_pbx(subscribe_text(1, expires));
    relay_.subscribe(tx, *trunks_[0]);
    loop_.run_once();  // the resolver's answer
    return tx;
  }
  // A NOTIFY from the notifier in leg B's dialog.
  std::shared_ptr<FakeIncoming> notify(std::uint32_t cseq, const std::string& state, const std::string& body = kPidf) {
    sip::SipMessage sub = stack_.sent("SUBSCRIBE").front()->message();
    std::string text = "NOTIFY sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.3:5060;branch=z9hG4bKnotify" +
                       std::to_string(cseq) + "\r\nMax-Forwards: 70\r\nFrom: " + std::string(sub.header(HeaderId::kTo)) +
                       ";tag=notifier\r\nTo: " + std::string(sub.header(HeaderId::kFrom)) +
                       "\r\nCall-ID: " + std::string(sub.header(HeaderId::kCallId)) + "\r\nCSeq: " +
                       std::to_string(cseq) + " NOTIFY\r\nContact: <sip:presence@127.0.0.3:5060>\r\n"
                       "Event: presence\r\nSubscription-State: " + state +
                       "\r\nContent-Type: application/pidf+xml\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\n\r\n" + body;
    auto source = loopback("127.0.0.3", 5060);
    auto tx = std::make_shared<FakeIncoming>(parse_sip(text), sip::Target{core::Transport::kUdp, source, {}, "carrier"},
                                             source);
    EXPECT_TRUE(relay_.on_in_dialog_request(tx));
    return tx;
  }
  void answer(const FakeStack::Sent& s, int status, const std::string& headers = {},
              const std::string& to_tag = "notifier") {
    test::answer_sent(s, status, headers, to_tag);
  }
  // Subscribed, answered 200 with Expires 600.
  std::shared_ptr<FakeIncoming> active_subscription() {
    auto tx = subscribe();
    answer(*stack_.sent("SUBSCRIBE")[0], 200, "Contact: <sip:presence@127.0.0.3:5060>\r\nExpires: 600\r\n");
    return tx;
  }
  std::string our_tag_toward_a(const std::shared_ptr<FakeIncoming>& tx) {
    return std::string(sip::parse_name_addr(tx->last().header(HeaderId::kTo))->tag());
  }

  core::MetricsRegistry metrics_{1};
  core::ManualClock clock_;
  core::EventLoop loop_{clock_};
  core::Config config_;
  std::vector<std::unique_ptr<TrunkState>> trunks_;
  FakeStack stack_{loop_};
  Router router_{config_};
  std::vector<std::string> notes_;
  std::uint64_t call_ids_ = 0;
  DigestClients digest_clients_;
  SubscriptionRelay relay_{trunks_, router_, stack_, [this] { return "sub-" + std::to_string(++call_ids_) + "@sipnic"; },
                           [this](core::LogLevel, std::string_view, const std::string& line) { notes_.push_back(line); },
                          metrics_, 0, &digest_clients_};
};

TEST_F(SubscriptionRelayTest, SubscribeBecomesTwoDialogsAndTheNotifierAnswerComesBack) {
  auto tx = subscribe();
  auto subs = stack_.sent("SUBSCRIBE");
  ASSERT_EQ(subs.size(), 1u);
  sip::SipMessage b = subs[0]->message();
  EXPECT_EQ(subs[0]->target.address, loopback("127.0.0.3", 5060));
  EXPECT_EQ(b.uri(), "sip:+441234@127.0.0.3:5060");
  EXPECT_EQ(b.header(HeaderId::kEvent), "presence");
  EXPECT_EQ(b.header(HeaderId::kExpires), "600");
  EXPECT_EQ(b.header(HeaderId::kAccept), "application/pidf+xml");
  EXPECT_EQ(b.header(HeaderId::kContact), "<sip:127.0.0.1:5060>");
  EXPECT_NE(b.header(HeaderId::kCallId), "watch@10.1.1.5");
  EXPECT_EQ(subs[0]->wire.find("10.1.1."), std::string::npos) << subs[0]->wire;

  answer(*subs[0], 200, "Contact: <sip:presence@127.0.0.3:5060>\r\nExpires: 300\r\n");
  ASSERT_EQ(tx->statuses(), (std::vector<int>{200}));
  sip::SipMessage ok = tx->last();
  EXPECT_EQ(ok.header(HeaderId::kExpires), "300");  // what the notifier granted
  EXPECT_EQ(ok.header(HeaderId::kContact), "<sip:127.0.0.1:5060>");
  EXPECT_FALSE(our_tag_toward_a(tx).empty());
  EXPECT_EQ(relay_.active(), 1u);
  auto snapshot = metrics_.snapshot();
  EXPECT_EQ(snapshot.total("sipnic_subscriptions_active"), 1);
  EXPECT_EQ(snapshot.total("sipnic_requests_relayed_total", {{"method", "SUBSCRIBE"}, {"result", "answered"}}), 1);
}

TEST_F(SubscriptionRelayTest, NotifiesReachTheSubscriberInItsDialogWithStateAndBody) {
  auto sub = active_subscription();
  std::string our_tag = our_tag_toward_a(sub);
  auto n = notify(1, "active;expires=600");
  auto notifies = stack_.sent("NOTIFY");
  ASSERT_EQ(notifies.size(), 1u);
  sip::SipMessage m = notifies[0]->message();
  EXPECT_EQ(notifies[0]->target.trunk, "pbx");
  EXPECT_EQ(m.uri(), "sip:1000@10.1.1.5");  // the subscriber's Contact
  EXPECT_EQ(m.header(HeaderId::kCallId), "watch@10.1.1.5");
  EXPECT_EQ(sip::parse_name_addr(m.header(HeaderId::kFrom))->tag(), our_tag);
  EXPECT_EQ(sip::parse_name_addr(m.header(HeaderId::kTo))->tag(), "subscriber");
  EXPECT_EQ(m.header(HeaderId::kEvent), "presence");
  EXPECT_EQ(m.header(HeaderId::kSubscriptionState), "active;expires=600");
  EXPECT_EQ(m.header(HeaderId::kContentType), "application/pidf+xml");
  EXPECT_EQ(m.body(), kPidf);
  EXPECT_EQ(m.header(HeaderId::kContact), "<sip:127.0.0.1:5060>");  // RFC 6665 §4.2.2: a NOTIFY has one
  EXPECT_EQ(notifies[0]->wire.find("127.0.0.3"), std::string::npos) << notifies[0]->wire;

  answer(*notifies[0], 200, {}, "subscriber");
  EXPECT_EQ(n->statuses(), (std::vector<int>{200}));
}

TEST_F(SubscriptionRelayTest, ANotifyBeforeThe2xxCreatesLegBsDialog) {
  auto sub = subscribe();
  auto n = notify(1, "pending;expires=600", "");
  auto notifies = stack_.sent("NOTIFY");
  ASSERT_EQ(notifies.size(), 1u);  // relayed even though neither SUBSCRIBE is answered yet
  answer(*notifies[0], 200, {}, "subscriber");
  EXPECT_EQ(n->statuses(), (std::vector<int>{200}));
  answer(*stack_.sent("SUBSCRIBE")[0], 202, "Contact: <sip:presence@127.0.0.3:5060>\r\nExpires: 600\r\n");
  EXPECT_EQ(sub->statuses(), (std::vector<int>{202}));
  // A refresh from the subscriber goes to the notifier's Contact from the NOTIFY.
  auto refresh = from_pbx(subscribe_text(2, "600", our_tag_toward_a(sub)));
  ASSERT_TRUE(relay_.on_in_dialog_request(refresh));
  auto subs = stack_.sent("SUBSCRIBE");
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[1]->message().uri(), "sip:presence@127.0.0.3:5060");
  EXPECT_EQ(subs[1]->message().header(HeaderId::kCSeq), "2 SUBSCRIBE");
}

TEST_F(SubscriptionRelayTest, ARefreshKeepsThePairAndWithoutOneItExpires) {
  auto sub = active_subscription();
  std::string tag = our_tag_toward_a(sub);
  loop_.advance(clock_, 500s);
  auto refresh = from_pbx(subscribe_text(2, "600", tag));
  ASSERT_TRUE(relay_.on_in_dialog_request(refresh));
  answer(*stack_.sent("SUBSCRIBE")[1], 200, "Contact: <sip:presence@127.0.0.3:5060>\r\nExpires: 600\r\n");
  EXPECT_EQ(refresh->statuses(), (std::vector<int>{200}));
  loop_.advance(clock_, 600s);  // 1100 s after the first: the refresh holds it
  EXPECT_EQ(relay_.active(), 1u);
  loop_.advance(clock_, 32s + 1ms);  // 600 s + 64*T1 after the refresh
  EXPECT_EQ(relay_.active(), 0u);
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_NE(notes_[0].find("expired unrefreshed"), std::string::npos) << notes_[0];
  // The pair is gone: its requests are no longer taken here.
  auto late = from_pbx(subscribe_text(3, "600", tag));
  EXPECT_FALSE(relay_.on_in_dialog_request(late));
}

TEST_F(SubscriptionRelayTest, ATerminatedNotifyEndsThePairOnceAnswered) {
  active_subscription();
  auto n = notify(1, "terminated;reason=timeout", "");
  EXPECT_EQ(relay_.active(), 1u);  // not before the subscriber answers
  answer(*stack_.sent("NOTIFY")[0], 200, {}, "subscriber");
  EXPECT_EQ(n->statuses(), (std::vector<int>{200}));
  EXPECT_EQ(relay_.active(), 0u);
  EXPECT_EQ(metrics_.snapshot().total("sipnic_subscriptions_active"), 0);
}

TEST_F(SubscriptionRelayTest, AFailureIsRelayedAndLeavesNothing) {
  auto sub = subscribe();
  answer(*stack_.sent("SUBSCRIBE")[0], 489, "Allow-Events: dialog\r\n");
  EXPECT_EQ(sub->statuses(), (std::vector<int>{489}));
  EXPECT_NE(sub->responses[0].second.find("Allow-Events: dialog\r\n"), std::string::npos);
  EXPECT_EQ(relay_.active(), 0u);
}

TEST_F(SubscriptionRelayTest, AChallengedSubscribeIsSentAgainWithTheTrunksCredentials) {
  digest_clients_.emplace("carrier", sip::DigestClient({"sipnic", "s3cret", ""}));
  sip::DigestServer carrier({.realm = "carrier.test", .username = "sipnic", .password = "s3cret"},
                            sip::DigestServer::random_key());
  auto sub = subscribe();
  answer(*stack_.sent("SUBSCRIBE").at(0), 401, carrier.challenge_headers(loop_.now(), false));
  auto subs = stack_.sent("SUBSCRIBE");
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[1]->message().header(HeaderId::kCSeq), "2 SUBSCRIBE");
  EXPECT_EQ(carrier.verify(subs[1]->message(), loop_.now()), sip::DigestServer::Verdict::kOk);
  answer(*subs[1], 200, "Contact: <sip:presence@127.0.0.3:5060>\r\nExpires: 600\r\n");
  EXPECT_EQ(sub->statuses(), (std::vector<int>{200}));
}

// Within the pair: the subscriber's refresh that the notifier's trunk
// challenges goes again with the next CSeq and credentials; without
// credentials for the trunk, the subscriber gets 403.
TEST_F(SubscriptionRelayTest, AChallengedRefreshIsSentAgainWithTheTrunksCredentials) {
  digest_clients_.emplace("carrier", sip::DigestClient({"sipnic", "s3cret", ""}));
  sip::DigestServer carrier({.realm = "carrier.test", .username = "sipnic", .password = "s3cret"},
                            sip::DigestServer::random_key());
  auto sub = active_subscription();
  auto refresh = from_pbx(subscribe_text(2, "600", our_tag_toward_a(sub)));
  ASSERT_TRUE(relay_.on_in_dialog_request(refresh));
  answer(*stack_.sent("SUBSCRIBE").at(1), 407,
         std::string(carrier.challenge_headers(loop_.now(), false)).replace(0, 16, "Proxy-Authenticate"));
  EXPECT_TRUE(refresh->statuses().empty());
  auto subs = stack_.sent("SUBSCRIBE");
  ASSERT_EQ(subs.size(), 3u);
  sip::SipMessage again = subs[2]->message();
  EXPECT_EQ(again.header(HeaderId::kCSeq), "3 SUBSCRIBE");
  EXPECT_TRUE(again.has(HeaderId::kProxyAuthorization));
  EXPECT_EQ(again.header(HeaderId::kExpires), "600");
  answer(*subs[2], 200, "Contact: <sip:presence@127.0.0.3:5060>\r\nExpires: 600\r\n");
  EXPECT_EQ(refresh->statuses(), (std::vector<int>{200}));
}

TEST_F(SubscriptionRelayTest, AChallengedNotifyWithoutCredentialsForTheTrunkGets403) {
  sip::DigestServer pbx({.realm = "pbx.test", .username = "sipnic", .password = "s3cret"},
                        sip::DigestServer::random_key());
  active_subscription();
  auto n = notify(1, "active;expires=600");
  answer(*stack_.sent("NOTIFY").at(0), 401, pbx.challenge_headers(loop_.now(), false), "subscriber");
  EXPECT_EQ(n->statuses(), (std::vector<int>{403}));
  EXPECT_EQ(stack_.sent("NOTIFY").size(), 1u);
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_NE(notes_[0].find("answered 401 to NOTIFY in the subscription and has no auth-username"), std::string::npos)
      << notes_[0];
  EXPECT_EQ(relay_.active(), 1u);
}

TEST_F(SubscriptionRelayTest, ASubscribeWithoutEventGets400) {
  std::string text = subscribe_text(1, "600");
  text.erase(text.find("Event: presence\r\n"), 17);
  auto tx = from_pbx(text);
  relay_.subscribe(tx, *trunks_[0]);
  EXPECT_EQ(tx->statuses(), (std::vector<int>{400}));
  EXPECT_TRUE(stack_.sent("SUBSCRIBE").empty());
}

TEST_F(SubscriptionRelayTest, RequestsInTheWrongDirectionOfThePairGet403) {
  active_subscription();
  auto n = notify(1, "active;expires=600");
  sip::SipMessage sent_notify = stack_.sent("NOTIFY")[0]->message();
  // A NOTIFY from the subscriber's side is in the wrong direction.
  std::string text = "NOTIFY sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.5;branch=z9hG4bKback\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:1000@10.1.1.5>;tag=subscriber\r\nTo: " +
                     std::string(sent_notify.header(HeaderId::kFrom)) +
                     "\r\nCall-ID: watch@10.1.1.5\r\nCSeq: 9 NOTIFY\r\nEvent: presence\r\n"
                     "Subscription-State: active\r\nContent-Length: 0\r\n\r\n";
  auto back = from_pbx(text);
  ASSERT_TRUE(relay_.on_in_dialog_request(back));
  EXPECT_EQ(back->statuses(), (std::vector<int>{403}));
  EXPECT_EQ(stack_.sent("NOTIFY").size(), 1u);
}

}  // namespace
}  // namespace sipnic::interwork
