#include "sip/transport.h"

#include <gtest/gtest.h>

#include <netinet/tcp.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <vector>

#include "offload/counting_sip_parse_engine.h"
#include "offload/cpu_sip_parse_engine.h"
#include "support/loop_thread.h"
#include "support/process.h"

namespace sipnic::sip {
namespace {

using namespace std::chrono_literals;
using test::LoopThread;
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

// A TransportLayer on loopback with a handler that collects what it gets.
class TransportFixture : public ::testing::Test {
 protected:
  void start(core::Transport transport, TransportOptions options = {}) {
    port_ = test::free_port(transport == core::Transport::kUdp ? SOCK_DGRAM : SOCK_STREAM);
    offload::SipParseLimits limits;
    limits.max_message_bytes = options.max_message_bytes;
    parser_ = std::make_unique<offload::CpuSipParseEngine>(limits);
    thread_.call([&] {
      layer_ = std::make_unique<TransportLayer>(0, thread_.loop(), log_, metrics_, *parser_, options);
      layer_->listen({transport, {"127.0.0.1", port_}});
      layer_->set_handler([this](Received&& rx) {
        std::lock_guard lock(mutex_);
        received_.push_back(std::move(rx));
        cv_.notify_all();
      });
      layer_->set_peers({layer_.get()});
      return 0;
    });
  }
  void TearDown() override {
    thread_.call([&] {
      layer_.reset();
      return 0;
    });
  }
  core::SocketAddress address() const { return *core::SocketAddress::from_ip("127.0.0.1", port_); }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
  }
  // A figure as the registry reads it, taken on the loop thread (after what
  // the loop has done so far).
  std::uint64_t figure(std::string_view name, const core::MetricLabels& match = {}) {
    return thread_.call([&] { return static_cast<std::uint64_t>(metrics_.snapshot().total(name, match)); });
  }

  core::Log log_{core::LogLevel::kError};
  core::MetricsRegistry metrics_{1};
  LoopThread thread_;
  std::unique_ptr<offload::CpuSipParseEngine> parser_;
  std::unique_ptr<TransportLayer> layer_;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Received> received_;
};

TEST_F(TransportFixture, UdpDatagramArrivesAsIndexedMessageWithItsSource) {
  start(core::Transport::kUdp);
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), kOptions);
  ASSERT_TRUE(wait_for(1));
  std::lock_guard lock(mutex_);
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
  const auto snap = thread_.call([&] { return metrics_.snapshot(); });
  EXPECT_GE(snap.histogram_count(metric::kParseBatchSegments), 1u);
  EXPECT_EQ(snap.histogram_sum(metric::kParseBatchSegments), 3.0);
}

TEST_F(TransportFixture, MessageToATcpPeerThatRefusesIsASendErrorNotSent) {
  start(core::Transport::kTcp);
  std::promise<void> failed;
  thread_.call([&] {
    layer_->set_failure_handler([&failed](core::Transport, const core::SocketAddress&) { failed.set_value(); });
    return 0;
  });
  // A port nobody listens on: the connect is refused, at once (send says
  // false) or when the kernel reports it (the failure handler runs).
  auto dest = core::SocketAddress::from_ip("127.0.0.1", test::free_port(SOCK_STREAM));
  if (thread_.call([&] { return layer_->send(core::Transport::kTcp, *dest, {}, kOptions); })) {
    ASSERT_EQ(failed.get_future().wait_for(3s), std::future_status::ready);
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
  auto reply = peer.receive(3000ms);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->substr(0, 12), "SIP/2.0 400 ");
  EXPECT_NE(reply->find("Call-ID: call-1\r\n"), std::string::npos);
  EXPECT_EQ(figure(metric::kParseErrors, {{"reason", "body_truncated"}}), 1u);
  EXPECT_EQ(figure(metric::kParseErrors), 1u);
  EXPECT_EQ(figure(metric::kParseErrorsAnswered), 1u);
  EXPECT_EQ(figure(metric::kMessagesReceived), 0u);
  std::lock_guard lock(mutex_);
  EXPECT_TRUE(received_.empty());
}

TEST_F(TransportFixture, UdpGarbageIsDroppedAndCountedWithoutAnswer) {
  start(core::Transport::kUdp);
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), "\x01\x02 not sip at all\r\n\r\n");
  EXPECT_FALSE(peer.receive(300ms));
  EXPECT_EQ(figure(metric::kParseErrors, {{"reason", "bad_bytes"}}), 1u);
  EXPECT_EQ(figure(metric::kParseErrorsAnswered), 0u);
  // The node still serves the next good message.
  peer.send_to(address(), kOptions);
  EXPECT_TRUE(wait_for(1));
}

TEST_F(TransportFixture, TcpCoalescedMessagesInOneWriteAreAllDelivered) {
  start(core::Transport::kTcp);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  std::string second = kOptions;
  second.replace(second.find("call-1"), 6, "call-2");
  peer.send(kOptions + "\r\n" + second);  // with a CRLF keepalive between them
  ASSERT_TRUE(wait_for(2));
  std::lock_guard lock(mutex_);
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
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_TRUE(wait_for(1));
  std::this_thread::sleep_for(50ms);
  std::lock_guard lock(mutex_);
  ASSERT_EQ(received_.size(), 1u);
  EXPECT_EQ(received_[0].message.bytes, kOptions);
}

TEST_F(TransportFixture, TcpResponseGoesBackOnTheRequestsConnection) {
  start(core::Transport::kTcp);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send(kOptions);
  ASSERT_TRUE(wait_for(1));
  Received rx;
  {
    std::lock_guard lock(mutex_);
    rx = received_[0];
  }
  thread_.call([&] {
    return layer_->send(core::Transport::kTcp, rx.source, rx.connection, "SIP/2.0 200 OK\r\n\r\n");
  });
  auto reply = peer.receive(3000ms);
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
  auto reply = peer.receive(3000ms);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->substr(0, 12), "SIP/2.0 400 ");
  // Then EOF: the stream cannot be resynchronised after a framing error.
  std::optional<std::string> next;
  do {
    next = peer.receive(3000ms);
  } while (next && !next->empty());
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->empty());
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "framing_error"}}), 1u);
  EXPECT_EQ(figure(metric::kParseErrors, {{"reason", "missing_content_length"}}), 1u);
  EXPECT_EQ(figure(metric::kConnectionsAccepted, {{"transport", "tcp"}}), 1u);
  EXPECT_EQ(figure(metric::kConnectionsOpen), 0u);
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
  auto reply = peer.receive(3000ms);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->substr(0, 12), "SIP/2.0 513 ");
}

TEST_F(TransportFixture, TcpPartialMessageHeldTooLongClosesTheConnection) {
  TransportOptions options;
  options.partial_message_timeout_ms = 100;
  start(core::Transport::kTcp, options);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send(kOptions.substr(0, 40));
  auto eof = peer.receive(3000ms);
  ASSERT_TRUE(eof);
  EXPECT_TRUE(eof->empty());
  EXPECT_EQ(figure(metric::kConnectionsDropped, {{"reason", "partial_message_timeout"}}), 1u);
}

TEST_F(TransportFixture, TcpSendOpensAConnectionToAPeerAndReusesIt) {
  start(core::Transport::kTcp);
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto addr = core::SocketAddress::from_ip("127.0.0.1", test::free_port(SOCK_STREAM));
  ASSERT_EQ(::bind(listener, addr->sa(), addr->len()), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  thread_.call([&] { return layer_->send(core::Transport::kTcp, *addr, {}, kOptions); });
  int conn = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  thread_.call([&] { return layer_->send(core::Transport::kTcp, *addr, {}, kOptions); });
  std::string got;
  char buf[4096];
  while (got.size() < 2 * kOptions.size()) {
    ssize_t n = ::recv(conn, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(got, kOptions + kOptions);
  ::close(conn);
  ::close(listener);
}


// ---- TLS plumbing, with a stand-in SecureStream -----------------------------
// The real TLS session lives in tls/ and is tested there and end to end; here
// a transparent stand-in checks what the transport itself must do: hand raw
// bytes to the stream, wait for the turn's batch before parsing, tag messages
// with the verified trunk, seal sends, close on failure and on a handshake
// that never completes. Its "handshake" is the line "HELLO\n" answered
// "WELCOME\n"; its "records" are bytes XORed with 0x20, applied only in
// run_batch() so that a missing batch run shows.

namespace {

class StandInStream;

class StandInFactory : public SecureStreamFactory {
 public:
  std::unique_ptr<SecureStream> accept(const core::SocketAddress&, const core::SocketAddress&) override;
  std::unique_ptr<SecureStream> connect(const core::SocketAddress&, std::string_view trunk) override;
  void run_batch() override;
  std::vector<StandInStream*> live;
  int batches = 0;
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

}  // namespace

class SecureTransportFixture : public TransportFixture {
 protected:
  void start_tls(TransportOptions options = {}) {
    port_ = test::free_port(SOCK_STREAM);
    parser_ = std::make_unique<offload::CpuSipParseEngine>();
    thread_.call([&] {
      layer_ = std::make_unique<TransportLayer>(0, thread_.loop(), log_, metrics_, *parser_, options);
      layer_->set_secure_streams(&factory_);
      layer_->listen({core::Transport::kTls, {"127.0.0.1", port_}});
      layer_->set_handler([this](Received&& rx) {
        std::lock_guard lock(mutex_);
        received_.push_back(std::move(rx));
        cv_.notify_all();
      });
      layer_->set_peers({layer_.get()});
      return 0;
    });
  }
  StandInFactory factory_;
};

TEST_F(SecureTransportFixture, TlsMessagesAreDecryptedInTheTurnBatchAndCarryTheVerifiedTrunk) {
  start_tls();
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send("HELLO\n");
  auto welcome = peer.receive(3000ms);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(*welcome, "WELCOME\n");
  std::string wire = xor20(kOptions);
  peer.send(wire.substr(0, 50));  // a record boundary is not a message boundary
  std::this_thread::sleep_for(20ms);
  peer.send(wire.substr(50));
  ASSERT_TRUE(wait_for(1));
  Received rx;
  {
    std::lock_guard lock(mutex_);
    rx = received_[0];
  }
  EXPECT_EQ(rx.transport, core::Transport::kTls);
  EXPECT_EQ(rx.trunk, "stand-in-trunk");
  EXPECT_EQ(rx.message.bytes, kOptions);
  // A response on the connection is sealed by the stream before it is written.
  thread_.call([&] { return layer_->send(core::Transport::kTls, rx.source, rx.connection, "SIP/2.0 200 OK\r\n\r\n"); });
  auto reply = peer.receive(3000ms);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, xor20("SIP/2.0 200 OK\r\n\r\n"));
  EXPECT_GT(thread_.call([&] { return factory_.batches; }), 0);
}

TEST_F(SecureTransportFixture, FailedHandshakeWritesWhatIsLeftAndCloses) {
  start_tls();
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send("GARBAGE\n");
  auto eof = peer.receive(3000ms);
  ASSERT_TRUE(eof);
  EXPECT_TRUE(eof->empty());
  EXPECT_EQ(figure(metric::kTlsFailures, {{"reason", "handshake"}}), 1u);
  EXPECT_EQ(figure(metric::kTlsFailures), 1u);
  EXPECT_EQ(figure(metric::kTlsHandshakes), 0u);
}

TEST_F(SecureTransportFixture, HandshakeThatNeverCompletesIsDroppedAtTheTimeout) {
  TransportOptions options;
  options.tls_handshake_timeout_ms = 100;
  start_tls(options);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send("HEL");  // a partial handshake, then silence
  auto eof = peer.receive(3000ms);
  ASSERT_TRUE(eof);
  EXPECT_TRUE(eof->empty());
  EXPECT_EQ(figure(metric::kTlsFailures, {{"reason", "timeout"}}), 1u);
}

TEST_F(SecureTransportFixture, OutboundTlsQueuesTheRequestUntilTheHandshakeIsDone) {
  start_tls();
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto addr = core::SocketAddress::from_ip("127.0.0.1", test::free_port(SOCK_STREAM));
  ASSERT_EQ(::bind(listener, addr->sa(), addr->len()), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  thread_.call([&] { return layer_->send(core::Transport::kTls, *addr, {}, kOptions, "carrier"); });
  int conn = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  char buf[4096];
  ssize_t n = ::recv(conn, buf, sizeof buf, 0);
  ASSERT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "HELLO\n");
  ASSERT_EQ(::send(conn, "WELCOME\n", 8, 0), 8);
  // Nothing moves the queued request but the next turn: trigger one.
  thread_.call([&] { return 0; });
  std::string got;
  while (got.size() < kOptions.size()) {
    n = ::recv(conn, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(got, xor20(kOptions));
  // Sent once the handshake was done, and the handshake timed.
  EXPECT_EQ(figure(metric::kMessagesSent, {{"transport", "tls"}}), 1u);
  EXPECT_EQ(figure(metric::kTlsHandshakes), 1u);
  EXPECT_EQ(figure(metric::kTlsHandshakeDuration), 1u);
  EXPECT_EQ(figure(metric::kConnectionsOpen, {{"transport", "tls"}}), 1u);
  ::close(conn);
  ::close(listener);
}

TEST_F(SecureTransportFixture, RequestQueuedBehindAFailedHandshakeCountsAsASendErrorNotAsSent) {
  start_tls();
  PeerSocket carrier(AF_INET, SOCK_STREAM);
  ASSERT_EQ(::listen(carrier.fd(), 4), 0);
  thread_.call([&] { return layer_->send(core::Transport::kTls, carrier.local(), {}, kOptions, "carrier"); });
  int conn = ::accept(carrier.fd(), nullptr, nullptr);
  ASSERT_GE(conn, 0);
  char buf[4096];
  ASSERT_GT(::recv(conn, buf, sizeof buf, 0), 0);  // the stand-in's "HELLO"
  ASSERT_EQ(::send(conn, "GO AWAY\n", 8, 0), 8);  // not "WELCOME": the handshake fails
  // The node closes the connection: EOF at the peer.
  ssize_t n = 0;
  do {
    n = ::recv(conn, buf, sizeof buf, 0);
  } while (n > 0);
  EXPECT_EQ(n, 0);
  EXPECT_EQ(figure(metric::kMessagesSent, {{"transport", "tls"}}), 0u);
  EXPECT_EQ(figure(metric::kSendErrors, {{"transport", "tls"}}), 1u);
  EXPECT_EQ(figure(metric::kTlsFailures, {{"reason", "handshake"}}), 1u);
  EXPECT_EQ(figure(metric::kConnectionsOpen), 0u);
  ::close(conn);
}


TEST_F(TransportFixture, KeepalivePingOnAStreamIsAnsweredWithAPongEvenWhenSplit) {
  start(core::Transport::kTcp);
  PeerSocket peer(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(peer.connect(address()));
  peer.send("\r\n\r\n");
  auto pong = peer.receive(3000ms);
  ASSERT_TRUE(pong);
  EXPECT_EQ(*pong, "\r\n");
  // A ping cut in two reads is still one ping, and a message after it works.
  peer.send("\r\n\r");
  std::this_thread::sleep_for(30ms);
  peer.send("\n" + kOptions);
  auto pong2 = peer.receive(3000ms);
  ASSERT_TRUE(pong2);
  EXPECT_EQ(*pong2, "\r\n");
  ASSERT_TRUE(wait_for(1));
  EXPECT_EQ(figure(metric::kKeepalivePongs), 2u);
}

TEST_F(TransportFixture, OutboundStreamSendsKeepalivePings) {
  TransportOptions options;
  options.keepalive_interval_ms = 50;
  start(core::Transport::kTcp, options);
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto addr = core::SocketAddress::from_ip("127.0.0.1", test::free_port(SOCK_STREAM));
  ASSERT_EQ(::bind(listener, addr->sa(), addr->len()), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  thread_.call([&] { return layer_->send(core::Transport::kTcp, *addr, {}, kOptions); });
  int conn = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  std::string got;
  char buf[4096];
  while (got.size() < kOptions.size() + 4) {
    ssize_t n = ::recv(conn, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(got.substr(0, kOptions.size()), kOptions);
  EXPECT_EQ(got.substr(kOptions.size(), 4), "\r\n\r\n");
  ::close(conn);
  ::close(listener);
}

TEST_F(SecureTransportFixture, HandshakeFloodFromOneAddressIsRefusedBeforeAnyTlsWork) {
  TransportOptions options;
  options.tls_handshakes_per_second = 2;  // burst 4
  start_tls(options);
  int refused = 0;
  for (int i = 0; i < 10; ++i) {
    PeerSocket peer(AF_INET, SOCK_STREAM);
    ASSERT_TRUE(peer.connect(address()));
    peer.send("HELLO\n");
    auto r = peer.receive(2000ms);
    if (!r || r->empty()) ++refused;  // closed without a word (or reset: "HELLO" was unread)
  }
  EXPECT_GE(refused, 5);
  EXPECT_EQ(figure(metric::kTlsFailures, {{"reason", "rate_limited"}}), static_cast<std::uint64_t>(refused));
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

}  // namespace
}  // namespace sipnic::sip
