#include "sip/transaction.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "offload/cpu_sip_parse_engine.h"
#include "sip/response_builder.h"
#include "support/loop_thread.h"
#include "support/process.h"

namespace sipnic::sip {
namespace {

using namespace std::chrono_literals;
using test::LoopThread;
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

// A transaction layer on a UDP transport on loopback, T1 = 20 ms so that
// timer-driven behaviour shows within a test's time.
class TransactionFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = test::free_port(SOCK_DGRAM);
    parser_ = std::make_unique<offload::CpuSipParseEngine>();
    thread_.call([&] {
      transport_ = std::make_unique<TransportLayer>(0, thread_.loop(), log_, metrics_, *parser_, TransportOptions{});
      transport_->listen({core::Transport::kUdp, {"127.0.0.1", port_}});
      transport_->set_peers({transport_.get()});
      layer_ = std::make_unique<TransactionLayer>(thread_.loop(), log_, metrics_, *transport_,
                                                  TransactionTimers{20ms, 80ms, 100ms}, 42);
      layer_->set_user(TransactionLayer::User{
          .on_request =
              [this](const ServerTransactionPtr& tx) {
                std::lock_guard lock(mutex_);
                servers_.push_back(tx);
                cv_.notify_all();
              },
          .on_ack =
              [this](Received&&) {
                std::lock_guard lock(mutex_);
                ++stray_acks_;
                cv_.notify_all();
              },
          .on_stray_response = [](Received&&) {},
          .on_ack_timeout = [](const ServerTransactionPtr&) {},
      });
      transport_->set_handler([this](Received&& rx) { layer_->receive(std::move(rx)); });
      return 0;
    });
  }
  void TearDown() override {
    thread_.call([&] {
      servers_.clear();
      layer_.reset();
      transport_.reset();
      return 0;
    });
  }
  core::SocketAddress address() const { return *core::SocketAddress::from_ip("127.0.0.1", port_); }
  // A figure in the registry, read on the loop thread (after what it has done so far).
  std::uint64_t figure(std::string_view name, const core::MetricLabels& match = {}) {
    return thread_.call([&] { return static_cast<std::uint64_t>(metrics_.snapshot().total(name, match)); });
  }
  ServerTransactionPtr wait_server(std::size_t n) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, 3s, [&] { return servers_.size() >= n; })) return nullptr;
    return servers_[n - 1];
  }
  // Collects datagrams at the peer for `window`.
  std::vector<std::string> drain(PeerSocket& peer, std::chrono::milliseconds window) {
    std::vector<std::string> out;
    auto end = std::chrono::steady_clock::now() + window;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left <= 0ms) break;
      auto m = peer.receive(left);
      if (!m) break;
      out.push_back(*m);
    }
    return out;
  }

  core::Log log_{core::LogLevel::kError};
  core::MetricsRegistry metrics_{1};
  LoopThread thread_;
  std::unique_ptr<offload::CpuSipParseEngine> parser_;
  std::unique_ptr<TransportLayer> transport_;
  std::unique_ptr<TransactionLayer> layer_;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<ServerTransactionPtr> servers_;
  int stray_acks_ = 0;
};

TEST_F(TransactionFixture, RetransmittedRequestReachesTheUserOnceAndGetsTheLastResponseAgain) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  std::string invite = request("INVITE", "z9hG4bK-r1", peer.local());
  peer.send_to(address(), invite);
  auto tx = wait_server(1);
  ASSERT_TRUE(tx);
  thread_.call([&] {
    tx->respond(180, build_response(tx->request(), 180, {}, {.to_tag = "tt", .source = &tx->source()}));
    return 0;
  });
  auto r1 = peer.receive(2s);
  ASSERT_TRUE(r1);
  EXPECT_EQ(first_line(*r1), "SIP/2.0 180 Ringing");
  peer.send_to(address(), invite);  // retransmission
  auto r2 = peer.receive(2s);
  ASSERT_TRUE(r2);
  EXPECT_EQ(first_line(*r2), "SIP/2.0 180 Ringing");
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(figure(metric::kTransactionsCreated, {{"kind", "server"}}), 1u);
  EXPECT_EQ(figure(metric::kTransactionsActive, {{"kind", "server"}}), 1u);
  EXPECT_EQ(figure(metric::kRetransmissionsAbsorbed), 1u);
  std::lock_guard lock(mutex_);
  EXPECT_EQ(servers_.size(), 1u);
}

TEST_F(TransactionFixture, InviteFailureIsRetransmittedUntilAckThenAbsorbed) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), request("INVITE", "z9hG4bK-g1", peer.local()));
  auto tx = wait_server(1);
  ASSERT_TRUE(tx);
  thread_.call([&] {
    tx->respond(486, build_response(tx->request(), 486, {}, {.to_tag = "tt", .source = &tx->source()}));
    return 0;
  });
  // Timer G: 20, 40, 80, 80 ms... at least three copies in 200 ms.
  auto before_ack = drain(peer, 200ms);
  ASSERT_GE(before_ack.size(), 3u);
  for (const auto& m : before_ack) EXPECT_EQ(first_line(m), "SIP/2.0 486 Busy Here");
  peer.send_to(address(), request("ACK", "z9hG4bK-g1", peer.local()));
  std::this_thread::sleep_for(30ms);
  drain(peer, 10ms);  // one copy may have crossed the ACK
  EXPECT_TRUE(drain(peer, 200ms).empty());
  std::lock_guard lock(mutex_);
  EXPECT_EQ(stray_acks_, 0);  // the non-2xx ACK stays in the transaction
}

TEST_F(TransactionFixture, AckForA2xxGoesToTheUserEndToEnd) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), request("INVITE", "z9hG4bK-a1", peer.local()));
  auto tx = wait_server(1);
  ASSERT_TRUE(tx);
  thread_.call([&] {
    tx->respond(200, build_response(tx->request(), 200, {}, {.to_tag = "tt", .source = &tx->source()}));
    return 0;
  });
  ASSERT_TRUE(peer.receive(2s));
  peer.send_to(address(), request("ACK", "z9hG4bK-a2", peer.local()));  // new branch: end to end
  std::unique_lock lock(mutex_);
  EXPECT_TRUE(cv_.wait_for(lock, 2s, [&] { return stray_acks_ == 1; }));
}

TEST_F(TransactionFixture, ResponseUsesRportAndReceivedForTheSource) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  // sent-by says port 9 (nobody there); rport makes the answer go to the source port.
  std::string opts = request("OPTIONS", "z9hG4bK-p1", *core::SocketAddress::from_ip("127.0.0.99", 9));
  peer.send_to(address(), opts);
  auto tx = wait_server(1);
  ASSERT_TRUE(tx);
  thread_.call([&] {
    tx->respond(200, build_response(tx->request(), 200, {}, {.to_tag = "tt", .source = &tx->source()}));
    return 0;
  });
  auto r = peer.receive(2s);
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
  auto r = peer.receive(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(first_line(*r).substr(0, 12), "SIP/2.0 483 ");
  EXPECT_EQ(figure(metric::kRequestsRejected), 1u);
  EXPECT_EQ(figure(metric::kTransactionsCreated), 0u);
  std::lock_guard lock(mutex_);
  EXPECT_TRUE(servers_.empty());
}

TEST_F(TransactionFixture, RequestRequiringAnUnknownExtensionIsRefused420WithUnsupported) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), request("INVITE", "z9hG4bK-e1", peer.local(), "Require: nosuchext\r\n"));
  auto r = peer.receive(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(first_line(*r).substr(0, 12), "SIP/2.0 420 ");
  EXPECT_NE(r->find("Unsupported: nosuchext\r\n"), std::string::npos) << *r;
}

// Client side: the test's peer socket plays the server.
class ClientFixture : public TransactionFixture {
 protected:
  struct Outcome {
    std::mutex m;
    std::condition_variable cv;
    std::vector<int> statuses;
    bool final_seen = false;
  };
  ClientTransactionPtr send(PeerSocket& peer, std::string method, Outcome& out) {
    return thread_.call([&] {
      OutgoingRequest r;
      r.method = method;
      r.uri = "sip:bob@" + peer.local().to_string();
      r.from = "<sip:alice@127.0.0.1>;tag=c1";
      r.to = "<sip:bob@127.0.0.1>";
      r.call_id = "client-call";
      return layer_->send_request(r, Target{core::Transport::kUdp, peer.local(), {}},
                                  [&out](const ClientResult& res) {
                                    std::lock_guard lock(out.m);
                                    out.statuses.push_back(res.status);
                                    if (res.status >= 200) out.final_seen = true;
                                    out.cv.notify_all();
                                  });
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

TEST_F(ClientFixture, InviteIsRetransmittedUntilAProvisionalArrives) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  Outcome out;
  auto tx = send(peer, "INVITE", out);
  auto copies = drain(peer, 130ms);  // Timer A: 0, 20, 60, 140 ms...
  ASSERT_GE(copies.size(), 3u);
  for (const auto& c : copies) EXPECT_EQ(c, copies[0]);
  peer.send_to(address(), answer(copies[0], 180, "Ringing"));
  std::this_thread::sleep_for(30ms);
  auto crossed = drain(peer, 5ms);  // a copy may have crossed the 180
  EXPECT_TRUE(drain(peer, 300ms).empty());
  // Every copy after the first was a retransmission, and counted as one.
  EXPECT_EQ(figure(metric::kRetransmissionsSent), copies.size() + crossed.size() - 1);
  EXPECT_EQ(figure(metric::kTransactionsCreated, {{"kind", "client"}}), 1u);
  std::lock_guard lock(out.m);
  EXPECT_EQ(out.statuses, std::vector<int>{180});
}

TEST_F(ClientFixture, InviteWithNoAnswerTimesOutWith408AfterTimerB) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  Outcome out;
  auto tx = send(peer, "INVITE", out);
  std::unique_lock lock(out.m);
  // 64*T1 = 1.28 s; the bound is generous.
  ASSERT_TRUE(out.cv.wait_for(lock, 5s, [&] { return out.final_seen; }));
  EXPECT_EQ(out.statuses.back(), 408);
  lock.unlock();
  EXPECT_EQ(figure(metric::kClientTimeouts), 1u);
}

TEST_F(ClientFixture, NonSuccessFinalIsAckedInsideTheTransaction) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  Outcome out;
  auto tx = send(peer, "INVITE", out);
  auto invite = peer.receive(2s);
  ASSERT_TRUE(invite);
  peer.send_to(address(), answer(*invite, 486, "Busy Here"));
  std::optional<std::string> ack;
  do {
    ack = peer.receive(2s);
  } while (ack && ack->rfind("INVITE", 0) == 0);  // skip INVITE retransmissions
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
  auto ack2 = peer.receive(2s);
  ASSERT_TRUE(ack2);
  EXPECT_EQ(*ack2, *ack);
  std::lock_guard lock(out.m);
  EXPECT_EQ(out.statuses, std::vector<int>{486});
}

TEST_F(ClientFixture, NonInviteRetransmissionIntervalIsCappedAtT2) {
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  Outcome out;
  auto tx = send(peer, "OPTIONS", out);
  // Timer E doubles from T1 = 20 ms and is capped at T2 = 80 ms: in 900 ms
  // about 13 copies (0, 20, 60, 140, 220, ...). Without the cap it would be 6
  // (0, 20, 60, 140, 300, 620); the bound leaves room for a loaded machine.
  auto copies = drain(peer, 900ms);
  EXPECT_GE(copies.size(), 9u);
  peer.send_to(address(), answer(copies[0], 200, "OK"));
  std::unique_lock lock(out.m);
  ASSERT_TRUE(out.cv.wait_for(lock, 2s, [&] { return out.final_seen; }));
  EXPECT_EQ(out.statuses, std::vector<int>{200});
}

}  // namespace
}  // namespace sipnic::sip
