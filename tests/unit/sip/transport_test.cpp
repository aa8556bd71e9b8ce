#include "sip/transport.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>

#include <netinet/tcp.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "offload/counting_sip_parse_engine.h"
#include "offload/cpu_sip_parse_engine.h"
#include "support/loop_thread.h"
#include "support/process.h"

namespace sipnic::sip {
namespace {

std::uint64_t figure_in(const core::MetricsRegistry& m, std::string_view name, const core::MetricLabels& match = {}) {
  return static_cast<std::uint64_t>(m.snapshot().total(name, match));
}

using namespace std::chrono_literals;
using test::PeerSocket;

const std::string kOptions =
    "OPTIONS sip:node@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:t@127.0.0.1>;tag=a\r\n"
    "To: <sip:node@127.0.0.1>\r\n"
    "Call-ID: call-1\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Content-Length: 0\r\n\r\n";

// The far end of a connected socket.
core::SocketAddress peer_of(int fd) {
  core::SocketAddress a;
  socklen_t len = core::SocketAddress::capacity();
  ::getpeername(fd, a.sa(), &len);
  return a;
}

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

// A TransportLayer on loopback, driven on the test thread: its EventLoop runs
// on a ManualClock, so time moves only by advance() and every timer test is
// exact. Sockets are real; pump_until() runs loop turns until what a test
// waits for has arrived (the real-time bound only turns a hang into a
// failure; nothing here waits for time to pass).
class TransportFixture : public ::testing::Test {
 protected:
  void start(core::Transport transport, TransportOptions options = {}) {
    port_ = test::free_port(transport == core::Transport::kUdp ? SOCK_DGRAM : SOCK_STREAM);
    offload::SipParseLimits limits;
    limits.max_message_bytes = options.max_message_bytes;
    parser_ = std::make_unique<offload::CpuSipParseEngine>(limits);
    layer_ = std::make_unique<TransportLayer>(0, loop_, log_, metrics_, *parser_, options);
    layer_->listen({transport, {"127.0.0.1", port_}});
    layer_->set_handler([this](Received&& rx) { received_.push_back(std::move(rx)); });
    layer_->set_peers({layer_.get()});
  }
  void TearDown() override { layer_.reset(); }

  core::SocketAddress address() const { return *core::SocketAddress::from_ip("127.0.0.1", port_); }

  template <typename Done>
  bool pump_until(Done done, std::chrono::milliseconds bound = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      loop_.run_once(core::Millis(5));
    }
    return true;
  }
  bool wait_for(std::size_t n) {
    return pump_until([&] { return received_.size() >= n; });
  }
  // Turns until the layer has read `n` stream bytes in all.
  bool wait_for_bytes(std::uint64_t n) {
    return pump_until([&] { return figure(metric::kStreamBytesReceived) >= n; });
  }
  // One datagram, or one read on a stream ("" on EOF); nullopt when nothing
  // arrived, or the read failed (a reset).
  std::optional<std::string> receive(PeerSocket& peer) {
    if (!pump_until([&] { return readable(peer.fd()); })) return std::nullopt;
    return peer.receive(0ms);
  }
  // Reads a stream until EOF; true if the node closed it.
  bool closed_by_node(PeerSocket& peer) {
    for (;;) {
      if (!pump_until([&] { return readable(peer.fd()); })) return false;
      char buf[65536];
      ssize_t n = ::recv(peer.fd(), buf, sizeof buf, 0);
      if (n <= 0) return true;  // EOF, or a reset (the node closed with bytes unread)
    }
  }
  // Reads `n` bytes from a connected socket the test accepted.
  std::string read_bytes(int fd, std::size_t n) {
    std::string got;
    pump_until([&] {
      char buf[65536];
      while (readable(fd)) {
        ssize_t k = ::recv(fd, buf, std::min(sizeof buf, n - got.size()), 0);
        if (k <= 0) return true;
        got.append(buf, static_cast<std::size_t>(k));
        if (got.size() >= n) return true;
      }
      return false;
    });
    return got;
  }
  void advance(core::Clock::duration d) { loop_.advance(clock_, d); }
  std::size_t log_lines_with(std::string_view text) const {
    std::size_t n = 0;
    for (const auto& l : log_lines_) n += l.find(text) != std::string::npos;
    return n;
  }
  std::string log_text() const {
    std::string all;
    for (const auto& l : log_lines_) all += l + "\n";
    return all;
  }

  // A listening socket of the test's own (the far end of outbound connections).
  struct Listener {
    Listener() : fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
      addr = *core::SocketAddress::from_ip("127.0.0.1", test::free_port(SOCK_STREAM));
      ok = ::bind(fd.get(), addr.sa(), addr.len()) == 0 && ::listen(fd.get(), 16) == 0;
    }
    core::UniqueFd fd;
    core::SocketAddress addr;
    bool ok = false;
  };
  core::UniqueFd accept_from(Listener& l) {
    if (!pump_until([&] { return readable(l.fd.get()); })) return {};
    return core::UniqueFd(::accept(l.fd.get(), nullptr, nullptr));
  }

  // A figure in the registry (the loop runs on this thread: it is up to date).
  std::uint64_t figure(std::string_view name, const core::MetricLabels& match = {}) const {
    return figure_in(metrics_, name, match);
  }

  core::MetricsRegistry metrics_{1};
  core::ManualClock clock_;
  core::EventLoop loop_{clock_};
  std::vector<std::string> log_lines_;
  core::Log log_{core::LogLevel::kInfo, [this](core::LogLevel, std::string_view line) {
                   log_lines_.emplace_back(line);
                 }};
  std::unique_ptr<offload::CpuSipParseEngine> parser_;
  std::unique_ptr<TransportLayer> layer_;
  std::uint16_t port_ = 0;
  std::vector<Received> received_;
};

TEST_F(TransportFixture, UdpDatagramArrivesAsIndexedMessageWithItsSource) {
  start(core::Transport::kUdp);
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), kOptions);
  ASSERT_TRUE(wait_for(1));
  const Received& rx = received_[0];
  EXPECT_EQ(rx.transport, core::Transport::kUdp);
  EXPECT_EQ(rx.message.method(), "OPTIONS");
  EXPECT_EQ(rx.message.header(offload::HeaderId::kCallId), "call-1");
  EXPECT_EQ(rx.source, peer.local());
  EXPECT_FALSE(rx.connection.valid());
}

TEST_F(TransportFixture, ReceivedMessagesAndParseBatchesAreCountedInTheRegistry) {
  start(core::Transport::kUdp);
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  for (int i = 0; i < 3; ++i) peer.send_to(address(), kOptions);
  ASSERT_TRUE(wait_for(3));
  EXPECT_EQ(figure(metric::kMessagesReceived, {{"transport", "udp"}}), 3u);
  EXPECT_EQ(figure(metric::kMessagesReceived, {{"transport", "udp"}, {"worker", "0"}}), 3u);
  EXPECT_EQ(figure(metric::kMessagesReceived, {{"transport", "tcp"}}), 0u);
  // However the datagrams fell into loop turns, the batches hold all three.
  const auto snap = metrics_.snapshot();
  EXPECT_GE(snap.histogram_count(metric::kParseBatchSegments), 1u);
  EXPECT_EQ(snap.histogram_sum(metric::kParseBatchSegments), 3.0);
}

TEST_F(TransportFixture, MessageToATcpPeerThatRefusesIsASendErrorNotSent) {
  start(core::Transport::kTcp);
  bool failed = false;
  layer_->set_failure_handler([&failed](core::Transport, const core::SocketAddress&) { failed = true; });
  // A port nobody listens on: the connect is refused, at once (send says
  // false) or when the kernel reports it (the failure handler runs).
  auto dest = core::SocketAddress::from_ip("127.0.0.1", test::free_port(SOCK_STREAM));
  if (layer_->send(core::Transport::kTcp, *dest, {}, kOptions)) {
    ASSERT_TRUE(pump_until([&] { return failed; }));
  }
  EXPECT_EQ(figure(metric::kSendErrors, {{"transport", "tcp"}}), 1u);
  EXPECT_EQ(figure(metric::kMessagesSent), 0u);
  EXPECT_EQ(figure(metric::kConnectionsOpen), 0u);
}

TEST_F(TransportFixture, UdpRequestWithBodyShorterThanContentLengthIsAnswered400) {
  start(core::Transport::kUdp);
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  std::string bad = kOptions;
  bad.replace(bad.find("Content-Length: 0"), 17, "Content-Length: 50");
  peer.send_to(address(), bad);
  auto reply = receive(peer);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->substr(0, 12), "SIP/2.0 400 ");
  EXPECT_NE(reply->find("Call-ID: call-1\r\n"), std::string::npos);
  EXPECT_EQ(figure(metric::kParseErrors, {{"reason", "body_truncated"}}), 1u);
  EXPECT_EQ(figure(metric::kParseErrors), 1u);
  EXPECT_EQ(figure(metric::kParseErrorsAnswered), 1u);
  EXPECT_EQ(figure(metric::kMessagesReceived), 0u);
  EXPECT_TRUE(received_.empty());
}

TEST_F(TransportFixture, UdpGarbageIsDroppedAndCountedWithoutAnswer) {
  start(core::Transport::kUdp);
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), "\x01\x02 not sip at all\r\n\r\n");
  ASSERT_TRUE(pump_until([&] { return figure(metric::kParseErrors) == 1; }));
  EXPECT_EQ(figure(metric::kParseErrors, {{"reason", "bad_bytes"}}), 1u);
  // The node still serves the next good message; it never answered the garbage.
  peer.send_to(address(), kOptions);
  EXPECT_TRUE(wait_for(1));
  EXPECT_FALSE(readable(peer.fd()));
  EXPECT_EQ(figure(metric::kParseErrorsAnswered), 0u);
}

TEST_F(TransportFixture, TcpCoalescedMessagesInOneWriteAreAllDelivered) {
  start(core::Transport::kTcp);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  std::string second = kOptions;
  second.replace(second.find("call-1"), 6, "call-2");
  peer.send(kOptions + "\r\n" + second);  // with a CRLF keepalive between them
  ASSERT_TRUE(wait_for(2));
  EXPECT_EQ(received_[0].message.header(offload::HeaderId::kCallId), "call-1");
  EXPECT_EQ(received_[1].message.header(offload::HeaderId::kCallId), "call-2");
  EXPECT_TRUE(received_[0].connection.valid());
  EXPECT_EQ(received_[0].connection.id, received_[1].connection.id);
}

TEST_F(TransportFixture, TcpMessageSplitAcrossWritesIsDeliveredOnceWhole) {
  start(core::Transport::kTcp);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  for (std::size_t i = 0; i < kOptions.size(); i += 37) {
    peer.send(kOptions.substr(i, 37));
    // Each piece is read (and parsed, at its turn's end) before the next is sent.
    ASSERT_TRUE(wait_for_bytes(std::min(i + 37, kOptions.size())));
  }
  ASSERT_TRUE(wait_for(1));
  loop_.run_once();
  ASSERT_EQ(received_.size(), 1u);
  EXPECT_EQ(received_[0].message.bytes, kOptions);
}

TEST_F(TransportFixture, TcpResponseGoesBackOnTheRequestsConnection) {
  start(core::Transport::kTcp);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send(kOptions);
  ASSERT_TRUE(wait_for(1));
  const Received rx = received_[0];
  EXPECT_TRUE(layer_->send(core::Transport::kTcp, rx.source, rx.connection, "SIP/2.0 200 OK\r\n\r\n"));
  auto reply = receive(peer);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, "SIP/2.0 200 OK\r\n\r\n");
}

TEST_F(TransportFixture, TcpMissingContentLengthIsAnsweredAndTheConnectionClosed) {
  start(core::Transport::kTcp);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  std::string bad = kOptions;
  bad.erase(bad.find("Content-Length: 0\r\n"), 19);
  peer.send(bad);
  auto reply = receive(peer);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->substr(0, 12), "SIP/2.0 400 ");
  // Then EOF: the stream cannot be resynchronised after a framing error.
  EXPECT_TRUE(closed_by_node(peer));
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "framing_error"}}), 1u);
  EXPECT_EQ(layer_->connection_count(), 0u);
  EXPECT_EQ(figure(metric::kParseErrors, {{"reason", "missing_content_length"}}), 1u);
  EXPECT_EQ(figure(metric::kConnectionsAccepted, {{"transport", "tcp"}}), 1u);
  EXPECT_EQ(figure(metric::kConnectionsOpen), 0u);
}

TEST_F(TransportFixture, FramingErrorsFromOneAddressAreLoggedOncePerInterval) {
  start(core::Transport::kTcp);
  std::string bad = kOptions;
  bad.erase(bad.find("Content-Length: 0\r\n"), 19);
  for (int i = 0; i < 5; ++i) {
    PeerSocket peer(AF_INET, SOCK_STREAM);
    ASSERT_TRUE(peer.connect(address()));
    peer.send(bad);
    ASSERT_TRUE(closed_by_node(peer));
  }
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "framing_error"}}), 5u);
  EXPECT_EQ(log_lines_with("requires a Content-Length header"), 1u) << log_text();
  // After the interval the next one is written, with the count of those held back.
  advance(10s);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send(bad);
  ASSERT_TRUE(closed_by_node(peer));
  EXPECT_EQ(log_lines_with("requires a Content-Length header"), 2u) << log_text();
  EXPECT_EQ(log_lines_with("(4 similar lines suppressed)"), 1u) << log_text();
}

TEST_F(TransportFixture, TcpMessageOverTheSizeLimitGets513AndClose) {
  TransportOptions options;
  options.max_message_bytes = 1024;
  start(core::Transport::kTcp, options);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  std::string big = kOptions;
  big.replace(big.find("Content-Length: 0"), 17, "Content-Length: 4000");
  big += std::string(4000, 'x');
  peer.send(big);
  auto reply = receive(peer);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->substr(0, 12), "SIP/2.0 513 ");
}

TEST_F(TransportFixture, TcpPartialMessageHeldTooLongClosesTheConnectionAtTheTimeout) {
  TransportOptions options;
  options.partial_message_timeout_ms = 100;
  start(core::Transport::kTcp, options);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send(kOptions.substr(0, 40));
  ASSERT_TRUE(wait_for_bytes(40));
  advance(99ms);
  EXPECT_EQ(layer_->connection_count(), 1u);
  EXPECT_FALSE(readable(peer.fd()));
  advance(1ms);
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "partial_message_timeout"}}), 1u);
  EXPECT_EQ(layer_->connection_count(), 0u);
  auto eof = receive(peer);
  ASSERT_TRUE(eof);
  EXPECT_TRUE(eof->empty());
}

TEST_F(TransportFixture, IdleConnectionIsClosedAtTheIdleTimeoutAndEachReadRestartsIt) {
  TransportOptions options;
  options.tcp_idle_timeout_ms = 1000;
  start(core::Transport::kTcp, options);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send(kOptions);
  ASSERT_TRUE(wait_for(1));
  advance(600ms);
  peer.send(kOptions);
  ASSERT_TRUE(wait_for(2));
  advance(999ms);  // 1599 ms after the accept, 999 ms after the last read
  EXPECT_EQ(layer_->connection_count(), 1u);
  advance(1ms);
  EXPECT_EQ(layer_->connection_count(), 0u);
  EXPECT_TRUE(closed_by_node(peer));
}

TEST_F(TransportFixture, TcpSendOpensAConnectionToAPeerAndReusesIt) {
  start(core::Transport::kTcp);
  Listener far;
  ASSERT_TRUE(far.ok);
  EXPECT_TRUE(layer_->send(core::Transport::kTcp, far.addr, {}, kOptions));
  core::UniqueFd conn = accept_from(far);
  ASSERT_TRUE(conn);
  EXPECT_TRUE(layer_->send(core::Transport::kTcp, far.addr, {}, kOptions));
  EXPECT_EQ(read_bytes(conn.get(), 2 * kOptions.size()), kOptions + kOptions);
  EXPECT_EQ(layer_->connection_count(), 1u);
}

// ---- two-sided nodes: the leg's own address -------------------------------------

// A node with an inside (127.0.0.1) and an outside (127.0.0.2) address, UDP
// and TCP on each, the trunk "pbx" inside and "carrier" outside.
class TwoSidedTransport : public TransportFixture {
 protected:
  void SetUp() override {
    offload::SipParseLimits limits;
    parser_ = std::make_unique<offload::CpuSipParseEngine>(limits);
    layer_ = std::make_unique<TransportLayer>(0, loop_, log_, metrics_, *parser_, TransportOptions{});
    for (auto* a : {&inside_udp_, &outside_udp_})
      *a = *core::SocketAddress::from_ip(a == &inside_udp_ ? "127.0.0.1" : "127.0.0.2", test::free_port(SOCK_DGRAM));
    for (auto* a : {&inside_tcp_, &outside_tcp_})
      *a = *core::SocketAddress::from_ip(a == &inside_tcp_ ? "127.0.0.1" : "127.0.0.2", test::free_port(SOCK_STREAM));
    for (const auto& a : {inside_udp_, outside_udp_}) layer_->listen({core::Transport::kUdp, {a.ip(), a.port()}});
    for (const auto& a : {inside_tcp_, outside_tcp_}) layer_->listen({core::Transport::kTcp, {a.ip(), a.port()}});
    layer_->set_handler([this](Received&& rx) { received_.push_back(std::move(rx)); });
    layer_->set_peers({layer_.get()});
  }
  void use_trunk_locals() {
    layer_->set_trunk_local("pbx", *core::SocketAddress::from_ip("127.0.0.1", 0));
    layer_->set_trunk_local("carrier", *core::SocketAddress::from_ip("127.0.0.2", 0));
  }
  // Sends kOptions on `trunk`'s leg to `far`; the connection far accepts.
  core::UniqueFd connect_leg(Listener& far, const std::string& trunk) {
    if (!far.ok || !layer_->send(core::Transport::kTcp, far.addr, {}, kOptions, trunk)) return {};
    return accept_from(far);
  }

  core::SocketAddress inside_udp_, outside_udp_, inside_tcp_, outside_tcp_;
};

TEST_F(TwoSidedTransport, UdpSendOnATrunkLeavesFromTheSocketOfTheTrunksLocalAddress) {
  use_trunk_locals();
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(layer_->send(core::Transport::kUdp, peer.local(), {}, kOptions, "carrier"));
  core::SocketAddress from;
  ASSERT_EQ(peer.receive(5000ms, &from), kOptions);
  EXPECT_EQ(from, outside_udp_);
  ASSERT_TRUE(layer_->send(core::Transport::kUdp, peer.local(), {}, kOptions, "pbx"));
  ASSERT_EQ(peer.receive(5000ms, &from), kOptions);
  EXPECT_EQ(from, inside_udp_);
  EXPECT_EQ(layer_->source_for(core::Transport::kUdp, peer.local(), "carrier"), outside_udp_);
  EXPECT_EQ(layer_->source_for(core::Transport::kUdp, peer.local(), "pbx"), inside_udp_);
}

TEST_F(TwoSidedTransport, UdpAnswerLeavesFromTheSocketTheRequestArrivedOnWhateverTheTrunk) {
  use_trunk_locals();
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(outside_udp_, kOptions);
  ASSERT_TRUE(wait_for(1));
  EXPECT_EQ(received_[0].local, outside_udp_);
  // Even on the inside trunk's leg: the peer expects the answer from where it sent.
  ASSERT_TRUE(layer_->send(core::Transport::kUdp, received_[0].source, {}, "SIP/2.0 200 OK\r\n\r\n", "pbx",
                           received_[0].local));
  core::SocketAddress from;
  ASSERT_TRUE(peer.receive(5000ms, &from));
  EXPECT_EQ(from, outside_udp_);
}

TEST_F(TwoSidedTransport, TcpConnectOnATrunkIsBoundToItsLocalAddressAndNamesItsListener) {
  use_trunk_locals();
  Listener far;  // on 127.0.0.1, where the kernel alone would send from 127.0.0.1
  core::UniqueFd conn = connect_leg(far, "carrier");
  ASSERT_TRUE(conn);
  EXPECT_EQ(peer_of(conn.get()).ip(), "127.0.0.2");
  EXPECT_EQ(read_bytes(conn.get(), kOptions.size()), kOptions);
  // Via names the listener at that address (where answers and new requests come).
  EXPECT_EQ(layer_->source_for(core::Transport::kTcp, far.addr, "carrier"), outside_tcp_);
}

TEST_F(TwoSidedTransport, ConnectionFromTheOtherSideIsNotReusedForATrunksLeg) {
  use_trunk_locals();
  Listener far;
  core::UniqueFd inside = connect_leg(far, "pbx");
  ASSERT_TRUE(inside);
  EXPECT_EQ(peer_of(inside.get()).ip(), "127.0.0.1");
  core::UniqueFd outside = connect_leg(far, "carrier");
  ASSERT_TRUE(outside);
  EXPECT_EQ(peer_of(outside.get()).ip(), "127.0.0.2");
  EXPECT_EQ(read_bytes(outside.get(), kOptions.size()), kOptions);
  EXPECT_EQ(layer_->connection_count(), 2u);
  // The same leg again reuses its own connection.
  ASSERT_TRUE(layer_->send(core::Transport::kTcp, far.addr, {}, kOptions, "carrier"));
  EXPECT_EQ(read_bytes(outside.get(), kOptions.size()), kOptions);
  EXPECT_EQ(layer_->connection_count(), 2u);
}

TEST_F(TwoSidedTransport, WithoutALocalTheSourceIsTheOneTheKernelsRouteToThePeerPicks) {
  // No `local` for the trunk: of two listen addresses, the one the route
  // to the peer has as source (Linux loopback: 127.0.0.1 for any 127/8
  // destination, so a peer on 127.0.0.2 still gets 127.0.0.1).
  auto dest = *core::SocketAddress::from_ip("127.0.0.2", 5060);
  EXPECT_EQ(layer_->source_for(core::Transport::kUdp, dest, "carrier"), inside_udp_);
  EXPECT_EQ(layer_->source_for(core::Transport::kTcp, dest, "carrier"), inside_tcp_);
}

TEST_F(TransportFixture, ALegOnATransportItsAddressDoesNotListenOnStillNamesAndBindsThatAddress) {
  // UDP on both sides, TCP inside only: a TCP next hop of the outside trunk.
  start(core::Transport::kTcp);  // 127.0.0.1
  const auto outside_udp = *core::SocketAddress::from_ip("127.0.0.2", test::free_port(SOCK_DGRAM));
  layer_->listen({core::Transport::kUdp, {outside_udp.ip(), outside_udp.port()}});
  layer_->set_trunk_local("carrier", outside_udp);
  Listener far;
  ASSERT_TRUE(far.ok);
  EXPECT_EQ(layer_->source_for(core::Transport::kTcp, far.addr, "carrier"), outside_udp);
  ASSERT_TRUE(layer_->send(core::Transport::kTcp, far.addr, {}, kOptions, "carrier"));
  core::UniqueFd conn = accept_from(far);
  ASSERT_TRUE(conn);
  EXPECT_EQ(peer_of(conn.get()).ip(), "127.0.0.2");
}

TEST_F(TransportFixture, WithOneListenAddressItIsTheSourceWhateverTheRoute) {
  offload::SipParseLimits limits;
  parser_ = std::make_unique<offload::CpuSipParseEngine>(limits);
  layer_ = std::make_unique<TransportLayer>(0, loop_, log_, metrics_, *parser_, TransportOptions{});
  const auto only = *core::SocketAddress::from_ip("127.0.0.2", test::free_port(SOCK_DGRAM));
  layer_->listen({core::Transport::kUdp, {only.ip(), only.port()}});
  // The route to 127.0.0.5 has 127.0.0.1 as source; the node has none there.
  EXPECT_EQ(layer_->source_for(core::Transport::kUdp, *core::SocketAddress::from_ip("127.0.0.5", 5060), "t"), only);
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  ASSERT_TRUE(layer_->send(core::Transport::kUdp, peer.local(), {}, kOptions, "t"));
  core::SocketAddress from;
  ASSERT_EQ(peer.receive(5000ms, &from), kOptions);
  EXPECT_EQ(from, only);
}

// ---- limits on inbound connections -----------------------------------------------

TEST_F(TransportFixture, ConnectionThatSendsNoCompleteMessageIsClosedAtTheFirstMessageTimeout) {
  TransportOptions options;
  options.first_message_timeout_ms = 2000;
  start(core::Transport::kTcp, options);
  PeerSocket silent(AF_INET, SOCK_STREAM);
  PeerSocket pinging(AF_INET, SOCK_STREAM);
  PeerSocket talking(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(silent.connect(address()));
  ASSERT_TRUE(pinging.connect(address()));
  ASSERT_TRUE(talking.connect(address()));
  ASSERT_TRUE(pump_until([&] { return figure(metric::kConnectionsAccepted) == 3; }));
  talking.send(kOptions);
  ASSERT_TRUE(wait_for(1));
  advance(1500ms);
  pinging.send("\r\n\r\n");  // a keepalive ping is answered, but is no message
  ASSERT_TRUE(receive(pinging));
  advance(499ms);
  EXPECT_EQ(layer_->connection_count(), 3u);
  advance(1ms);
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "no_first_message"}}), 2u);
  EXPECT_EQ(layer_->connection_count(), 1u);  // the one that sent a message stays
  EXPECT_TRUE(closed_by_node(silent));
  EXPECT_TRUE(closed_by_node(pinging));
  EXPECT_FALSE(readable(talking.fd()));
  // Both closes come from one address: one line.
  EXPECT_EQ(log_lines_with("no complete SIP message within 2000 ms"), 1u) << log_text();
}

TEST_F(TransportFixture, ConnectionsOverThePerSourceLimitAreClosedAtOnceAndCounted) {
  TransportOptions options;
  options.max_connections_per_source = 2;
  start(core::Transport::kTcp, options);
  auto a1 = std::make_unique<PeerSocket>(AF_INET, SOCK_STREAM, "127.0.0.1");
  PeerSocket a2(AF_INET, SOCK_STREAM, "127.0.0.1");
  PeerSocket a3(AF_INET, SOCK_STREAM, "127.0.0.1");
  PeerSocket b1(AF_INET, SOCK_STREAM, "127.0.0.2");
  ASSERT_TRUE(a1->connect(address()));
  ASSERT_TRUE(a2.connect(address()));
  ASSERT_TRUE(pump_until([&] { return figure(metric::kConnectionsAccepted) == 2; }));
  ASSERT_TRUE(a3.connect(address()));
  EXPECT_TRUE(closed_by_node(a3));
  EXPECT_EQ(figure(metric::kConnectionsRefused, {{"reason", "source_limit"}}), 1u);
  // Another address is not affected.
  ASSERT_TRUE(b1.connect(address()));
  b1.send(kOptions);
  ASSERT_TRUE(wait_for(1));
  EXPECT_EQ(layer_->connection_count(), 3u);
  EXPECT_EQ(log_lines_with("(max-connections-per-source)"), 1u) << log_text();
  // A closed connection gives its place back.
  a1.reset();
  ASSERT_TRUE(pump_until([&] { return layer_->connection_count() == 2; }));
  PeerSocket a4(AF_INET, SOCK_STREAM, "127.0.0.1");
  ASSERT_TRUE(a4.connect(address()));
  a4.send(kOptions);
  ASSERT_TRUE(wait_for(2));
  EXPECT_EQ(figure(metric::kConnectionsRefused, {{"reason", "source_limit"}}), 1u);
}

TEST_F(TransportFixture, ConnectionsOverTheNodeLimitAreClosedAtOnceAndCounted) {
  TransportOptions options;
  options.max_connections = 2;
  start(core::Transport::kTcp, options);
  PeerSocket a(AF_INET, SOCK_STREAM, "127.0.0.1");
  PeerSocket b(AF_INET, SOCK_STREAM, "127.0.0.2");
  PeerSocket c(AF_INET, SOCK_STREAM, "127.0.0.3");
  ASSERT_TRUE(a.connect(address()));
  ASSERT_TRUE(b.connect(address()));
  ASSERT_TRUE(pump_until([&] { return figure(metric::kConnectionsAccepted) == 2; }));
  ASSERT_TRUE(c.connect(address()));
  EXPECT_TRUE(closed_by_node(c));
  EXPECT_EQ(figure(metric::kConnectionsRefused, {{"reason", "node_limit"}}), 1u);
  EXPECT_EQ(layer_->connection_count(), 2u);
  EXPECT_EQ(log_lines_with("(max-connections)"), 1u) << log_text();
}

TEST_F(TransportFixture, NodeWideLimitsAreSharedByTheWorkersTransports) {
  // Two workers' layers (each on its own loop, as in a node) with one set
  // of limits: connections from one address count together wherever the
  // kernel put them.
  ConnectionLimits shared(0, 2);
  start(core::Transport::kTcp);
  layer_->set_connection_limits(&shared);
  core::ManualClock clock2;
  core::EventLoop loop2(clock2);
  offload::CpuSipParseEngine parser2;
  core::MetricsRegistry metrics2{2};
  TransportLayer second(1, loop2, log_, metrics2, parser2, {});
  const std::uint16_t port2 = test::free_port(SOCK_STREAM);
  second.listen({core::Transport::kTcp, {"127.0.0.1", port2}});
  second.set_connection_limits(&shared);
  PeerSocket a1(AF_INET, SOCK_STREAM);
  PeerSocket a2(AF_INET, SOCK_STREAM);
  PeerSocket a3(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(a1.connect(address()));
  ASSERT_TRUE(a2.connect(*core::SocketAddress::from_ip("127.0.0.1", port2)));
  ASSERT_TRUE(pump_until([&] {
    loop2.run_once();
    return figure(metric::kConnectionsAccepted) == 1 && figure_in(metrics2, metric::kConnectionsAccepted) == 1;
  }));
  EXPECT_EQ(shared.open(), 2u);
  ASSERT_TRUE(a3.connect(*core::SocketAddress::from_ip("127.0.0.1", port2)));
  ASSERT_TRUE(pump_until([&] {
    loop2.run_once();
    return figure_in(metrics2, metric::kConnectionsRefused, {{"reason", "source_limit"}}) == 1;
  }));
  EXPECT_EQ(second.connection_count(), 1u);
  layer_.reset();  // it points at `shared`, which ends with this scope
}

// ---- output cap ---------------------------------------------------------------

TEST_F(TransportFixture, PeerThatNeverReadsIsClosedWhenItsOutputPassesTheCap) {
  TransportOptions options;
  options.max_output_buffer_bytes = 64 * 1024;
  start(core::Transport::kTcp, options);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  int small = 4096;
  ::setsockopt(peer.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  ASSERT_TRUE(peer.connect(address()));
  peer.send(kOptions);
  ASSERT_TRUE(wait_for(1));
  const Received rx = received_[0];
  // Answers the peer never reads: the kernel's buffers fill, then sipnic's
  // own, up to the cap.
  const std::string answer = "SIP/2.0 200 OK\r\nContent-Length: 8000\r\n\r\n" + std::string(8000, 'x');
  int sent = 0;
  while (layer_->send(core::Transport::kTcp, rx.source, rx.connection, answer)) {
    ASSERT_LT(++sent, 100000) << "the output was never capped";
  }
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "output_full"}}), 1u);
  EXPECT_EQ(layer_->connection_count(), 0u);
  EXPECT_EQ(log_lines_with("over max-output-buffer (65536)"), 1u) << log_text();
  EXPECT_TRUE(closed_by_node(peer));
}

TEST_F(TransportFixture, PipelinedRequestsFromAPeerThatNeverReadsEndAtTheCap) {
  // The case: a peer pipelines requests and never reads the answers.
  TransportOptions options;
  options.max_output_buffer_bytes = 64 * 1024;
  start(core::Transport::kTcp, options);
  layer_->set_handler([this](Received&& rx) {
    std::string answer = "SIP/2.0 200 OK\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'y');
    layer_->send(rx.transport, rx.source, rx.connection, std::move(answer));
  });
  PeerSocket peer(AF_INET, SOCK_STREAM);
  int small = 4096;
  ::setsockopt(peer.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  ASSERT_TRUE(peer.connect(address()));
  std::string batch;
  for (int i = 0; i < 50; ++i) batch += kOptions;
  auto closed_inbound = [&] { return log_lines_with("tcp " + peer.local().to_string() + ": ") > 0; };
  for (int round = 0; round < 2000 && !closed_inbound(); ++round) {
    if (::send(peer.fd(), batch.data(), batch.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN) break;
    loop_.run_once(core::Millis(1));
  }
  ASSERT_TRUE(pump_until(closed_inbound)) << figure(metric::kMessagesReceived) << " requests, " << figure(metric::kMessagesSent)
                                          << " answers\n" << log_text();
  EXPECT_GE(figure(metric::kConnectionsDropped, {{"reason", "output_full"}}), 1u);
  EXPECT_NE(log_text().find("over max-output-buffer (65536): the peer is not reading; closing"), std::string::npos);
  EXPECT_TRUE(closed_by_node(peer));
}

// ---- descriptor exhaustion ------------------------------------------------------------

// UBSan checks the dynamic type of an object at a virtual call; the first
// check of a type (then cached) tests the object's memory with a pipe(2),
// which needs two descriptors. Under a lowered RLIMIT_NOFILE that fails and
// UBSan reports a bad vptr where there is none: the virtual calls the
// transport makes while the limit holds are made once before it.
void warm_sanitizer_type_checks(core::EventLoop& loop, core::ManualClock& clock, offload::SipParseEngine& parser) {
  (void)loop.now();
  loop.advance(clock, core::Millis(0));
  offload::SipParseOutput out;
  parser.parse({}, {}, out);
}

// Lowers RLIMIT_NOFILE so that exactly `room` more descriptors can be opened
// now, and restores it when destroyed.
class DescriptorLimit {
 public:
  explicit DescriptorLimit(int room) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    // dup() returns the lowest free numbers: after `room` of them, every
    // number below the last one is taken.
    std::vector<int> probe;
    for (int i = 0; i < room; ++i) probe.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    int highest = probe.back();
    for (int fd : probe) ::close(fd);
    rlimit low = saved_;
    low.rlim_cur = static_cast<rlim_t>(highest + 1);
    ok_ = ::setrlimit(RLIMIT_NOFILE, &low) == 0;
  }
  ~DescriptorLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

TEST_F(TransportFixture, OutOfDescriptorsTheListenerPausesRefusesAtOnceLogsOnceAndRecovers) {
  TransportOptions options;
  options.accept_pause_ms = 500;
  start(core::Transport::kTcp, options);
  // Every socket of the test exists before the limit is lowered.
  auto a = std::make_unique<PeerSocket>(AF_INET, SOCK_STREAM);
  PeerSocket b(AF_INET, SOCK_STREAM);
  PeerSocket refused1(AF_INET, SOCK_STREAM);
  PeerSocket refused2(AF_INET, SOCK_STREAM);
  PeerSocket later(AF_INET, SOCK_STREAM);
  warm_sanitizer_type_checks(loop_, clock_, *parser_);
  DescriptorLimit limit(2);  // room for two accepted connections
  ASSERT_TRUE(limit.ok());
  ASSERT_TRUE(a->connect(address()));
  ASSERT_TRUE(b.connect(address()));
  ASSERT_TRUE(pump_until([&] { return figure(metric::kConnectionsAccepted) == 2; }));
  // The table is full: the accept loop's next accept() failed with EMFILE,
  // and the listener left the loop for a pause.
  EXPECT_TRUE(layer_->accepting_paused());
  EXPECT_EQ(figure(metric::kAcceptFailures), 1u);
  EXPECT_EQ(figure(metric::kAcceptPauses), 1u);
  // No spin: turn after turn, no accept is tried while paused.
  for (int i = 0; i < 200; ++i) loop_.run_once();
  EXPECT_EQ(figure(metric::kAcceptFailures), 1u);

  // A connection that comes meanwhile waits for the end of the pause; then
  // accept() fails again, and it is taken on the reserve descriptor and
  // closed at once rather than left to time out.
  ASSERT_TRUE(refused1.connect(address()));
  advance(499ms);
  EXPECT_FALSE(readable(refused1.fd()));
  EXPECT_EQ(figure(metric::kAcceptFailures), 1u);
  advance(1ms);
  EXPECT_TRUE(closed_by_node(refused1));
  EXPECT_EQ(figure(metric::kConnectionsRefused, {{"reason", "no_descriptor"}}), 1u);
  EXPECT_EQ(figure(metric::kAcceptFailures), 2u);
  EXPECT_EQ(figure(metric::kAcceptPauses), 2u);
  ASSERT_TRUE(refused2.connect(address()));
  advance(500ms);
  EXPECT_TRUE(closed_by_node(refused2));
  EXPECT_EQ(figure(metric::kConnectionsRefused, {{"reason", "no_descriptor"}}), 2u);
  EXPECT_EQ(figure(metric::kAcceptFailures), 3u);
  // One line for the whole spell.
  EXPECT_EQ(log_lines_with("cannot accept connections: Too many open files"), 1u) << log_text();

  // A connection closes: a descriptor is free, accepting resumes at once.
  a.reset();
  ASSERT_TRUE(pump_until([&] { return !layer_->accepting_paused(); }));
  ASSERT_TRUE(later.connect(address()));
  later.send(kOptions);
  ASSERT_TRUE(wait_for(1));
  EXPECT_EQ(received_[0].source, later.local());
  EXPECT_EQ(figure(metric::kAcceptFailures), 3u);
  EXPECT_EQ(log_lines_with("accepting connections again (2 refused while out of descriptors)"), 1u)
      << log_text();
}

TEST_F(TransportFixture, FailedConnectsToOnePeerAreLoggedOncePerIntervalWithTheCount) {
  start(core::Transport::kTcp);
  // A port nobody listens on.
  const auto dead = *core::SocketAddress::from_ip("127.0.0.1", test::free_port(SOCK_STREAM));
  for (std::uint64_t i = 1; i <= 5; ++i) {
    layer_->send(core::Transport::kTcp, dead, {}, kOptions);
    ASSERT_TRUE(pump_until([&] { return figure(metric::kSendErrors) == i; }));
  }
  EXPECT_EQ(log_lines_with("connect to " + dead.to_string() + " failed"), 1u) << log_text();
  advance(10s);
  layer_->send(core::Transport::kTcp, dead, {}, kOptions);
  ASSERT_TRUE(pump_until([&] { return figure(metric::kSendErrors) == 6; }));
  EXPECT_EQ(log_lines_with("connect to " + dead.to_string() + " failed"), 2u) << log_text();
  EXPECT_EQ(log_lines_with("(4 similar lines suppressed)"), 1u) << log_text();
}

// ---- TLS plumbing, with a stand-in SecureStream -----------------------------
// The real TLS session lives in tls/ and is tested there and end to end; here
// a transparent stand-in checks what the transport itself must do: hand raw
// bytes to the stream, wait for the turn's batch before parsing, tag messages
// with the verified trunk, seal sends, close on failure and on a handshake
// that never completes. Its "handshake" is the line "HELLO\n" answered
// "WELCOME\n"; its "records" are bytes XORed with 0x20, applied only in
// run_batch() so that a missing batch run shows.

class StandInStream;

class StandInFactory : public SecureStreamFactory {
 public:
  std::unique_ptr<SecureStream> accept(const core::SocketAddress&, const core::SocketAddress&) override;
  std::unique_ptr<SecureStream> connect(const core::SocketAddress&, std::string_view trunk) override;
  void run_batch() override;
  std::vector<StandInStream*> live;
  int batches = 0;
  int accepted = 0;  // server-side streams made
};

class StandInStream : public SecureStream {
 public:
  StandInStream(StandInFactory& f, bool client, std::string trunk) : f_(f), client_(client), trunk_(std::move(trunk)) {
    f_.live.push_back(this);
    if (client_) out_ += "HELLO\n";
  }
  ~StandInStream() override { std::erase(f_.live, this); }
  void on_received(std::string_view raw) override {
    if (state_ == State::kHandshaking) {
      hs_ += raw;
      auto nl = hs_.find('\n');
      if (nl == std::string::npos) return;
      std::string line = hs_.substr(0, nl);
      raw_in_ += hs_.substr(nl + 1);
      hs_.clear();
      if (line == (client_ ? "WELCOME" : "HELLO")) {
        state_ = State::kOpen;
        if (!client_) out_ += "WELCOME\n";
      } else {
        state_ = State::kFailed;
        reason_ = "stand-in handshake refused: '" + line + "'";
      }
      return;
    }
    raw_in_ += raw;
  }
  // The transport reads into this space; committed bytes take the
  // on_received path.
  std::span<char> receive_space(std::size_t n) override {
    space_.resize(n);
    return space_;
  }
  void commit_received(std::size_t k) override {
    if (k > 0) on_received(std::string_view(space_.data(), std::min(k, space_.size())));
    space_.clear();
  }
  void send(std::string_view plain) override { plain_out_ += plain; }
  std::size_t pending_bytes() const override { return plain_out_.size() + out_.size(); }
  void take_plaintext(std::string& out) override {
    out += plain_in_;
    plain_in_.clear();
  }
  void take_output(std::string& out) override {
    out += out_;
    out_.clear();
  }
  State state() const override { return state_; }
  std::string reason() const override { return reason_; }
  SecureFailure failure() const override {
    return state_ == State::kFailed ? SecureFailure::kHandshake : SecureFailure::kNone;
  }
  std::string trunk() const override { return state_ == State::kOpen ? trunk_ : std::string(); }
  void close() override { state_ = State::kClosing; }
  void crypt() {
    if (state_ != State::kOpen) return;
    for (char ch : raw_in_) plain_in_ += static_cast<char>(ch ^ 0x20);
    raw_in_.clear();
    for (char ch : plain_out_) out_ += static_cast<char>(ch ^ 0x20);
    plain_out_.clear();
  }

 private:
  std::vector<char> space_;
  StandInFactory& f_;
  bool client_;
  std::string trunk_;
  State state_ = State::kHandshaking;
  std::string reason_, hs_, raw_in_, plain_in_, plain_out_, out_;
};

std::unique_ptr<SecureStream> StandInFactory::accept(const core::SocketAddress&, const core::SocketAddress&) {
  ++accepted;
  return std::make_unique<StandInStream>(*this, false, "stand-in-trunk");
}
std::unique_ptr<SecureStream> StandInFactory::connect(const core::SocketAddress&, std::string_view trunk) {
  return std::make_unique<StandInStream>(*this, true, std::string(trunk));
}
void StandInFactory::run_batch() {
  ++batches;
  for (auto* s : live) s->crypt();
}

std::string xor20(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(ch ^ 0x20);
  return s;
}

class SecureTransportFixture : public TransportFixture {
 protected:
  void start_tls(TransportOptions options = {}) {
    port_ = test::free_port(SOCK_STREAM);
    parser_ = std::make_unique<offload::CpuSipParseEngine>();
    layer_ = std::make_unique<TransportLayer>(0, loop_, log_, metrics_, *parser_, options);
    layer_->set_secure_streams(&factory_);
    layer_->listen({core::Transport::kTls, {"127.0.0.1", port_}});
    layer_->set_handler([this](Received&& rx) { received_.push_back(std::move(rx)); });
    layer_->set_peers({layer_.get()});
  }
  StandInFactory factory_;
};

TEST_F(SecureTransportFixture, TlsMessagesAreDecryptedInTheTurnBatchAndCarryTheVerifiedTrunk) {
  start_tls();
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send("HELLO\n");
  auto welcome = receive(peer);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(*welcome, "WELCOME\n");
  std::string wire = xor20(kOptions);
  peer.send(wire.substr(0, 50));  // a record boundary is not a message boundary
  ASSERT_TRUE(wait_for_bytes(6 + 50));
  peer.send(wire.substr(50));
  ASSERT_TRUE(wait_for(1));
  const Received rx = received_[0];
  EXPECT_EQ(rx.transport, core::Transport::kTls);
  EXPECT_EQ(rx.trunk, "stand-in-trunk");
  EXPECT_EQ(rx.message.bytes, kOptions);
  // A response on the connection is sealed by the stream before it is written.
  EXPECT_TRUE(layer_->send(core::Transport::kTls, rx.source, rx.connection, "SIP/2.0 200 OK\r\n\r\n"));
  auto reply = receive(peer);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, xor20("SIP/2.0 200 OK\r\n\r\n"));
  EXPECT_GT(factory_.batches, 0);
}

TEST_F(SecureTransportFixture, FailedHandshakeWritesWhatIsLeftAndCloses) {
  start_tls();
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send("GARBAGE\n");
  auto eof = receive(peer);
  ASSERT_TRUE(eof);
  EXPECT_TRUE(eof->empty());
  EXPECT_EQ(figure(metric::kTlsFailures, {{"reason", "handshake"}}), 1u);
  EXPECT_EQ(figure(metric::kTlsFailures), 1u);
  EXPECT_EQ(figure(metric::kTlsHandshakes), 0u);
  EXPECT_EQ(log_lines_with("stand-in handshake refused: 'GARBAGE'"), 1u) << log_text();
}

TEST_F(SecureTransportFixture, HandshakeThatNeverCompletesIsDroppedAtTheTimeout) {
  TransportOptions options;
  options.tls_handshake_timeout_ms = 100;
  start_tls(options);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send("HEL");  // a partial handshake, then silence
  ASSERT_TRUE(wait_for_bytes(3));
  advance(99ms);
  EXPECT_EQ(layer_->connection_count(), 1u);
  advance(1ms);
  EXPECT_EQ(figure(metric::kTlsFailures, {{"reason", "timeout"}}), 1u);
  auto eof = receive(peer);
  ASSERT_TRUE(eof);
  EXPECT_TRUE(eof->empty());
  EXPECT_EQ(figure(metric::kTlsFailures, {{"reason", "timeout"}}), 1u);
}

TEST_F(SecureTransportFixture, TlsConnectionWithAHandshakeButNoMessageIsClosedAtTheFirstMessageTimeout) {
  // The first-message timeout runs from the accept, the handshake included.
  TransportOptions options;
  options.first_message_timeout_ms = 1000;
  start_tls(options);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  ASSERT_TRUE(pump_until([&] { return figure(metric::kConnectionsAccepted) == 1; }));
  advance(600ms);
  peer.send("HELLO\n");
  auto welcome = receive(peer);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(*welcome, "WELCOME\n");
  advance(399ms);
  EXPECT_EQ(layer_->connection_count(), 1u);
  advance(1ms);
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "no_first_message"}}), 1u);
  EXPECT_TRUE(closed_by_node(peer));
  EXPECT_EQ(log_lines_with("tls from " + peer.local().to_string() + ": no complete SIP message"), 1u)
      << log_text();
}

TEST_F(SecureTransportFixture, OutboundTlsQueuesTheRequestUntilTheHandshakeIsDone) {
  start_tls();
  Listener far;
  ASSERT_TRUE(far.ok);
  EXPECT_TRUE(layer_->send(core::Transport::kTls, far.addr, {}, kOptions, "carrier"));
  core::UniqueFd conn = accept_from(far);
  ASSERT_TRUE(conn);
  ASSERT_EQ(read_bytes(conn.get(), 6), "HELLO\n");
  ASSERT_EQ(::send(conn.get(), "WELCOME\n", 8, 0), 8);
  EXPECT_EQ(read_bytes(conn.get(), kOptions.size()), xor20(kOptions));
  // Sent once the handshake was done, and the handshake timed.
  EXPECT_EQ(figure(metric::kMessagesSent, {{"transport", "tls"}}), 1u);
  EXPECT_EQ(figure(metric::kTlsHandshakes), 1u);
  EXPECT_EQ(figure(metric::kTlsHandshakeDuration), 1u);
  EXPECT_EQ(figure(metric::kConnectionsOpen, {{"transport", "tls"}}), 1u);
}

TEST_F(SecureTransportFixture, OutboundTlsOnATrunkIsBoundToItsLocalAddress) {
  start_tls();
  const auto outside = *core::SocketAddress::from_ip("127.0.0.2", test::free_port(SOCK_STREAM));
  layer_->listen({core::Transport::kTls, {outside.ip(), outside.port()}});
  layer_->set_trunk_local("carrier", outside);
  Listener far;
  ASSERT_TRUE(far.ok);
  EXPECT_TRUE(layer_->send(core::Transport::kTls, far.addr, {}, kOptions, "carrier"));
  core::UniqueFd conn = accept_from(far);
  ASSERT_TRUE(conn);
  EXPECT_EQ(peer_of(conn.get()).ip(), "127.0.0.2");
  ASSERT_EQ(read_bytes(conn.get(), 6), "HELLO\n");
  EXPECT_EQ(layer_->source_for(core::Transport::kTls, far.addr, "carrier"), outside);
}

TEST_F(SecureTransportFixture, RequestQueuedBehindAFailedHandshakeCountsAsASendErrorNotAsSent) {
  start_tls();
  Listener carrier;
  ASSERT_TRUE(carrier.ok);
  ASSERT_TRUE(layer_->send(core::Transport::kTls, carrier.addr, {}, kOptions, "carrier"));
  core::UniqueFd conn = accept_from(carrier);
  ASSERT_TRUE(conn);
  EXPECT_EQ(read_bytes(conn.get(), 6), "HELLO\n");  // the stand-in's handshake
  ASSERT_EQ(::send(conn.get(), "GO AWAY\n", 8, 0), 8);  // not "WELCOME": the handshake fails
  ASSERT_TRUE(pump_until([&] { return layer_->connection_count() == 0; }));
  EXPECT_EQ(figure(metric::kMessagesSent, {{"transport", "tls"}}), 0u);
  EXPECT_EQ(figure(metric::kSendErrors, {{"transport", "tls"}}), 1u);
  EXPECT_EQ(figure(metric::kTlsFailures, {{"reason", "handshake"}}), 1u);
  EXPECT_EQ(figure(metric::kConnectionsOpen), 0u);
}

TEST_F(SecureTransportFixture, PlaintextQueuedBehindAStalledHandshakeCountsAgainstTheOutputCap) {
  // A trunk that accepts the TCP connection but never answers the handshake:
  // requests queue as plaintext in the secure stream, and that counts.
  TransportOptions options;
  options.max_output_buffer_bytes = 16 * 1024;
  std::vector<core::SocketAddress> failed;
  start_tls(options);
  layer_->set_failure_handler([&](core::Transport, const core::SocketAddress& peer) { failed.push_back(peer); });
  Listener far;
  ASSERT_TRUE(far.ok);
  ASSERT_TRUE(layer_->send(core::Transport::kTls, far.addr, {}, kOptions, "carrier"));
  core::UniqueFd conn = accept_from(far);
  ASSERT_TRUE(conn);
  int sent = 1;
  while (layer_->send(core::Transport::kTls, far.addr, {}, kOptions, "carrier")) {
    ASSERT_LT(++sent, 1000) << "the queued plaintext was never capped";
  }
  // Everything up to the cap was taken; the request that passed it was not.
  EXPECT_LE(static_cast<std::size_t>(sent) * kOptions.size(), 16u * 1024);
  EXPECT_GT(static_cast<std::size_t>(sent + 1) * kOptions.size(), 16u * 1024);
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "output_full"}}), 1u);
  loop_.run_once();
  ASSERT_EQ(failed.size(), 1u);  // the transactions waiting on it fail at once
  EXPECT_EQ(failed[0], far.addr);
}

TEST_F(TransportFixture, KeepalivePingOnAStreamIsAnsweredWithAPongEvenWhenSplit) {
  start(core::Transport::kTcp);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send("\r\n\r\n");
  auto pong = receive(peer);
  ASSERT_TRUE(pong);
  EXPECT_EQ(*pong, "\r\n");
  // A ping cut in two reads is still one ping, and a message after it works.
  peer.send("\r\n\r");
  ASSERT_TRUE(wait_for_bytes(4 + 3));
  peer.send("\n" + kOptions);
  auto pong2 = receive(peer);
  ASSERT_TRUE(pong2);
  EXPECT_EQ(*pong2, "\r\n");
  ASSERT_TRUE(wait_for(1));
  EXPECT_EQ(figure(metric::kKeepalivePongs), 2u);
}

TEST_F(TransportFixture, OutboundStreamSendsAKeepalivePingEveryInterval) {
  TransportOptions options;
  options.keepalive_interval_ms = 90000;
  start(core::Transport::kTcp, options);
  Listener far;
  ASSERT_TRUE(far.ok);
  EXPECT_TRUE(layer_->send(core::Transport::kTcp, far.addr, {}, kOptions));
  core::UniqueFd conn = accept_from(far);
  ASSERT_TRUE(conn);
  EXPECT_EQ(read_bytes(conn.get(), kOptions.size()), kOptions);
  advance(89999ms);
  EXPECT_FALSE(readable(conn.get()));
  EXPECT_EQ(figure(metric::kKeepalivePings), 0u);
  advance(1ms);
  EXPECT_EQ(read_bytes(conn.get(), 4), "\r\n\r\n");
  advance(90000ms);
  EXPECT_EQ(read_bytes(conn.get(), 4), "\r\n\r\n");
  EXPECT_EQ(figure(metric::kKeepalivePings), 2u);
}

TEST_F(SecureTransportFixture, HandshakeFloodFromOneAddressIsRefusedBeforeAnyTlsWork) {
  TransportOptions options;
  options.tls_handshakes_per_second = 2;  // burst 4; time stands still, so nothing refills
  start_tls(options);
  int refused = 0;
  for (int i = 0; i < 10; ++i) {
    PeerSocket peer(AF_INET, SOCK_STREAM);
    ASSERT_TRUE(peer.connect(address()));
    peer.send("HELLO\n");
    auto r = receive(peer);
    if (!r || r->empty()) ++refused;  // closed without a word (or reset: "HELLO" was unread)
  }
  EXPECT_EQ(refused, 6);
  EXPECT_EQ(figure(metric::kTlsFailures, {{"reason", "rate_limited"}}), 6u);
  EXPECT_EQ(factory_.accepted, 4);  // no stream was made for a refused one
  EXPECT_EQ(figure(metric::kTlsFailures, {{"reason", "rate_limited"}}), 6u);
}


// ---- the stream receive path, turn by turn ---------------------------------
// A TransportLayer driven on the test thread, one event-loop turn at a time,
// on a manual clock, over a parse engine that counts what it is given. Over
// loopback a send is in the socket when it returns, so each piece sent below
// is read (and, on TLS, decrypted by the stand-in stream) and looked at in
// the one turn that follows it. TCP and TLS plaintext take the same path.

// An INVITE whose body makes it exactly `size` bytes long (size >= 400).
std::string invite_of_size(std::size_t size) {
  auto build = [](std::size_t body) {
    return "INVITE sip:conf@127.0.0.1 SIP/2.0\r\n"
           "Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-big\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:t@127.0.0.1>;tag=a\r\n"
           "To: <sip:conf@127.0.0.1>\r\n"
           "Call-ID: call-big\r\n"
           "CSeq: 1 INVITE\r\n"
           "Content-Type: application/resource-lists+xml\r\n"
           "Content-Length: " + std::to_string(body) + "\r\n\r\n" + std::string(body, 'b');
  };
  std::size_t body = size - build(0).size();
  while (build(body).size() > size) --body;  // Content-Length has more digits
  return build(body);
}

std::size_t header_len_of(const std::string& m) { return m.find("\r\n\r\n") + 4; }

class StreamReceive : public ::testing::TestWithParam<core::Transport> {
 protected:
  void start(TransportOptions options = {}) {
    const std::uint16_t port = test::free_port(SOCK_STREAM);
    cpu_ = std::make_unique<offload::CpuSipParseEngine>(offload::SipParseLimits{options.max_message_bytes});
    engine_ = std::make_unique<offload::CountingSipParseEngine>(*cpu_);
    layer_ = std::make_unique<TransportLayer>(0, loop_, log_, metrics_, *engine_, options);
    if (tls()) layer_->set_secure_streams(&factory_);
    layer_->listen({GetParam(), {"127.0.0.1", port}});
    layer_->set_handler([this](Received&& rx) { received_.push_back(std::move(rx)); });
    layer_->set_peers({layer_.get()});
    ASSERT_TRUE(peer_.connect(*core::SocketAddress::from_ip("127.0.0.1", port)));
    int one = 1;
    ::setsockopt(peer_.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // one segment per send
    turn();  // accept
    if (tls()) {
      peer_.send("HELLO\n");
      turn();
      ASSERT_EQ(peer_.receive(1000ms), "WELCOME\n");
    }
  }
  void TearDown() override { layer_.reset(); }

  bool tls() const { return GetParam() == core::Transport::kTls; }
  void turn() { loop_.run_once(core::Millis(1000)); }
  // Sends `plain` as one piece and runs the turn that reads it.
  void feed(std::string_view plain) {
    peer_.send(tls() ? xor20(std::string(plain)) : std::string(plain));
    turn();
  }
  void feed_in_pieces(std::string_view plain, std::size_t piece) {
    for (std::size_t i = 0; i < plain.size(); i += piece) feed(plain.substr(i, piece));
  }
  // What the layer wrote to the peer by now (decrypted); "" after EOF,
  // nullopt when nothing is there.
  std::optional<std::string> reply() {
    auto r = peer_.receive(0ms);
    if (r && tls()) *r = xor20(*r);
    return r;
  }
  // Reads until EOF (true) or until nothing more comes (false).
  bool peer_sees_eof() {
    for (int i = 0; i < 100; ++i) {
      auto r = peer_.receive(200ms);
      if (!r) return false;
      if (r->empty()) return true;
    }
    return false;
  }

  // A figure in the registry (the loop runs on this thread: it is up to date).
  std::uint64_t figure(std::string_view name, const core::MetricLabels& match = {}) {
    return static_cast<std::uint64_t>(metrics_.snapshot().total(name, match));
  }

  core::ManualClock clock_;
  core::EventLoop loop_{clock_};
  core::Log log_{core::LogLevel::kError};
  core::MetricsRegistry metrics_{1};
  StandInFactory factory_;
  std::unique_ptr<offload::CpuSipParseEngine> cpu_;
  std::unique_ptr<offload::CountingSipParseEngine> engine_;
  std::unique_ptr<TransportLayer> layer_;
  PeerSocket peer_{AF_INET, SOCK_STREAM};
  std::vector<Received> received_;
};

// "Scanned once", counted rather than timed: the engine is given the header
// block when it is complete and the whole message when its last byte is
// there, and nothing in between (before, every read re-parsed all of it:
// about 2^31 bytes for this message).
TEST_P(StreamReceive, MessageOf64KiBInOneBytePiecesIsDeliveredOnceIntactAndParsedOnce) {
  start();
  const std::string m = invite_of_size(64 * 1024);
  feed_in_pieces(m, 1);
  ASSERT_EQ(received_.size(), 1u);
  EXPECT_EQ(received_[0].message.bytes, m);
  EXPECT_EQ(received_[0].message.body().size(), 64 * 1024 - header_len_of(m));
  EXPECT_EQ(engine_->calls(), 2u);
  EXPECT_EQ(engine_->bytes(), header_len_of(m) + m.size());
}

TEST_P(StreamReceive, HeaderBlockSplitAcrossTwoReadsAtEveryOffsetIsDeliveredOnce) {
  start();
  for (std::size_t cut = 1; cut < kOptions.size(); ++cut) {
    feed(kOptions.substr(0, cut));
    ASSERT_EQ(received_.size(), cut - 1) << "cut " << cut;
    feed(kOptions.substr(cut));
    ASSERT_EQ(received_.size(), cut) << "cut " << cut;
    EXPECT_EQ(received_.back().message.bytes, kOptions) << "cut " << cut;
  }
  // A prefix without the whole blank line never went to the engine: one
  // call per message.
  EXPECT_EQ(engine_->calls(), kOptions.size() - 1);
}

TEST_P(StreamReceive, BodySplitAcrossReadsIsParsedOnlyWhenItsLastByteArrives) {
  start();
  const std::string m = invite_of_size(5000);
  const std::size_t head = header_len_of(m);
  feed(m.substr(0, head + 10));
  EXPECT_EQ(engine_->calls(), 1u);  // the header block: the resume point
  std::size_t at = head + 10;
  for (; at + 700 < m.size(); at += 700) feed(m.substr(at, 700));
  EXPECT_TRUE(received_.empty());
  EXPECT_EQ(engine_->calls(), 1u);  // body pieces that cannot complete it
  feed(m.substr(at));
  ASSERT_EQ(received_.size(), 1u);
  EXPECT_EQ(received_[0].message.bytes, m);
  EXPECT_EQ(engine_->calls(), 2u);
}

TEST_P(StreamReceive, SeveralMessagesAndKeepalivesInOneReadAreAllDelivered) {
  start();
  std::string second = kOptions;
  second.replace(second.find("call-1"), 6, "call-2");
  std::string third = kOptions;
  third.replace(third.find("call-1"), 6, "call-3");
  // ping, message, ping, message, ping and the first CRLF of a run, the
  // start of a third message
  feed("\r\n\r\n" + kOptions + "\r\n\r\n" + second + "\r\n\r\n\r\n" + third.substr(0, 30));
  ASSERT_EQ(received_.size(), 2u);
  EXPECT_EQ(received_[0].message.header(offload::HeaderId::kCallId), "call-1");
  EXPECT_EQ(received_[1].message.header(offload::HeaderId::kCallId), "call-2");
  EXPECT_EQ(figure(metric::kKeepalivePongs), 3u);
  EXPECT_EQ(reply(), "\r\n\r\n\r\n");
  feed(third.substr(30));
  ASSERT_EQ(received_.size(), 3u);
  EXPECT_EQ(received_[2].message.bytes, third);
  EXPECT_EQ(figure(metric::kKeepalivePongs), 3u);
}

TEST_P(StreamReceive, HeaderBlockOverTheLimitIsRefusedAsSoonAsTheBufferReachesIt) {
  TransportOptions options;
  options.max_message_bytes = 1024;
  start(options);
  std::string head = kOptions.substr(0, kOptions.find("Content-Length"));
  head += "X-Pad: " + std::string(2000, 'p');  // the header block never ends within the limit
  feed_in_pieces(head.substr(0, 1023), 100);
  EXPECT_FALSE(reply());
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "framing_error"}}), 0u);
  feed(head.substr(1023, 1));  // 1024 bytes without the end of the header block
  auto r = reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->substr(0, 12), "SIP/2.0 513 ");
  EXPECT_TRUE(peer_sees_eof());
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "framing_error"}}), 1u);
  EXPECT_TRUE(received_.empty());
}

TEST_P(StreamReceive, ContentLengthOverTheLimitGets513WhenTheHeaderBlockIsComplete) {
  TransportOptions options;
  options.max_message_bytes = 1024;
  start(options);
  std::string big = kOptions;
  big.replace(big.find("Content-Length: 0"), 17, "Content-Length: 4000");
  const std::size_t head = header_len_of(big);
  feed_in_pieces(big.substr(0, head - 1), 7);
  EXPECT_FALSE(reply());
  feed(big.substr(head - 1, 1));  // the body is not waited for
  auto r = reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->substr(0, 12), "SIP/2.0 513 ");
  EXPECT_TRUE(peer_sees_eof());
  EXPECT_TRUE(received_.empty());
}

TEST_P(StreamReceive, FramingErrorInAHeaderBlockInPiecesGets400WhenTheBlockIsComplete) {
  start();
  std::string bad = kOptions;
  bad.erase(bad.find("Content-Length: 0\r\n"), 19);
  feed_in_pieces(bad.substr(0, bad.size() - 1), 5);
  EXPECT_FALSE(reply());
  feed(bad.substr(bad.size() - 1));
  auto r = reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->substr(0, 12), "SIP/2.0 400 ");
  EXPECT_NE(r->find("Call-ID: call-1\r\n"), std::string::npos);
  EXPECT_TRUE(peer_sees_eof());
  EXPECT_EQ(figure(metric::kParseErrors), 1u);
  EXPECT_TRUE(received_.empty());
}

// The partial-message timer times the message at the front of the buffer:
// a sender whose messages keep completing keeps its connection even when
// every read ends inside a message; one message held too long closes it,
// body pieces that never complete it included.
TEST_P(StreamReceive, PartialMessageTimeoutClosesOnlyAMessageHeldTooLong) {
  TransportOptions options;
  options.partial_message_timeout_ms = 10000;
  start(options);
  const std::string m = invite_of_size(3000);
  feed(m.substr(0, 1000));
  loop_.advance(clock_, 6s);
  feed(m.substr(1000) + m.substr(0, 1500));  // completes the first, starts the second
  ASSERT_EQ(received_.size(), 1u);
  loop_.advance(clock_, 6s);
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "partial_message_timeout"}}), 0u);
  feed(m.substr(1500, 1000));  // body bytes, not the last
  loop_.advance(clock_, 4s + 1ms);
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "partial_message_timeout"}}), 1u);
  EXPECT_TRUE(peer_sees_eof());
  EXPECT_EQ(received_.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Transport, StreamReceive, ::testing::Values(core::Transport::kTcp, core::Transport::kTls),
                         [](const auto& info) { return std::string(core::transport_name(info.param)); });

// ---- UDP send errors --------------------------------------------------------------------

TEST(UdpSendError, NoRoomNowIsADatagramLostAndRetransmittedNotATransportError) {
  // A transaction over UDP that met one of these on its first send would end
  // with 503 at once (a BYE never reaching the callee) where its Timer A/E
  // retransmission recovers it.
  for (int e : {EAGAIN, EWOULDBLOCK, ENOBUFS, ENOMEM}) EXPECT_TRUE(udp_send_error_is_loss(e)) << std::strerror(e);
  for (int e : {EHOSTUNREACH, ENETUNREACH, EACCES, EINVAL, EMSGSIZE, EPERM, EAFNOSUPPORT})
    EXPECT_FALSE(udp_send_error_is_loss(e)) << std::strerror(e);
}

}  // namespace
}  // namespace sipnic::sip
