// TlsSession against a stock OpenSSL SSL object that does its own records,
// connected through memory buffers: handshake, takeover, then sipnic's
// record layer on the cpu GcmEngine against OpenSSL's record layer.
#include "tls/tls_session.h"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "core/ossl_ptr.h"
#include "offload/cpu_gcm_engine.h"
#include "support/tls_test_pki.h"

namespace sipnic::tls {
namespace {

using testing::shared_test_pki;
using testing::TestIdentity;


std::string openssl_errors() { return drain_openssl_errors(); }

// The other side: plain OpenSSL with its own record layer.
class StockPeer {
 public:
  struct Config {
    Role role = Role::kClient;  // the peer's role
    const TestIdentity* identity = nullptr;  // null: no certificate
    std::filesystem::path ca_file{};
    int min_version = TLS1_2_VERSION;
    int max_version = TLS1_3_VERSION;
    std::string tls12_ciphers{};       // empty: OpenSSL default
    std::string tls13_ciphersuites{};  // empty: OpenSSL default
  };

  explicit StockPeer(const Config& cfg) : role_(cfg.role) {
    ctx_.reset(SSL_CTX_new(TLS_method()));
    SSL_CTX_set_min_proto_version(ctx_.get(), cfg.min_version);
    SSL_CTX_set_max_proto_version(ctx_.get(), cfg.max_version);
    if (!cfg.tls12_ciphers.empty()) SSL_CTX_set_cipher_list(ctx_.get(), cfg.tls12_ciphers.c_str());
    if (!cfg.tls13_ciphersuites.empty()) SSL_CTX_set_ciphersuites(ctx_.get(), cfg.tls13_ciphersuites.c_str());
    if (cfg.identity != nullptr) {
      SSL_CTX_use_certificate_file(ctx_.get(), cfg.identity->cert_file.c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_.get(), cfg.identity->key_file.c_str(), SSL_FILETYPE_PEM);
    }
    SSL_CTX_load_verify_locations(ctx_.get(), cfg.ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    ssl_.reset(SSL_new(ctx_.get()));
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio_, -1);
    SSL_set_bio(ssl_.get(), rbio_, wbio_);
    if (role_ == Role::kClient) {
      SSL_set_connect_state(ssl_.get());
    } else {
      SSL_set_accept_state(ssl_.get());
    }
  }

  SSL* ssl() { return ssl_.get(); }
  void feed(const std::vector<std::uint8_t>& bytes) {
    if (!bytes.empty()) BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size()));
  }
  std::vector<std::uint8_t> take() {
    std::vector<std::uint8_t> out(BIO_ctrl_pending(wbio_));
    if (!out.empty()) BIO_read(wbio_, out.data(), static_cast<int>(out.size()));
    return out;
  }
  bool handshake_done() const { return SSL_is_init_finished(ssl_.get()) == 1; }
  // Drives the handshake or reads application data; records the first error.
  void step() {
    ERR_clear_error();
    if (!handshake_done()) {
      const int rc = SSL_do_handshake(ssl_.get());
      note(rc);
      if (rc != 1) return;
    }
    char buf[4096];
    for (;;) {
      const int n = SSL_read(ssl_.get(), buf, sizeof buf);
      if (n <= 0) {
        note(n);
        break;
      }
      received.append(buf, static_cast<std::size_t>(n));
    }
  }
  void write(const std::string& data) {
    ASSERT_EQ(SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size())), static_cast<int>(data.size()))
        << openssl_errors();
  }

  std::string received;
  bool got_close_notify = false;
  std::string error;  // first hard error

 private:
  void note(int rc) {
    const int err = SSL_get_error(ssl_.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_NONE) return;
    if (err == SSL_ERROR_ZERO_RETURN) {
      got_close_notify = true;
      return;
    }
    if (error.empty()) {
      error = "SSL error " + std::to_string(err) + ": " + openssl_errors();
    }
  }

  Role role_;
  core::SslCtxPtr ctx_;
  core::SslPtr ssl_;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
};

std::shared_ptr<const TlsContext> make_context(const TestIdentity& id, std::filesystem::path ca_file,
                                               TlsContextConfig base = {}) {
  base.cert_chain_file = id.cert_file;
  base.key_file = id.key_file;
  base.ca_file = std::move(ca_file);
  return std::make_shared<const TlsContext>(std::move(base));
}

// Moves bytes both ways until nothing moves; runs sipnic's record layer
// synchronously after takeover.
class Link {
 public:
  Link(TlsSession& s, StockPeer& p) : s_(s), p_(p) {}
  void pump(int max_rounds = 200) {
    for (int i = 0; i < max_rounds; ++i) {
      bool moved = false;
      if (s_.records() != nullptr) s_.records()->process(sipnic_received);
      auto out = s_.take();
      if (!out.empty()) {
        moved = true;
        to_peer_bytes += out.size();
        if (tamper_next_ && s_.state() == SessionState::kEstablished) {
          out.back() ^= 0x01;  // last byte of the last record: its tag
          tamper_next_ = false;
        }
        p_.feed(out);
      }
      p_.step();
      auto back = p_.take();
      if (!back.empty()) {
        moved = true;
        if (one_byte_at_a_time) {
          for (std::uint8_t b : back) s_.feed(std::span<const std::uint8_t>(&b, 1));
        } else {
          s_.feed(back);
        }
      }
      if (!moved && (s_.records() == nullptr || (!s_.records()->wants_open() && !s_.records()->wants_seal()))) {
        return;
      }
    }
  }
  void tamper_next() { tamper_next_ = true; }

  std::string sipnic_received;
  std::size_t to_peer_bytes = 0;
  bool one_byte_at_a_time = false;

 private:
  TlsSession& s_;
  StockPeer& p_;
  bool tamper_next_ = false;
};

std::string pattern(std::size_t n, char seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 31 + (i >> 8));
  return s;
}

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() : engine_(std::make_unique<offload::CpuGcmEngine>(64)), slots_(*engine_) {}

  struct Setup {
    Role sipnic_role = Role::kServer;
    int version = TLS1_3_VERSION;
    bool aes256 = false;
    bool rsa = false;
    TlsContextConfig context{};
    SessionOptions options{};
    const TestIdentity* peer_identity = nullptr;  // default: matching role's cert
    bool peer_without_cert = false;
    std::filesystem::path peer_ca{};              // default: the first CA
  };

  void start(Setup setup) {
    const auto& pki = shared_test_pki();
    const bool server = setup.sipnic_role == Role::kServer;
    const TestIdentity& mine = server ? (setup.rsa ? pki.server_rsa : pki.server_ec)
                                      : (setup.rsa ? pki.client_rsa : pki.client_ec);
    const TestIdentity& theirs = server ? (setup.rsa ? pki.client_rsa : pki.client_ec)
                                        : (setup.rsa ? pki.server_rsa : pki.server_ec);
    setup.context.min_version = setup.context.max_version = setup.version;
    context_ = make_context(mine, pki.ca_file, setup.context);
    StockPeer::Config pc;
    pc.role = server ? Role::kClient : Role::kServer;
    pc.identity = setup.peer_without_cert ? nullptr : (setup.peer_identity ? setup.peer_identity : &theirs);
    pc.ca_file = setup.peer_ca.empty() ? pki.ca_file : setup.peer_ca;
    pc.min_version = pc.max_version = setup.version;
    if (setup.version == TLS1_3_VERSION) {
      pc.tls13_ciphersuites = setup.aes256 ? "TLS_AES_256_GCM_SHA384" : "TLS_AES_128_GCM_SHA256";
    } else {
      pc.tls12_ciphers = setup.aes256 ? "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"
                                      : "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
    }
    peer_ = std::make_unique<StockPeer>(pc);
    setup.options.role = setup.sipnic_role;
    session_ = std::make_unique<TlsSession>(context_, slots_, setup.options);
    link_ = std::make_unique<Link>(*session_, *peer_);
    link_->pump();
  }

  void expect_established() {
    ASSERT_EQ(session_->state(), SessionState::kEstablished) << session_->failure_reason();
    ASSERT_TRUE(peer_->handshake_done()) << peer_->error;
    ASSERT_NE(session_->records(), nullptr);
  }

  // Data both ways, byte-exact.
  void exchange(const std::string& to_peer, const std::string& to_sipnic) {
    const std::size_t peer_had = peer_->received.size();
    const std::size_t sipnic_had = link_->sipnic_received.size();
    ASSERT_TRUE(session_->records()->send(to_peer));
    peer_->write(to_sipnic);
    link_->pump();
    EXPECT_EQ(peer_->received.substr(peer_had), to_peer) << peer_->error;
    EXPECT_EQ(link_->sipnic_received.substr(sipnic_had), to_sipnic);
    EXPECT_TRUE(peer_->error.empty()) << peer_->error;
    EXPECT_EQ(session_->records()->state(), RecordState::kOpen);
  }

  std::unique_ptr<offload::GcmEngine> engine_;
  KeySlotPool slots_;
  std::shared_ptr<const TlsContext> context_;
  std::unique_ptr<StockPeer> peer_;
  std::unique_ptr<TlsSession> session_;
  std::unique_ptr<Link> link_;
};

// ---- handshake + takeover over the matrix ----------------------------------------

struct Matrix {
  Role role;
  int version;
  bool aes256;
  bool rsa;
};

class SessionMatrixTest : public SessionTest, public ::testing::WithParamInterface<Matrix> {};

TEST_P(SessionMatrixTest, TakesOverAndCarriesDataBothWaysByteExact) {
  const Matrix m = GetParam();
  start({.sipnic_role = m.role, .version = m.version, .aes256 = m.aes256, .rsa = m.rsa});
  expect_established();
  const HandshakeInfo& info = *session_->info();
  EXPECT_EQ(info.version, m.version == TLS1_3_VERSION ? TlsVersion::kTls13 : TlsVersion::kTls12);
  EXPECT_EQ(info.suite, m.aes256 ? GcmSuite::kAes256GcmSha384 : GcmSuite::kAes128GcmSha256);
  if (m.version == TLS1_2_VERSION) {
    EXPECT_EQ(info.read_seq, 1u);
    EXPECT_EQ(info.write_seq, 1u);
  } else {
    EXPECT_EQ(info.read_seq, 0u);
    EXPECT_EQ(info.write_seq, 0u);  // sipnic issues no tickets by default
  }
  EXPECT_EQ(info.peer.source, PeerIdentities::Source::kSipUri);
  exchange("INVITE sip:bob@example.com SIP/2.0\r\n\r\n", "SIP/2.0 100 Trying\r\n\r\n");
  exchange(pattern(16384, 'a'), pattern(16384, 'b'));     // exactly one full record each
  exchange(pattern(50000, 'c'), pattern(40000, 'd'));     // several records, a partial one
  exchange(std::string(1, 'x'), std::string(1, 'y'));
}

std::string matrix_name(const ::testing::TestParamInfo<Matrix>& info) {
  const Matrix& m = info.param;
  return std::string(m.role == Role::kServer ? "SipnicServer" : "SipnicClient") +
         (m.version == TLS1_3_VERSION ? "Tls13" : "Tls12") + (m.aes256 ? "Aes256" : "Aes128") +
         (m.rsa ? "Rsa" : "Ecdsa");
}

INSTANTIATE_TEST_SUITE_P(
    AllSuites, SessionMatrixTest,
    ::testing::Values(Matrix{Role::kServer, TLS1_3_VERSION, false, false}, Matrix{Role::kServer, TLS1_3_VERSION, true, false},
                      Matrix{Role::kClient, TLS1_3_VERSION, false, false}, Matrix{Role::kClient, TLS1_3_VERSION, true, false},
                      Matrix{Role::kServer, TLS1_2_VERSION, false, false}, Matrix{Role::kServer, TLS1_2_VERSION, true, false},
                      Matrix{Role::kClient, TLS1_2_VERSION, false, false}, Matrix{Role::kClient, TLS1_2_VERSION, true, false},
                      Matrix{Role::kServer, TLS1_3_VERSION, true, true}, Matrix{Role::kClient, TLS1_2_VERSION, false, true},
                      Matrix{Role::kServer, TLS1_2_VERSION, true, true}, Matrix{Role::kClient, TLS1_3_VERSION, false, true}),
    matrix_name);

// ---- takeover details ---------------------------------------------------------------------

TEST_F(SessionTest, Tls13ServerCountsTheTicketsItWroteAsSequenceNumbers) {
  Setup s{.sipnic_role = Role::kServer, .version = TLS1_3_VERSION};
  s.context.session_resumption = true;
  start(s);
  expect_established();
  EXPECT_EQ(session_->info()->write_seq, 2u);  // OpenSSL's default: two NewSessionTickets
  exchange("after tickets", "reply");
}

TEST_F(SessionTest, Tls13ClientIgnoresTheServersTickets) {
  // The stock server sends two NewSessionTickets after the handshake.
  start({.sipnic_role = Role::kClient, .version = TLS1_3_VERSION});
  expect_established();
  exchange("ping", "pong");
  EXPECT_GE(session_->records()->read_seq(), 3u);  // two tickets + data
}

TEST_F(SessionTest, PeerDataArrivingWithTheLastHandshakeFlightIsHandedOver) {
  const auto& pki = shared_test_pki();
  // The peer's last handshake flight and its first application record go
  // out in one write, so they land in sipnic's read BIO together: a TLS 1.3
  // client's Finished + request (sipnic server), a TLS 1.2 server's
  // Finished + response (sipnic client).
  for (const auto& [version, sipnic_role] :
       {std::pair{TLS1_3_VERSION, Role::kServer}, std::pair{TLS1_2_VERSION, Role::kClient}}) {
    SCOPED_TRACE(version);
    const bool server = sipnic_role == Role::kServer;
    TlsContextConfig cc;
    cc.min_version = cc.max_version = version;
    auto context = make_context(server ? pki.server_ec : pki.client_ec, pki.ca_file, cc);
    StockPeer peer({.role = server ? Role::kClient : Role::kServer,
                    .identity = server ? &pki.client_ec : &pki.server_ec,
                    .ca_file = pki.ca_file,
                    .min_version = version,
                    .max_version = version});
    TlsSession session(context, slots_, {.role = sipnic_role});
    for (int round = 0; round < 6 && !peer.handshake_done(); ++round) {
      peer.feed(session.take());
      peer.step();
      if (peer.handshake_done()) break;
      session.feed(peer.take());
    }
    ASSERT_TRUE(peer.handshake_done()) << peer.error;
    ASSERT_EQ(session.state(), SessionState::kHandshaking);
    peer.write("OPTIONS sip:edge SIP/2.0\r\n\r\n");
    session.feed(peer.take());  // last flight + application data at once
    ASSERT_EQ(session.state(), SessionState::kEstablished) << session.failure_reason();
    EXPECT_GT(session.info()->pending_input_bytes, 0u);
    std::string got;
    session.records()->process(got);
    EXPECT_EQ(got, "OPTIONS sip:edge SIP/2.0\r\n\r\n");
    session.records()->send(std::string("SIP/2.0 200 OK\r\n\r\n"));
    session.records()->process(got);
    peer.feed(session.take());
    peer.step();
    EXPECT_TRUE(peer.error.empty()) << peer.error;
    EXPECT_EQ(peer.received, "SIP/2.0 200 OK\r\n\r\n");
  }
}

TEST_F(SessionTest, RecordsFedOneByteAtATimeAreReassembled) {
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    SCOPED_TRACE(version);
    start({.sipnic_role = Role::kClient, .version = version});
    expect_established();
    link_->one_byte_at_a_time = true;
    exchange("a", pattern(20000, 'q'));
  }
}

TEST_F(SessionTest, FullSizeRecordsAreOneRecordOnTheWire) {
  start({.sipnic_role = Role::kServer, .version = TLS1_3_VERSION});
  expect_established();
  const std::size_t before = link_->to_peer_bytes;
  exchange(pattern(16384, 'z'), "ok");
  EXPECT_EQ(link_->to_peer_bytes - before, 5u + 16384u + 1u + 16u);  // header, data, type, tag
}

// ---- KeyUpdate -------------------------------------------------------------------------------

TEST_F(SessionTest, PeerKeyUpdateRequestedIsFollowedAndAnswered) {
  start({.sipnic_role = Role::kServer, .version = TLS1_3_VERSION});
  expect_established();
  exchange("before", "before");
  ASSERT_EQ(SSL_key_update(peer_->ssl(), SSL_KEY_UPDATE_REQUESTED), 1);
  peer_->write("first under the new key");
  link_->pump();
  EXPECT_EQ(session_->records()->read_key_updates(), 1u);
  EXPECT_EQ(session_->records()->write_key_updates(), 1u);  // the answer
  EXPECT_EQ(link_->sipnic_received, "beforefirst under the new key");
  exchange("after", "after");  // OpenSSL read our KeyUpdate and the records after it
}

TEST_F(SessionTest, OwnKeyUpdateIsAcceptedByOpenSsl) {
  start({.sipnic_role = Role::kClient, .version = TLS1_3_VERSION});
  expect_established();
  ASSERT_TRUE(session_->records()->request_key_update(true));
  exchange("rekeyed", "peer still on its old key");
  EXPECT_EQ(session_->records()->write_key_updates(), 1u);
  // OpenSSL answers update_requested with its next write.
  exchange("again", "peer rekeyed too");
  EXPECT_EQ(session_->records()->read_key_updates(), 1u);
}

TEST_F(SessionTest, KeyUpdateBeforeTheRecordLimit) {
  Setup s{.sipnic_role = Role::kServer, .version = TLS1_3_VERSION};
  s.options.record.tls13_key_update_after = 3;
  s.options.record.max_fragment = 1000;
  start(s);
  expect_established();
  exchange(pattern(20000, 'k'), "fine");  // 20 records: a KeyUpdate every 3
  EXPECT_GE(session_->records()->write_key_updates(), 6u);
  EXPECT_LE(session_->records()->write_seq(), 3u);
}

TEST_F(SessionTest, Tls12ClosesBeforeItsRecordLimit) {
  Setup s{.sipnic_role = Role::kClient, .version = TLS1_2_VERSION};
  s.options.record.tls12_close_after = 4;  // Finished was record 0
  start(s);
  expect_established();
  ASSERT_TRUE(session_->records()->send(std::string("one")));
  link_->pump();
  ASSERT_TRUE(session_->records()->send(std::string("two")));
  link_->pump();
  ASSERT_TRUE(session_->records()->send(std::string("three")));
  link_->pump();
  EXPECT_EQ(peer_->received, "onetwo");
  EXPECT_TRUE(peer_->got_close_notify);
  ASSERT_TRUE(session_->records()->close_info());
  EXPECT_NE(session_->records()->close_info()->reason.find("record limit"), std::string::npos);
}

// ---- closing and errors ---------------------------------------------------------------------

TEST_F(SessionTest, PeerCloseNotifyIsAnsweredWithCloseNotify) {
  start({.sipnic_role = Role::kServer, .version = TLS1_3_VERSION});
  expect_established();
  ASSERT_EQ(SSL_shutdown(peer_->ssl()), 0);  // sent, not yet answered
  link_->pump();
  EXPECT_EQ(session_->records()->state(), RecordState::kClosed);
  EXPECT_TRUE(session_->records()->finished());
  EXPECT_TRUE(session_->records()->close_info()->graceful);
  EXPECT_EQ(SSL_shutdown(peer_->ssl()), 1) << openssl_errors();  // our close_notify arrived
}

TEST_F(SessionTest, OwnCloseNotifyEndsTheConnectionGracefully) {
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    SCOPED_TRACE(version);
    start({.sipnic_role = Role::kClient, .version = version});
    expect_established();
    session_->records()->send(std::string("last words"));
    session_->records()->close();
    EXPECT_FALSE(session_->records()->send(std::string("too late")));
    link_->pump();
    EXPECT_EQ(peer_->received, "last words");
    EXPECT_TRUE(peer_->got_close_notify);
    EXPECT_EQ(session_->records()->state(), RecordState::kClosing);
    SSL_shutdown(peer_->ssl());
    link_->pump();
    EXPECT_EQ(session_->records()->state(), RecordState::kClosed);
    EXPECT_TRUE(session_->records()->close_info()->graceful);
  }
}

TEST_F(SessionTest, TamperedRecordGetsBadRecordMacAndCloses) {
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    SCOPED_TRACE(version);
    start({.sipnic_role = Role::kServer, .version = version});
    expect_established();
    peer_->write("genuine");
    auto bytes = peer_->take();
    bytes.back() ^= 0x80;  // flip a tag bit
    session_->feed(bytes);
    std::string got;
    session_->records()->process(got);
    EXPECT_EQ(got, "");
    EXPECT_EQ(session_->records()->state(), RecordState::kClosed);
    ASSERT_TRUE(session_->records()->close_info());
    EXPECT_EQ(session_->records()->close_info()->alert, alert::kBadRecordMac);
    EXPECT_TRUE(session_->records()->close_info()->alert_sent);
    peer_->feed(session_->take());
    peer_->step();
    EXPECT_NE(peer_->error.find("bad record mac"), std::string::npos) << peer_->error;
  }
}

TEST_F(SessionTest, SipnicRecordTamperedOnTheWireIsRejectedByOpenSsl) {
  start({.sipnic_role = Role::kClient, .version = TLS1_3_VERSION});
  expect_established();
  session_->records()->send(std::string("hello"));
  link_->tamper_next();
  link_->pump();
  EXPECT_NE(peer_->error.find("bad record mac"), std::string::npos) << peer_->error;
  EXPECT_EQ(peer_->received, "");
  EXPECT_EQ(session_->records()->state(), RecordState::kClosed);  // OpenSSL's alert
  EXPECT_TRUE(session_->records()->close_info()->alert_received);
}

TEST_F(SessionTest, Tls12RenegotiationAttemptIsRefusedWithNoRenegotiation) {
  start({.sipnic_role = Role::kClient, .version = TLS1_2_VERSION});
  expect_established();
  ASSERT_EQ(SSL_renegotiate(peer_->ssl()), 1);
  SSL_do_handshake(peer_->ssl());  // sends HelloRequest
  link_->pump();
  // OpenSSL treats the refusal of a renegotiation it asked for as fatal.
  EXPECT_NE(peer_->error.find("no renegotiation"), std::string::npos) << peer_->error;
  EXPECT_EQ(session_->records()->state(), RecordState::kClosed);
  EXPECT_TRUE(session_->records()->close_info()->alert_received);
}

TEST_F(SessionTest, UnprotectedRecordAfterTakeoverIsAnUnexpectedMessage) {
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    SCOPED_TRACE(version);
    start({.sipnic_role = Role::kServer, .version = version});
    expect_established();
    const std::vector<std::uint8_t> ccs = {20, 3, 3, 0, 1, 1};
    session_->feed(ccs);
    std::string got;
    session_->records()->process(got);
    ASSERT_TRUE(session_->records()->close_info());
    EXPECT_EQ(session_->records()->close_info()->alert, alert::kUnexpectedMessage);
    peer_->feed(session_->take());
    peer_->step();
    EXPECT_NE(peer_->error.find("unexpected message"), std::string::npos) << peer_->error;
  }
}

TEST_F(SessionTest, OversizedRecordIsARecordOverflow) {
  start({.sipnic_role = Role::kServer, .version = TLS1_3_VERSION});
  expect_established();
  std::vector<std::uint8_t> huge = {23, 3, 3, 0x41, 0x01};  // 16641 > 2^14 + 256
  huge.resize(5 + 0x4101, 0);
  session_->feed(huge);
  std::string got;
  session_->records()->process(got);
  ASSERT_TRUE(session_->records()->close_info());
  EXPECT_EQ(session_->records()->close_info()->alert, alert::kRecordOverflow);
}

// ---- certificate failures -------------------------------------------------------------------

TEST_F(SessionTest, ClientWithoutCertificateFailsTheHandshake) {
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    SCOPED_TRACE(version);
    start({.sipnic_role = Role::kServer, .version = version, .peer_without_cert = true});
    EXPECT_EQ(session_->state(), SessionState::kFailed);
    RecordProperty("reason_" + std::to_string(version), session_->failure_reason());
    EXPECT_NE(session_->failure_reason().find("peer did not return a certificate"), std::string::npos)
        << session_->failure_reason();
    EXPECT_EQ(session_->failure(), sip::SecureFailure::kHandshake);  // no certificate to verify
    EXPECT_FALSE(peer_->error.empty());  // and the peer was told
  }
}

TEST_F(SessionTest, PeerCertificateFromAnotherCaFails) {
  const auto& pki = shared_test_pki();
  start({.sipnic_role = Role::kServer, .version = TLS1_3_VERSION, .peer_identity = &pki.client_other_ca});
  EXPECT_EQ(session_->state(), SessionState::kFailed);
  EXPECT_NE(session_->failure_reason().find("unable to get local issuer certificate"), std::string::npos)
      << session_->failure_reason();
  EXPECT_NE(session_->failure_reason().find("CN=client.sipnic.test"), std::string::npos) << session_->failure_reason();
  EXPECT_EQ(session_->failure(), sip::SecureFailure::kCertUntrusted);

  // And as a client facing a server from the other CA: sipnic trusts only
  // its own anchors.
  start({.sipnic_role = Role::kClient, .version = TLS1_2_VERSION, .peer_identity = &pki.client_other_ca,
         .peer_ca = pki.ca_file});
  EXPECT_EQ(session_->state(), SessionState::kFailed);
  EXPECT_NE(session_->failure_reason().find("unable to get local issuer certificate"), std::string::npos)
      << session_->failure_reason();
}

TEST_F(SessionTest, RevokedCertificateFailsWithTheCrl) {
  const auto& pki = shared_test_pki();
  Setup s{.sipnic_role = Role::kServer, .version = TLS1_3_VERSION, .peer_identity = &pki.client_revoked};
  s.context.crl_file = pki.crl_file;
  start(s);
  EXPECT_EQ(session_->state(), SessionState::kFailed);
  RecordProperty("reason", session_->failure_reason());
  EXPECT_NE(session_->failure_reason().find("certificate revoked"), std::string::npos) << session_->failure_reason();
  EXPECT_EQ(session_->failure(), sip::SecureFailure::kCertRevoked);
}

TEST_F(SessionTest, UnrevokedCertificatePassesTheCrlCheck) {
  Setup s{.sipnic_role = Role::kServer, .version = TLS1_2_VERSION};
  s.context.crl_file = shared_test_pki().crl_file;
  start(s);
  expect_established();
}

TEST_F(SessionTest, ExpectedIdentityMatchesPerRfc5922) {
  Setup s{.sipnic_role = Role::kClient, .version = TLS1_3_VERSION};
  s.options.expected_peer_identities = {"other.example", "SERVER.sipnic.TEST"};
  start(s);
  expect_established();
  ASSERT_TRUE(session_->info()->matched_identity);
  EXPECT_EQ(*session_->info()->matched_identity, "server.sipnic.test");
}

TEST_F(SessionTest, IdentityMismatchFailsTheHandshake) {
  const auto& pki = shared_test_pki();
  Setup s{.sipnic_role = Role::kClient, .version = TLS1_3_VERSION, .peer_identity = &pki.other_identity};
  s.options.expected_peer_identities = {"server.sipnic.test"};
  start(s);
  EXPECT_EQ(session_->state(), SessionState::kFailed);
  RecordProperty("reason", session_->failure_reason());
  EXPECT_NE(session_->failure_reason().find("peer identity mismatch"), std::string::npos) << session_->failure_reason();
  EXPECT_NE(session_->failure_reason().find("intruder.sipnic.test"), std::string::npos) << session_->failure_reason();
  EXPECT_EQ(session_->failure(), sip::SecureFailure::kIdentityMismatch);
  EXPECT_FALSE(peer_->error.empty());  // the server got an alert
}

TEST(VerifyErrorClass, X509ErrorsFallIntoTheClassesOperatorsWatch) {
  EXPECT_EQ(failure_of_verify_error(X509_V_ERR_CERT_HAS_EXPIRED), sip::SecureFailure::kCertExpired);
  EXPECT_EQ(failure_of_verify_error(X509_V_ERR_CERT_NOT_YET_VALID), sip::SecureFailure::kCertExpired);
  EXPECT_EQ(failure_of_verify_error(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY), sip::SecureFailure::kCertUntrusted);
  EXPECT_EQ(failure_of_verify_error(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT), sip::SecureFailure::kCertUntrusted);
  EXPECT_EQ(failure_of_verify_error(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN), sip::SecureFailure::kCertUntrusted);
  EXPECT_EQ(failure_of_verify_error(X509_V_ERR_CERT_REVOKED), sip::SecureFailure::kCertRevoked);
  EXPECT_EQ(failure_of_verify_error(X509_V_ERR_CERT_SIGNATURE_FAILURE), sip::SecureFailure::kCertInvalid);
  EXPECT_EQ(failure_of_verify_error(X509_V_ERR_UNABLE_TO_GET_CRL), sip::SecureFailure::kCertInvalid);
  EXPECT_EQ(sip::secure_failure_name(sip::SecureFailure::kCertExpired), "cert_expired");
}

// ---- batching across connections ----------------------------------------------------------

class CountingEngine final : public offload::GcmEngine {
 public:
  explicit CountingEngine(offload::GcmEngine& inner) : inner_(inner) {}
  std::uint32_t key_slots() const override { return inner_.key_slots(); }
  bool set_key(std::uint32_t slot, std::span<const std::uint8_t> key) override { return inner_.set_key(slot, key); }
  void clear_key(std::uint32_t slot) override { inner_.clear_key(slot); }
  void run(std::span<std::uint8_t> bytes, std::span<const offload::GcmJob> jobs,
           std::span<offload::GcmResult> results) override {
    ++runs;
    max_jobs = std::max(max_jobs, jobs.size());
    inner_.run(bytes, jobs, results);
  }
  int runs = 0;
  std::size_t max_jobs = 0;

 private:
  offload::GcmEngine& inner_;
};

TEST(SessionBatching, TwoConnectionsShareOneEngineRunPerDirection) {
  auto real = std::make_unique<offload::CpuGcmEngine>(16);
  CountingEngine engine(*real);
  KeySlotPool slots(engine);
  const auto& pki = shared_test_pki();
  auto context = make_context(pki.server_ec, pki.ca_file);
  std::vector<std::unique_ptr<TlsSession>> sessions;
  std::vector<std::unique_ptr<StockPeer>> peers;
  for (int i = 0; i < 2; ++i) {
    sessions.push_back(std::make_unique<TlsSession>(context, slots, SessionOptions{.role = Role::kServer}));
    peers.push_back(std::make_unique<StockPeer>(StockPeer::Config{
        .role = Role::kClient, .identity = &pki.client_ec, .ca_file = pki.ca_file,
        .min_version = i == 0 ? TLS1_3_VERSION : TLS1_2_VERSION, .max_version = i == 0 ? TLS1_3_VERSION : TLS1_2_VERSION}));
    for (int round = 0; round < 4; ++round) {
      peers[i]->step();
      sessions[i]->feed(peers[i]->take());
      peers[i]->feed(sessions[i]->take());
    }
    peers[i]->step();
    ASSERT_EQ(sessions[i]->state(), SessionState::kEstablished) << sessions[i]->failure_reason();
    peers[i]->write("request " + std::to_string(i) + std::string(30000, 'r'));
    sessions[i]->feed(peers[i]->take());
    sessions[i]->records()->send("response " + std::to_string(i));
  }
  std::string app[2];
  const BatchMember members[] = {{sessions[0]->records(), &app[0]}, {sessions[1]->records(), &app[1]}};
  GcmBatch batch;
  engine.runs = 0;
  run_batched(engine, members, batch);
  EXPECT_EQ(engine.runs, 2);         // one open run, one seal run, for both connections
  EXPECT_EQ(engine.max_jobs, 4u);    // two records per connection in the open run
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(app[i], "request " + std::to_string(i) + std::string(30000, 'r'));
    peers[i]->feed(sessions[i]->take());
    peers[i]->step();
    EXPECT_EQ(peers[i]->received, "response " + std::to_string(i)) << peers[i]->error;
  }
}

TEST(SessionSlots, KeysAreWipedAndSlotsReturnedWhenASessionEnds) {
  auto engine = std::make_unique<offload::CpuGcmEngine>(2);
  KeySlotPool slots(*engine);
  const auto& pki = shared_test_pki();
  {
    auto context = make_context(pki.client_ec, pki.ca_file);
    TlsSession session(context, slots, {.role = Role::kClient});
    StockPeer peer({.role = Role::kServer, .identity = &pki.server_ec, .ca_file = pki.ca_file});
    for (int round = 0; round < 4; ++round) {
      peer.feed(session.take());
      peer.step();
      session.feed(peer.take());
    }
    ASSERT_EQ(session.state(), SessionState::kEstablished) << session.failure_reason();
    EXPECT_EQ(slots.available(), 0u);
    // A third connection finds the key table full and fails cleanly.
    TlsSession second(context, slots, {.role = Role::kClient});
    StockPeer peer2({.role = Role::kServer, .identity = &pki.server_ec, .ca_file = pki.ca_file});
    for (int round = 0; round < 4; ++round) {
      peer2.feed(second.take());
      peer2.step();
      second.feed(peer2.take());
    }
    EXPECT_EQ(second.state(), SessionState::kFailed);
    EXPECT_NE(second.failure_reason().find("key table is full"), std::string::npos) << second.failure_reason();
    EXPECT_EQ(second.failure(), sip::SecureFailure::kLocal);
  }
  EXPECT_EQ(slots.available(), 2u);
}

}  // namespace
}  // namespace sipnic::tls
