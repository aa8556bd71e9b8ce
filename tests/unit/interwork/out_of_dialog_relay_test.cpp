// Tests for host/interwork/out_of_dialog_relay.cpp: MESSAGE and PUBLISH
// relayed from trunk to trunk as one transaction on each side, on the
// in-process sip::Stack (tests/support/fake_stack.h) and a manual clock.
// Trunks: `pbx` at 127.0.0.2, `carrier` at 127.0.0.3; sipnic is 127.0.0.1.
#include "interwork/out_of_dialog_relay.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "sip/digest.h"
#include "sip/header_values.h"
#include "sip/response_builder.h"
#include "support/fake_stack.h"

namespace sipnic::interwork {
namespace {

using offload::HeaderId;
using test::FakeIncoming;
using test::FakeStack;
using test::loopback;
using test::parse_sip;

class OutOfDialogRelayTest : public ::testing::Test {
 protected:
  OutOfDialogRelayTest() {
    for (auto [name, ip] : {std::pair{"pbx", "127.0.0.2"}, std::pair{"carrier", "127.0.0.3"}}) {
      core::TrunkConfig t;
      t.name = name;
      t.peer = {ip, 5060};
      config_.trunks.push_back(t);
    }
    config_.routes = {{"out", "", "pbx", "carrier", 0, "", {}, {}}};
    for (const auto& t : config_.trunks) trunks_.push_back(std::make_unique<TrunkState>(t));
  }

  std::shared_ptr<FakeIncoming> deliver(const std::string& method, const std::string& headers, const std::string& body,
                                        const std::string& uri = "sip:+441234@127.0.0.1") {
    std::string text = method + " " + uri + " SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.5:5060;branch=z9hG4bKin1\r\n"
                       "Max-Forwards: 70\r\nFrom: \"Alice\" <sip:1000@10.1.1.5>;tag=in\r\nTo: <sip:+441234@127.0.0.1>\r\n"
                       "Call-ID: inside@10.1.1.5\r\nCSeq: 7 " + method + "\r\n" + headers;
    if (!body.empty()) text += "Content-Type: text/plain\r\n";
    text += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    auto source = loopback("127.0.0.2", 5060);
    auto tx = std::make_shared<FakeIncoming>(parse_sip(text), sip::Target{core::Transport::kUdp, source, {}, "pbx"},
                                             source);
    relay_.relay(tx, *trunks_[0]);
    loop_.run_once();  // the resolver's answer
    return tx;
  }
  void answer(const FakeStack::Sent& s, int status, const std::string& headers = {}) {
    test::answer_sent(s, status, headers, "far");
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
  OutOfDialogRelay relay_{trunks_, router_, stack_, [this] { return "relay-" + std::to_string(++call_ids_) + "@sipnic"; },
                          [this](core::LogLevel, std::string_view, const std::string& line) { notes_.push_back(line); },
                          metrics_, 0, &digest_clients_};
};

TEST_F(OutOfDialogRelayTest, MessageIsANewRequestOfSipnicsWithTheBodyAndTheAnswerComesBack) {
  auto tx = deliver("MESSAGE", "User-Agent: InsidePBX\r\nX-Inside: 10.1.1.9\r\n", "lunch at one?");
  auto sent = stack_.sent("MESSAGE");
  ASSERT_EQ(sent.size(), 1u);
  const auto& out = *sent[0];
  EXPECT_EQ(out.target.address, loopback("127.0.0.3", 5060));
  EXPECT_EQ(out.target.trunk, "carrier");
  sip::SipMessage m = out.message();
  EXPECT_EQ(m.uri(), "sip:+441234@127.0.0.3:5060");
  EXPECT_EQ(m.body(), "lunch at one?");
  EXPECT_EQ(m.header(HeaderId::kContentType), "text/plain");
  EXPECT_EQ(m.header(HeaderId::kCSeq), "1 MESSAGE");
  EXPECT_EQ(m.header(HeaderId::kMaxForwards), "69");
  EXPECT_EQ(m.header(HeaderId::kFrom).substr(0, 28), "\"Alice\" <sip:1000@127.0.0.1>");
  EXPECT_NE(m.header(HeaderId::kCallId), "inside@10.1.1.5");
  EXPECT_EQ(out.wire.find("10.1.1."), std::string::npos) << out.wire;  // nothing of the inside
  EXPECT_TRUE(tx->responses.empty());

  answer(out, 202);
  ASSERT_EQ(tx->statuses(), (std::vector<int>{202}));
  EXPECT_EQ(relay_.pending(), 0u);
  auto snapshot = metrics_.snapshot();
  EXPECT_EQ(snapshot.total("sipnic_requests_relayed_total", {{"method", "MESSAGE"}, {"result", "answered"}}), 1);
  EXPECT_EQ(snapshot.total("sipnic_requests_relayed_total", {{"method", "MESSAGE"}, {"result", "refused"}}), 0);
}

TEST_F(OutOfDialogRelayTest, PublishKeepsEventExpiresAndEntityTagsBothWays) {
  auto tx = deliver("PUBLISH", "Event: presence\r\nExpires: 3600\r\nSIP-If-Match: dx200xyz\r\n",
                    "<presence/>");
  auto sent = stack_.sent("PUBLISH");
  ASSERT_EQ(sent.size(), 1u);
  std::string wire = sent[0]->wire;
  EXPECT_NE(wire.find("Event: presence\r\n"), std::string::npos) << wire;
  EXPECT_NE(wire.find("Expires: 3600\r\n"), std::string::npos) << wire;
  EXPECT_NE(wire.find("SIP-If-Match: dx200xyz\r\n"), std::string::npos) << wire;
  answer(*sent[0], 200, "SIP-ETag: kwj449x\r\nExpires: 1800\r\n");
  ASSERT_EQ(tx->statuses(), (std::vector<int>{200}));
  const std::string& back = tx->responses[0].second;
  EXPECT_NE(back.find("SIP-ETag: kwj449x\r\n"), std::string::npos) << back;
  EXPECT_NE(back.find("Expires: 1800\r\n"), std::string::npos) << back;
}

TEST_F(OutOfDialogRelayTest, ATooBriefPublishGets423WithMinExpiresRelayed) {
  auto tx = deliver("PUBLISH", "Event: presence\r\nExpires: 10\r\n", "<presence/>");
  auto sent = stack_.sent("PUBLISH");
  ASSERT_EQ(sent.size(), 1u);
  answer(*sent[0], 423, "Min-Expires: 60\r\n");
  ASSERT_EQ(tx->statuses(), (std::vector<int>{423}));
  EXPECT_NE(tx->responses[0].second.find("Min-Expires: 60\r\n"), std::string::npos);
}

TEST_F(OutOfDialogRelayTest, RoutesSelectByMethodAndNoRouteGets404) {
  config_.routes[0].methods = {"INVITE"};
  auto tx = deliver("MESSAGE", "", "hi");
  EXPECT_EQ(tx->statuses(), (std::vector<int>{404}));
  EXPECT_TRUE(stack_.sent("MESSAGE").empty());
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_NE(notes_[0].find("no route from trunk pbx for MESSAGE"), std::string::npos) << notes_[0];
  EXPECT_EQ(metrics_.snapshot().total("sipnic_requests_relayed_total", {{"method", "MESSAGE"}, {"result", "refused"}}),
            1);
}

TEST_F(OutOfDialogRelayTest, ATimeoutOrA503TriesTheNextTargetThenAnswers) {
  stack_.dns["carrier.example"] = {{core::Transport::kUdp, "127.0.0.3", 5060, ""},
                                   {core::Transport::kUdp, "127.0.0.4", 5060, ""}};
  config_.trunks[1].peer = {"carrier.example", 0};
  trunks_[1] = std::make_unique<TrunkState>(config_.trunks[1]);
  auto tx = deliver("MESSAGE", "", "hi");
  auto first = stack_.sent("MESSAGE");
  ASSERT_EQ(first.size(), 1u);
  auto handler = first[0]->handler;
  handler(sip::ClientResult{nullptr, 408});
  auto both = stack_.sent("MESSAGE");
  EXPECT_EQ(metrics_.snapshot().total("sipnic_requests_relayed_total"), 0);  // not over yet
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[1]->target.address, loopback("127.0.0.4", 5060));
  EXPECT_NE(both[0]->message().header(HeaderId::kVia), both[1]->message().header(HeaderId::kVia));  // a new branch
  answer(*both[1], 503);
  EXPECT_EQ(tx->statuses(), (std::vector<int>{503}));  // no target left: the 503 goes back
  EXPECT_EQ(metrics_.snapshot().total("sipnic_requests_relayed_total", {{"result", "answered"}}), 1);
}

TEST_F(OutOfDialogRelayTest, NoAnswerFromAnyTargetIsCountedUnanswered) {
  auto tx = deliver("PUBLISH", "Event: presence\r\n", "<presence/>");
  auto handler = stack_.sent("PUBLISH")[0]->handler;
  handler(sip::ClientResult{nullptr, 408});
  EXPECT_EQ(tx->statuses(), (std::vector<int>{408}));
  EXPECT_EQ(metrics_.snapshot().total("sipnic_requests_relayed_total", {{"method", "PUBLISH"}, {"result", "unanswered"}}),
            1);
}

TEST_F(OutOfDialogRelayTest, ATrunkThatIsDownGets503WithoutASend) {
  trunks_[1]->set_up(false);
  auto tx = deliver("MESSAGE", "", "hi");
  EXPECT_EQ(tx->statuses(), (std::vector<int>{503}));
  EXPECT_TRUE(stack_.sent("MESSAGE").empty());
}

TEST_F(OutOfDialogRelayTest, RequestsOverTheTargetTrunksMaxRpsGet503WithoutASend) {
  config_.trunks[1].max_rps = 1;
  trunks_[1] = std::make_unique<TrunkState>(config_.trunks[1]);
  EXPECT_TRUE(deliver("MESSAGE", "", "one")->statuses().empty());  // sent, awaiting the answer
  auto second = deliver("MESSAGE", "", "two");
  EXPECT_EQ(second->statuses(), (std::vector<int>{503}));
  EXPECT_NE(second->last().view().header("Retry-After"), "");
  EXPECT_EQ(stack_.sent("MESSAGE").size(), 1u);
  EXPECT_EQ(trunks_[1]->requests_refused(TrunkState::Direction::kOut), 1u);
  ASSERT_FALSE(notes_.empty());
  EXPECT_NE(notes_.back().find("to trunk carrier refused: trunk carrier is at its request-rate limit"), std::string::npos)
      << notes_.back();
  loop_.advance(clock_, std::chrono::seconds(1));
  deliver("MESSAGE", "", "three");
  EXPECT_EQ(stack_.sent("MESSAGE").size(), 2u);
}

// RFC 3261 §22: the carrier challenges the MESSAGE (a sip::DigestServer
// plays it); the same request goes again with the trunk's credentials.
TEST_F(OutOfDialogRelayTest, AChallengedMessageIsSentAgainWithTheTrunksCredentials) {
  digest_clients_.emplace("carrier", sip::DigestClient({"sipnic", "s3cret", ""}));
  sip::DigestServer carrier({.realm = "carrier.test", .username = "sipnic", .password = "s3cret"},
                            sip::DigestServer::random_key());
  auto tx = deliver("MESSAGE", "", "hi");
  answer(*stack_.sent("MESSAGE").at(0), 401, carrier.challenge_headers(loop_.now(), false));
  auto sent = stack_.sent("MESSAGE");
  ASSERT_EQ(sent.size(), 2u);
  sip::SipMessage first = sent[0]->message(), second = sent[1]->message();
  EXPECT_EQ(second.header(HeaderId::kCSeq), "2 MESSAGE");
  EXPECT_EQ(second.header(HeaderId::kCallId), first.header(HeaderId::kCallId));
  EXPECT_EQ(second.header(HeaderId::kFrom), first.header(HeaderId::kFrom));
  EXPECT_EQ(carrier.verify(second, loop_.now()), sip::DigestServer::Verdict::kOk);
  EXPECT_TRUE(tx->responses.empty());
  answer(*sent[1], 202);
  EXPECT_EQ(tx->statuses(), (std::vector<int>{202}));
}

TEST_F(OutOfDialogRelayTest, AChallengeWithoutCredentialsForTheTrunkGets403) {
  sip::DigestServer carrier({.realm = "carrier.test", .username = "sipnic", .password = "s3cret"},
                            sip::DigestServer::random_key());
  auto tx = deliver("MESSAGE", "", "hi");
  answer(*stack_.sent("MESSAGE").at(0), 407, carrier.challenge_headers(loop_.now(), false));
  EXPECT_EQ(stack_.sent("MESSAGE").size(), 1u);
  EXPECT_EQ(tx->statuses(), (std::vector<int>{403}));
}

TEST_F(OutOfDialogRelayTest, MaxForwardsZeroGets483) {
  std::string text = "MESSAGE sip:+441234@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2;branch=z9hG4bKmf\r\n"
                     "Max-Forwards: 0\r\nFrom: <sip:1000@127.0.0.2>;tag=a\r\nTo: <sip:+441234@127.0.0.1>\r\n"
                     "Call-ID: mf@127.0.0.2\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";
  auto source = loopback("127.0.0.2", 5060);
  auto tx = std::make_shared<FakeIncoming>(parse_sip(text), sip::Target{core::Transport::kUdp, source, {}, "pbx"}, source);
  relay_.relay(tx, *trunks_[0]);
  EXPECT_EQ(tx->statuses(), (std::vector<int>{483}));
}

}  // namespace
}  // namespace sipnic::interwork
