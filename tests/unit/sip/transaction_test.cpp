#include "sip/transaction.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "offload/cpu_sip_parse_engine.h"
#include "sip/response_builder.h"
#include "support/loop_thread.h"  // PeerSocket
#include "support/process.h"

namespace sipnic::sip {
namespace {

using namespace std::chrono_literals;
using test::PeerSocket;

std::string request(std::string_view method, std::string_view branch, const core::SocketAddress& from,
                    std::string_view extra = {}, std::string_view call_id = "tx-call") {
  std::string m;
  m += std::string(method) + " sip:bob@127.0.0.1 SIP/2.0\r\n";
  m += "Via: SIP/2.0/UDP " + from.to_string() + ";branch=" + std::string(branch) + ";rport\r\n";
  m += "Max-Forwards: 70\r\n";
  m += "From: <sip:alice@127.0.0.1>;tag=ft\r\n";
  m += "To: <sip:bob@127.0.0.1>\r\n";
  m += "Call-ID: " + std::string(call_id) + "\r\n";
  m += "CSeq: 1 " + std::string(method) + "\r\n";
  m += extra;
  m += "Content-Length: 0\r\n\r\n";
  return m;
}

std::string first_line(const std::string& m) { return m.substr(0, m.find("\r\n")); }

// A transaction layer on a UDP transport on loopback, with RFC 3261's own
// timer values (T1 500 ms, T2 4 s, T4 5 s) on a manual clock: the loop runs
// on the test thread, sockets are real, and protocol time moves only when a
// test advances it, so every timer assertion is exact.
class TransactionFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = test::free_port(SOCK_DGRAM);
    parser_ = std::make_unique<offload::CpuSipParseEngine>();
    transport_ = std::make_unique<TransportLayer>(0, loop_, log_, metrics_, *parser_, TransportOptions{});
    transport_->listen({core::Transport::kUdp, {"127.0.0.1", port_}});
    transport_->set_peers({transport_.get()});
    layer_ = std::make_unique<TransactionLayer>(loop_, log_, metrics_, *transport_, TransactionTimers{}, 42);
    layer_->set_user(TransactionLayer::User{
        .on_request = [this](const ServerTransactionPtr& tx) { servers_.push_back(tx); },
        .on_ack = [this](Received&&) { ++stray_acks_; },
        .on_stray_response = [](Received&&) {},
        .on_ack_timeout = [this](const ServerTransactionPtr&) { ++ack_timeouts_; },
    });
    transport_->set_handler([this](Received&& rx) { layer_->receive(std::move(rx)); });
  }
  void TearDown() override {
    servers_.clear();
    layer_.reset();
    transport_.reset();
  }
  core::SocketAddress address() const { return *core::SocketAddress::from_ip("127.0.0.1", port_); }
  // A figure in the registry (the loop runs on this thread: it is up to date).
  std::uint64_t figure(std::string_view name, const core::MetricLabels& match = {}) {
    return static_cast<std::uint64_t>(metrics_.snapshot().total(name, match));
  }
  // Loop turns until `done`, waiting for I/O only (bounded real time; the
  // manual clock does not move).
  template <typename Pred>
  bool pump_until(Pred done) {
    for (int i = 0; i < 300 && !done(); ++i) loop_.run_once(10ms);
    return done();
  }
  // A few turns, so that what the peer sent is read and answered.
  void pump() {
    for (int i = 0; i < 3; ++i) loop_.run_once(5ms);
  }
  ServerTransactionPtr wait_server(std::size_t n) {
    if (!pump_until([&] { return servers_.size() >= n; })) return nullptr;
    return servers_[n - 1];
  }
  // Protocol time passes: every timer due in `d` fires at its own time.
  void advance(std::chrono::milliseconds d) { loop_.advance(clock_, d); }
  // What reached the peer so far (loopback delivery is immediate; the short
  // wait only covers scheduling).
  static std::vector<std::string> drain(PeerSocket& peer) {
    std::vector<std::string> out;
    while (auto m = peer.receive(20ms)) out.push_back(*m);
    return out;
  }
  // The next datagram at the peer, turning the loop while waiting.
  std::optional<std::string> next(PeerSocket& peer) {
    for (int i = 0; i < 100; ++i) {
      if (auto m = peer.receive(0ms)) return m;
      loop_.run_once(10ms);
    }
    return std::nullopt;
  }

  core::Log log_{core::LogLevel::kError};
  core::MetricsRegistry metrics_{1};
  core::ManualClock clock_;
  core::EventLoop loop_{clock_};
  std::unique_ptr<offload::CpuSipParseEngine> parser_;
  std::unique_ptr<TransportLayer> transport_;
  std::unique_ptr<TransactionLayer> layer_;
  std::uint16_t port_ = 0;
  std::vector<ServerTransactionPtr> servers_;
  int stray_acks_ = 0;
  int ack_timeouts_ = 0;
};

TEST_F(TransactionFixture, RetransmittedRequestReachesTheUserOnceAndGetsTheLastResponseAgain) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  std::string invite = request("INVITE", "z9hG4bK-r1", peer.local());
  peer.send_to(address(), invite);
  auto tx = wait_server(1);
  ASSERT_TRUE(tx);
  tx->respond(180, build_response(tx->request(), 180, {}, {.to_tag = "tt", .source = &tx->source()}));
  auto r1 = next(peer);
  ASSERT_TRUE(r1);
  EXPECT_EQ(first_line(*r1), "SIP/2.0 180 Ringing");
  peer.send_to(address(), invite);  // retransmission
  auto r2 = next(peer);
  ASSERT_TRUE(r2);
  EXPECT_EQ(first_line(*r2), "SIP/2.0 180 Ringing");
  pump();
  EXPECT_EQ(servers_.size(), 1u);
  EXPECT_EQ(figure(metric::kTransactionsCreated, {{"kind", "server"}}), 1u);
  EXPECT_EQ(figure(metric::kTransactionsActive, {{"kind", "server"}}), 1u);
  EXPECT_EQ(figure(metric::kRetransmissionsAbsorbed), 1u);
}

TEST_F(TransactionFixture, AnswersLeaveFromTheSocketTheRequestArrivedOnAndNameIt) {
  // A second address (the outside of a two-sided node): first of the two, the
  // inside one, would be the layer's choice without the request's own.
  const auto outside = *core::SocketAddress::from_ip("127.0.0.2", test::free_port(SOCK_DGRAM));
  transport_->listen({core::Transport::kUdp, {outside.ip(), outside.port()}});
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  std::string invite = request("INVITE", "z9hG4bK-side1", peer.local());
  peer.send_to(outside, invite);
  auto tx = wait_server(1);
  ASSERT_TRUE(tx);
  EXPECT_EQ(layer_->local_address(tx->reply_target()), outside);
  EXPECT_EQ(layer_->via_for(tx->reply_target(), "z9hG4bK-x").substr(0, 12 + outside.to_string().size()),
            "SIP/2.0/UDP " + outside.to_string());
  tx->respond(180, build_response(tx->request(), 180, {}, {.to_tag = "tt", .source = &tx->source()}));
  // The source of the next datagram at the peer (invalid: none came).
  auto answer_source = [&] {
    core::SocketAddress from;
    pump_until([&] { return from.valid() || peer.receive(0ms, &from).has_value(); });
    return from;
  };
  EXPECT_EQ(answer_source(), outside);
  peer.send_to(outside, invite);  // the retransmission's answer too
  EXPECT_EQ(answer_source(), outside);
  EXPECT_EQ(figure(metric::kRetransmissionsAbsorbed), 1u);
}

TEST_F(TransactionFixture, InviteFailureIsRetransmittedOnTimerGUntilAckThenAbsorbed) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), request("INVITE", "z9hG4bK-g1", peer.local()));
  auto tx = wait_server(1);
  ASSERT_TRUE(tx);
  tx->respond(486, build_response(tx->request(), 486, {}, {.to_tag = "tt", .source = &tx->source()}));
  ASSERT_EQ(drain(peer).size(), 1u);
  // Timer G: T1, then doubling up to T2 (0.5, 1.5, 3.5, 7.5, 11.5 s).
  advance(499ms);
  EXPECT_TRUE(drain(peer).empty());
  for (auto step : {1ms, 999ms, 1999ms, 3999ms, 3999ms}) {
    advance(step);
    auto copies = drain(peer);
    ASSERT_EQ(copies.size(), 1u) << "after another " << step.count() << " ms";
    EXPECT_EQ(first_line(copies[0]), "SIP/2.0 486 Busy Here");
    advance(1ms);
  }
  peer.send_to(address(), request("ACK", "z9hG4bK-g1", peer.local()));
  pump();
  advance(30s);
  EXPECT_TRUE(drain(peer).empty());
  EXPECT_EQ(stray_acks_, 0);  // the non-2xx ACK stays in the transaction
  EXPECT_EQ(ack_timeouts_, 0);
}

TEST_F(TransactionFixture, InviteFailureNeverAckedGivesUpAtTimerH) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), request("INVITE", "z9hG4bK-h1", peer.local()));
  auto tx = wait_server(1);
  ASSERT_TRUE(tx);
  tx->respond(486, build_response(tx->request(), 486, {}, {.to_tag = "tt", .source = &tx->source()}));
  drain(peer);
  advance(31999ms);  // 64*T1 = 32 s
  EXPECT_EQ(ack_timeouts_, 0);
  // G at 0.5, 1.5, 3.5, 7.5 s, then every T2 = 4 s up to 31.5 s.
  EXPECT_EQ(drain(peer).size(), 10u);
  advance(1ms);
  EXPECT_EQ(ack_timeouts_, 1);
  advance(60s);
  EXPECT_TRUE(drain(peer).empty());
}

TEST_F(TransactionFixture, AckForA2xxGoesToTheUserEndToEnd) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), request("INVITE", "z9hG4bK-a1", peer.local()));
  auto tx = wait_server(1);
  ASSERT_TRUE(tx);
  tx->respond(200, build_response(tx->request(), 200, {}, {.to_tag = "tt", .source = &tx->source()}));
  ASSERT_TRUE(next(peer));
  peer.send_to(address(), request("ACK", "z9hG4bK-a2", peer.local()));  // new branch: end to end
  EXPECT_TRUE(pump_until([&] { return stray_acks_ == 1; }));
}

TEST_F(TransactionFixture, InviteRetransmissionAfterA2xxIsAbsorbedUntilTimerL) {
  // RFC 6026: the Accepted state absorbs INVITE retransmissions for 64*T1,
  // so that a late copy never looks like a new call.
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  std::string invite = request("INVITE", "z9hG4bK-l1", peer.local());
  peer.send_to(address(), invite);
  auto tx = wait_server(1);
  ASSERT_TRUE(tx);
  tx->respond(200, build_response(tx->request(), 200, {}, {.to_tag = "tt", .source = &tx->source()}));
  drain(peer);
  advance(31s);
  peer.send_to(address(), invite);
  pump();
  EXPECT_EQ(servers_.size(), 1u);
  advance(2s);  // past Timer L: the transaction is gone
  peer.send_to(address(), invite);
  EXPECT_TRUE(pump_until([&] { return servers_.size() == 2; }));
}

TEST_F(TransactionFixture, ResponseUsesRportAndReceivedForTheSource) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  // sent-by says port 9 (nobody there); rport makes the answer go to the source port.
  std::string opts = request("OPTIONS", "z9hG4bK-p1", *core::SocketAddress::from_ip("127.0.0.99", 9));
  peer.send_to(address(), opts);
  auto tx = wait_server(1);
  ASSERT_TRUE(tx);
  tx->respond(200, build_response(tx->request(), 200, {}, {.to_tag = "tt", .source = &tx->source()}));
  auto r = next(peer);
  ASSERT_TRUE(r);
  std::string expect_via = "Via: SIP/2.0/UDP 127.0.0.99:9;received=127.0.0.1;branch=z9hG4bK-p1;rport=" +
                           std::to_string(peer.local().port());
  EXPECT_NE(r->find(expect_via), std::string::npos) << *r;
}

TEST_F(TransactionFixture, RequestWithMaxForwardsZeroIsRefused483) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  std::string m = request("INVITE", "z9hG4bK-m1", peer.local());
  m.replace(m.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
  peer.send_to(address(), m);
  auto r = next(peer);
  ASSERT_TRUE(r);
  EXPECT_EQ(first_line(*r).substr(0, 12), "SIP/2.0 483 ");
  EXPECT_EQ(figure(metric::kRequestsRejected), 1u);
  EXPECT_EQ(figure(metric::kTransactionsCreated), 0u);
  EXPECT_TRUE(servers_.empty());
}

TEST_F(TransactionFixture, RequestRequiringAnUnknownExtensionIsRefused420WithUnsupported) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), request("INVITE", "z9hG4bK-e1", peer.local(), "Require: nosuchext\r\n"));
  auto r = next(peer);
  ASSERT_TRUE(r);
  EXPECT_EQ(first_line(*r).substr(0, 12), "SIP/2.0 420 ");
  EXPECT_NE(r->find("Unsupported: nosuchext\r\n"), std::string::npos) << *r;
}

// Client side: the test's peer socket plays the server.
class ClientFixture : public TransactionFixture {
 protected:
  struct Outcome {
    std::vector<int> statuses;
    bool final_seen = false;
  };
  ClientTransactionPtr send(PeerSocket& peer, std::string method, Outcome& out) {
    OutgoingRequest r;
    r.method = method;
    r.uri = "sip:bob@" + peer.local().to_string();
    r.from = "<sip:alice@127.0.0.1>;tag=c1";
    r.to = "<sip:bob@127.0.0.1>";
    r.call_id = "client-call";
    return layer_->send_request(r, Target{core::Transport::kUdp, peer.local(), {}}, [&out](const ClientResult& res) {
      out.statuses.push_back(res.status);
      if (res.status >= 200) out.final_seen = true;
    });
  }
  std::string answer(const std::string& req, int status, std::string_view reason) {
    // Echo Via, From, To (+tag), Call-ID, CSeq.
    auto line = [&](std::string_view name) {
      auto p = req.find(std::string("\r\n") + std::string(name) + ": ");
      auto e = req.find("\r\n", p + 2);
      return req.substr(p + 2, e - p - 2);
    };
    return "SIP/2.0 " + std::to_string(status) + " " + std::string(reason) + "\r\n" + line("Via") + "\r\n" +
           line("From") + "\r\n" + line("To") + ";tag=srv\r\n" + line("Call-ID") + "\r\n" + line("CSeq") +
           "\r\nContent-Length: 0\r\n\r\n";
  }
};

TEST_F(ClientFixture, InviteIsRetransmittedOnTimerAUntilAProvisionalArrives) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  Outcome out;
  auto tx = send(peer, "INVITE", out);
  auto first = drain(peer);
  ASSERT_EQ(first.size(), 1u);
  // Timer A: T1, then doubling (0.5, 1.5 s).
  advance(500ms);
  auto copies = drain(peer);
  advance(1000ms);
  for (auto& c : drain(peer)) copies.push_back(c);
  ASSERT_EQ(copies.size(), 2u);
  for (const auto& c : copies) EXPECT_EQ(c, first[0]);
  EXPECT_EQ(figure(metric::kRetransmissionsSent), 2u);
  EXPECT_EQ(figure(metric::kTransactionsCreated, {{"kind", "client"}}), 1u);
  peer.send_to(address(), answer(first[0], 180, "Ringing"));
  ASSERT_TRUE(pump_until([&] { return !out.statuses.empty(); }));
  // Proceeding: no more copies, and no Timer B (the user's Timer C decides).
  advance(60s);
  EXPECT_TRUE(drain(peer).empty());
  EXPECT_EQ(out.statuses, std::vector<int>{180});
}

TEST_F(ClientFixture, InviteWithNoAnswerTimesOutWith408AtTimerB) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  Outcome out;
  auto tx = send(peer, "INVITE", out);
  advance(31999ms);
  EXPECT_FALSE(out.final_seen);
  // Timer A doubles without a cap: the INVITE at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s.
  EXPECT_EQ(drain(peer).size(), 7u);
  advance(1ms);  // 64*T1
  ASSERT_TRUE(out.final_seen);
  EXPECT_EQ(out.statuses, std::vector<int>{408});
  EXPECT_EQ(figure(metric::kClientTimeouts), 1u);
}

TEST_F(ClientFixture, NonSuccessFinalIsAckedInsideTheTransaction) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  Outcome out;
  auto tx = send(peer, "INVITE", out);
  auto invite = next(peer);
  ASSERT_TRUE(invite);
  peer.send_to(address(), answer(*invite, 486, "Busy Here"));
  auto ack = next(peer);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->rfind("ACK sip:bob@", 0), 0u) << *ack;
  // Same branch as the INVITE, To with the server's tag, CSeq method ACK.
  auto via_of = [](const std::string& m) {
    auto p = m.find("Via: ");
    return m.substr(p, m.find("\r\n", p) - p);
  };
  EXPECT_EQ(via_of(*ack), via_of(*invite));
  EXPECT_NE(ack->find(";tag=srv"), std::string::npos);
  EXPECT_NE(ack->find("CSeq: 1 ACK"), std::string::npos);
  // A retransmitted 486 gets the ACK again and is not passed up twice.
  peer.send_to(address(), answer(*invite, 486, "Busy Here"));
  auto ack2 = next(peer);
  ASSERT_TRUE(ack2);
  EXPECT_EQ(*ack2, *ack);
  EXPECT_EQ(out.statuses, std::vector<int>{486});
  // Timer D (32 s over UDP): a copy within it still gets its ACK; after it
  // the transaction is gone and a copy is a stray response.
  advance(31s);
  peer.send_to(address(), answer(*invite, 486, "Busy Here"));
  EXPECT_TRUE(next(peer));
  advance(2s);
  EXPECT_EQ(layer_->live_transactions(), 0u);
  peer.send_to(address(), answer(*invite, 486, "Busy Here"));
  pump();
  EXPECT_TRUE(drain(peer).empty());
  EXPECT_EQ(out.statuses, std::vector<int>{486});
}

TEST_F(ClientFixture, NonInviteRetransmissionIntervalIsCappedAtT2) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  Outcome out;
  auto tx = send(peer, "OPTIONS", out);
  // Timer E doubles from T1 and is capped at T2 = 4 s: copies at 0, 0.5, 1.5,
  // 3.5, 7.5, 11.5, 15.5 s (without the cap: 0, 0.5, 1.5, 3.5, 7.5, 15.5).
  advance(15500ms);
  auto copies = drain(peer);
  ASSERT_EQ(copies.size(), 7u);
  peer.send_to(address(), answer(copies[0], 200, "OK"));
  ASSERT_TRUE(pump_until([&] { return out.final_seen; }));
  EXPECT_EQ(out.statuses, std::vector<int>{200});
  advance(10s);
  EXPECT_TRUE(drain(peer).empty());
}

TEST_F(ClientFixture, NonInviteWithNoAnswerTimesOutWith408AtTimerF) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  Outcome out;
  auto tx = send(peer, "OPTIONS", out);
  advance(31999ms);
  EXPECT_FALSE(out.final_seen);
  advance(1ms);
  EXPECT_EQ(out.statuses, std::vector<int>{408});
}

}  // namespace
}  // namespace sipnic::sip
