#include "sip/transport.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <vector>

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
      layer_ = std::make_unique<TransportLayer>(0, thread_.loop(), log_, *parser_, options);
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
  TransportStats stats() {
    return thread_.call([&] { return layer_->stats(); });
  }

  core::Log log_{core::LogLevel::kError};
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
  EXPECT_EQ(stats().rx_malformed, 1u);
  std::lock_guard lock(mutex_);
  EXPECT_TRUE(received_.empty());
}

TEST_F(TransportFixture, UdpGarbageIsDroppedAndCountedWithoutAnswer) {
  start(core::Transport::kUdp);
  PeerSocket peer(AF_INET, SOCK_DGRAM);
  peer.send_to(address(), "\x01\x02 not sip at all\r\n\r\n");
  EXPECT_FALSE(peer.receive(300ms));
  EXPECT_EQ(stats().rx_malformed, 1u);
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
  EXPECT_EQ(stats().tcp_closed_on_error, 1u);
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
  EXPECT_EQ(stats().tcp_closed_slow, 1u);
}

TEST_F(TransportFixture, TcpSendOpensAConnectionToAPeerAndReusesIt) {
  start(core::Transport::kTcp);
  core::UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  auto addr = core::SocketAddress::from_ip("127.0.0.1", test::free_port(SOCK_STREAM));
  ASSERT_EQ(::bind(listener.get(), addr->sa(), addr->len()), 0);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  thread_.call([&] { return layer_->send(core::Transport::kTcp, *addr, {}, kOptions); });
  core::UniqueFd conn(::accept(listener.get(), nullptr, nullptr));
  ASSERT_TRUE(conn);
  thread_.call([&] { return layer_->send(core::Transport::kTcp, *addr, {}, kOptions); });
  std::string got;
  char buf[4096];
  while (got.size() < 2 * kOptions.size()) {
    ssize_t n = ::recv(conn.get(), buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(got, kOptions + kOptions);
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
      layer_ = std::make_unique<TransportLayer>(0, thread_.loop(), log_, *parser_, options);
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
  EXPECT_EQ(stats().tls_failures, 1u);
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
  EXPECT_EQ(stats().tls_handshake_timeouts, 1u);
}

TEST_F(SecureTransportFixture, OutboundTlsQueuesTheRequestUntilTheHandshakeIsDone) {
  start_tls();
  core::UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  auto addr = core::SocketAddress::from_ip("127.0.0.1", test::free_port(SOCK_STREAM));
  ASSERT_EQ(::bind(listener.get(), addr->sa(), addr->len()), 0);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  thread_.call([&] { return layer_->send(core::Transport::kTls, *addr, {}, kOptions, "carrier"); });
  core::UniqueFd conn(::accept(listener.get(), nullptr, nullptr));
  ASSERT_TRUE(conn);
  char buf[4096];
  ssize_t n = ::recv(conn.get(), buf, sizeof buf, 0);
  ASSERT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "HELLO\n");
  ASSERT_EQ(::send(conn.get(), "WELCOME\n", 8, 0), 8);
  // Nothing moves the queued request but the next turn: trigger one.
  thread_.call([&] { return 0; });
  std::string got;
  while (got.size() < kOptions.size()) {
    n = ::recv(conn.get(), buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(got, xor20(kOptions));
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
  EXPECT_EQ(stats().keepalive_pongs, 2u);
}

TEST_F(TransportFixture, OutboundStreamSendsKeepalivePings) {
  TransportOptions options;
  options.keepalive_interval_ms = 50;
  start(core::Transport::kTcp, options);
  core::UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  auto addr = core::SocketAddress::from_ip("127.0.0.1", test::free_port(SOCK_STREAM));
  ASSERT_EQ(::bind(listener.get(), addr->sa(), addr->len()), 0);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  thread_.call([&] { return layer_->send(core::Transport::kTcp, *addr, {}, kOptions); });
  core::UniqueFd conn(::accept(listener.get(), nullptr, nullptr));
  ASSERT_TRUE(conn);
  std::string got;
  char buf[4096];
  while (got.size() < kOptions.size() + 4) {
    ssize_t n = ::recv(conn.get(), buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(got.substr(0, kOptions.size()), kOptions);
  EXPECT_EQ(got.substr(kOptions.size(), 4), "\r\n\r\n");
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
  EXPECT_EQ(stats().tls_rate_limited, static_cast<std::uint64_t>(refused));
}

}  // namespace
}  // namespace sipnic::sip
