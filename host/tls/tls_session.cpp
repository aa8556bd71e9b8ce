// Handshake over memory BIOs and the takeover of the record layer. The
// takeover is exact or it fails: a wrong sequence number or key would show
// only later as bad_record_mac, so every assumption about what OpenSSL did is
// checked here (no buffered records, whole records in the BIOs, a known
// suite, captured secrets).
#include "tls/tls_session.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "core/ossl_ptr.h"

namespace sipnic::tls {
namespace {

std::optional<GcmSuite> suite_of(std::uint16_t id) {
  switch (id) {
    case 0x1301:  // TLS_AES_128_GCM_SHA256
    case 0xC02B:  // ECDHE-ECDSA-AES128-GCM-SHA256
    case 0xC02F:  // ECDHE-RSA-AES128-GCM-SHA256
      return GcmSuite::kAes128GcmSha256;
    case 0x1302:  // TLS_AES_256_GCM_SHA384
    case 0xC02C:  // ECDHE-ECDSA-AES256-GCM-SHA384
    case 0xC030:  // ECDHE-RSA-AES256-GCM-SHA384
      return GcmSuite::kAes256GcmSha384;
    default:
      return std::nullopt;
  }
}

// Number of application_data records in `bytes`, which must be whole records.
std::optional<std::uint64_t> count_application_records(std::span<const std::uint8_t> bytes) {
  std::uint64_t n = 0;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 5) return std::nullopt;
    const std::size_t length = (std::size_t{bytes[pos + 3]} << 8) | bytes[pos + 4];
    if (bytes.size() - pos - 5 < length) return std::nullopt;
    if (bytes[pos] == 23) ++n;
    pos += 5 + length;
  }
  return n;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex to a Secret; empty on bad input. The scratch buffer is wiped.
Secret secret_from_hex(std::string_view hex) {
  std::array<std::uint8_t, Secret::kMaxBytes> buf{};
  Secret out;
  if (hex.size() % 2 == 0 && hex.size() / 2 <= buf.size()) {
    bool ok = true;
    for (std::size_t i = 0; i < hex.size() / 2 && ok; ++i) {
      const int hi = hex_value(hex[2 * i]);
      const int lo = hex_value(hex[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      buf[i] = static_cast<std::uint8_t>((hi << 4) | lo);
    }
    if (ok) out = Secret(std::span<const std::uint8_t>(buf.data(), hex.size() / 2));
  }
  OPENSSL_cleanse(buf.data(), buf.size());
  return out;
}

std::string subject_of(const X509& cert) {
  core::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(&cert), 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string_view source_name(PeerIdentities::Source s) {
  switch (s) {
    case PeerIdentities::Source::kSipUri: return "subjectAltName sip URI";
    case PeerIdentities::Source::kDnsName: return "subjectAltName DNS";
    case PeerIdentities::Source::kCommonName: return "subject CN";
    default: return "none";
  }
}

}  // namespace

sip::SecureFailure failure_of_verify_error(int x509_error) {
  switch (x509_error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return sip::SecureFailure::kCertExpired;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      return sip::SecureFailure::kCertUntrusted;
    case X509_V_ERR_CERT_REVOKED:
      return sip::SecureFailure::kCertRevoked;
    default:
      return sip::SecureFailure::kCertInvalid;
  }
}

TlsSession::TlsSession(std::shared_ptr<const TlsContext> context, KeySlotPool& slots, SessionOptions options)
    : context_(std::move(context)), slots_(slots), options_(std::move(options)) {
  ERR_clear_error();
  ssl_.reset(context_ ? SSL_new(context_->native()) : nullptr);
  if (!ssl_) {
    fail("cannot create SSL object: " + drain_openssl_errors(), sip::SecureFailure::kLocal);
    return;
  }
  core::BioPtr rbio(BIO_new(BIO_s_mem()));
  core::BioPtr wbio(BIO_new(BIO_s_mem()));
  if (!rbio || !wbio) {
    fail("cannot create memory BIOs: " + drain_openssl_errors(), sip::SecureFailure::kLocal);
    return;
  }
  // An empty memory BIO reports "retry" rather than EOF, which OpenSSL turns
  // into SSL_ERROR_WANT_READ: more bytes will come from the socket.
  BIO_set_mem_eof_return(rbio.get(), -1);
  BIO_set_mem_eof_return(wbio.get(), -1);
  rbio_ = rbio.release();
  wbio_ = wbio.release();
  SSL_set_bio(ssl_.get(), rbio_, wbio_);  // the SSL owns both from here
  bind_session_hooks(ssl_.get(), this);
  if (options_.role == Role::kClient) {
    SSL_set_connect_state(ssl_.get());
    if (!options_.server_name.empty() && SSL_set_tlsext_host_name(ssl_.get(), options_.server_name.c_str()) != 1) {
      fail("cannot set server name '" + options_.server_name + "': " + drain_openssl_errors(),
           sip::SecureFailure::kLocal);
      return;
    }
    advance();  // the ClientHello
  } else {
    SSL_set_accept_state(ssl_.get());
  }
}

TlsSession::~TlsSession() {
  if (ssl_) bind_session_hooks(ssl_.get(), nullptr);
}

void TlsSession::feed(std::span<const std::uint8_t> bytes) {
  if (state_ == SessionState::kEstablished) {
    records_->feed(bytes);
    return;
  }
  if (state_ != SessionState::kHandshaking || bytes.empty()) return;
  if (BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size())) != static_cast<int>(bytes.size())) {
    fail("cannot buffer received bytes: " + drain_openssl_errors(), sip::SecureFailure::kLocal);
    return;
  }
  advance();
}

std::span<std::uint8_t> TlsSession::input_space(std::size_t n) {
  space_in_records_ = state_ == SessionState::kEstablished;
  if (space_in_records_) return records_->input_space(n);
  handshake_in_.resize(n);
  return handshake_in_;
}

void TlsSession::commit_input(std::size_t k) {
  if (space_in_records_) {
    space_in_records_ = false;
    records_->commit_input(k);
    return;
  }
  // Handshake bytes (and any records right behind them) go through
  // OpenSSL's BIO, as feed() does; the scratch is small and short-lived.
  feed(std::span<const std::uint8_t>(handshake_in_).first(std::min(k, handshake_in_.size())));
  std::vector<std::uint8_t>().swap(handshake_in_);
}

void TlsSession::advance() {
  ERR_clear_error();
  const std::size_t before = BIO_ctrl_pending(wbio_);
  const int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) {
    take_over(before);
    return;
  }
  const int err = SSL_get_error(ssl_.get(), rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;  // needs the peer's next flight

  std::string reason;
  sip::SecureFailure kind = sip::SecureFailure::kHandshake;
  if (!identity_failure_.empty()) {
    reason = identity_failure_;
    kind = identity_kind_;
  } else if (!verify_failure_.empty()) {
    reason = verify_failure_;
    kind = failure_of_verify_error(verify_error_);
  }
  const std::string openssl = drain_openssl_errors();
  if (!openssl.empty()) reason += (reason.empty() ? "" : " (OpenSSL: ") + openssl + (reason.empty() ? "" : ")");
  if (reason.empty()) reason = "SSL_do_handshake error " + std::to_string(err);
  fail("TLS handshake failed: " + reason, kind);
}

void TlsSession::fail(std::string reason, sip::SecureFailure kind) {
  state_ = SessionState::kFailed;
  failure_ = std::move(reason);
  failure_kind_ = kind;
  client_traffic_secret_.clear();
  server_traffic_secret_.clear();
  // Keep whatever OpenSSL wrote (its alert) for take(), then drop the SSL.
  if (ssl_) {
    drain_write_bio();
    bind_session_hooks(ssl_.get(), nullptr);
    ssl_.reset();
    rbio_ = wbio_ = nullptr;
  }
}

void TlsSession::drain_write_bio() {
  char* data = nullptr;
  const long n = BIO_get_mem_data(wbio_, &data);
  if (n > 0) handshake_out_.insert(handshake_out_.end(), data, data + n);
  (void)BIO_reset(wbio_);
}

void TlsSession::take_over(std::size_t write_bio_before) {
  SSL* ssl = ssl_.get();
  TakeoverState st;
  st.is_server = options_.role == Role::kServer;

  const int version = SSL_version(ssl);
  if (version != TLS1_3_VERSION && version != TLS1_2_VERSION) {
    fail("takeover: negotiated protocol " + std::string(SSL_get_version(ssl)) + " is not TLS 1.2 or 1.3",
         sip::SecureFailure::kLocal);
    return;
  }
  st.version = version == TLS1_3_VERSION ? TlsVersion::kTls13 : TlsVersion::kTls12;
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  const auto suite = cipher != nullptr ? suite_of(SSL_CIPHER_get_protocol_id(cipher)) : std::nullopt;
  if (!suite) {
    fail("takeover: negotiated cipher suite is not AES-GCM", sip::SecureFailure::kLocal);
    return;
  }
  st.suite = *suite;
  // Without read-ahead OpenSSL never holds record bytes it has not
  // processed; if it did, they could not be handed over.
  if (SSL_has_pending(ssl) != 0) {
    fail("takeover: OpenSSL holds unprocessed record bytes", sip::SecureFailure::kLocal);
    return;
  }
  const X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) {
    // Cannot happen with SSL_VERIFY_PEER | FAIL_IF_NO_PEER_CERT; checked
    // anyway because everything after this trusts the peer.
    fail("takeover: peer certificate missing or not verified", sip::SecureFailure::kLocal);
    return;
  }

  if (st.version == TlsVersion::kTls13) {
    if (client_traffic_secret_.empty() || server_traffic_secret_.empty()) {
      fail("takeover: TLS 1.3 traffic secrets were not captured", sip::SecureFailure::kLocal);
      return;
    }
    Secret& mine = st.is_server ? server_traffic_secret_ : client_traffic_secret_;
    Secret& theirs = st.is_server ? client_traffic_secret_ : server_traffic_secret_;
    st.write.traffic_secret = std::move(mine);
    st.read.traffic_secret = std::move(theirs);
    // The records this call wrote: a server's NewSessionTickets, already
    // under the server application key. A client wrote its Finished under
    // the handshake key, and has read nothing under the application key.
    char* data = nullptr;
    const long n = BIO_get_mem_data(wbio_, &data);
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
    const std::span<const std::uint8_t> written =
        n > 0 && static_cast<std::size_t>(n) >= write_bio_before
            ? std::span<const std::uint8_t>(bytes + write_bio_before, static_cast<std::size_t>(n) - write_bio_before)
            : std::span<const std::uint8_t>();
    const auto records = count_application_records(written);
    if (!records) {
      fail("takeover: partial record in OpenSSL's output", sip::SecureFailure::kLocal);
      return;
    }
    st.write.seq = st.is_server ? *records : 0;
    st.read.seq = 0;
  } else {
    std::array<std::uint8_t, kTls12MasterSecretBytes> master{};
    std::array<std::uint8_t, kTls12RandomBytes> client_random{};
    std::array<std::uint8_t, kTls12RandomBytes> server_random{};
    const SSL_SESSION* session = SSL_get_session(ssl);
    const bool ok = session != nullptr &&
                    SSL_SESSION_get_master_key(session, master.data(), master.size()) == master.size() &&
                    SSL_get_client_random(ssl, client_random.data(), client_random.size()) == client_random.size() &&
                    SSL_get_server_random(ssl, server_random.data(), server_random.size()) == server_random.size();
    std::optional<Tls12KeyBlock> block;
    if (ok) block = tls12_key_block(st.suite, Secret(master), client_random, server_random);
    OPENSSL_cleanse(master.data(), master.size());
    if (!block) {
      fail("takeover: cannot derive the TLS 1.2 key block", sip::SecureFailure::kLocal);
      return;
    }
    st.write.key = std::move(st.is_server ? block->server_write_key : block->client_write_key);
    st.write.salt = std::move(st.is_server ? block->server_write_salt : block->client_write_salt);
    st.read.key = std::move(st.is_server ? block->client_write_key : block->server_write_key);
    st.read.salt = std::move(st.is_server ? block->client_write_salt : block->server_write_salt);
    // Each side's Finished was record 0 under the new keys.
    st.write.seq = 1;
    st.read.seq = 1;
  }

  // Peer records that came with the last handshake flight.
  const std::size_t unread = BIO_ctrl_pending(rbio_);
  st.pending_input.resize(unread);
  if (unread != 0 && BIO_read(rbio_, st.pending_input.data(), static_cast<int>(unread)) != static_cast<int>(unread)) {
    fail("takeover: cannot read back unread bytes", sip::SecureFailure::kLocal);
    return;
  }

  HandshakeInfo info;
  info.version = st.version;
  info.suite = st.suite;
  info.cipher_name = SSL_CIPHER_get_name(cipher);
  info.read_seq = st.read.seq;
  info.write_seq = st.write.seq;
  info.pending_input_bytes = st.pending_input.size();
  info.peer = peer_ids_ ? *peer_ids_ : extract_peer_identities(*peer);
  info.matched_identity = matched_;
  info.peer_subject = subject_of(*peer);

  auto read_slot = slots_.acquire();
  auto write_slot = slots_.acquire();
  if (!read_slot || !write_slot) {
    fail("takeover: offload key table is full", sip::SecureFailure::kLocal);
    return;
  }
  drain_write_bio();
  bind_session_hooks(ssl, nullptr);
  ssl_.reset();  // OpenSSL's copies of the keys go with it
  rbio_ = wbio_ = nullptr;

  records_ = std::make_unique<RecordLayer>(slots_, std::move(*read_slot), std::move(*write_slot), std::move(st),
                                           options_.record);
  if (records_->state() == RecordState::kClosed && records_->close_info()) {
    const std::string why = records_->close_info()->reason;
    records_.reset();
    fail("takeover: " + why, sip::SecureFailure::kRecord);
    return;
  }
  info_ = std::move(info);
  state_ = SessionState::kEstablished;
}

std::vector<std::uint8_t> TlsSession::take() {
  if (ssl_) drain_write_bio();
  std::vector<std::uint8_t> out = std::move(handshake_out_);
  handshake_out_.clear();
  if (records_) {
    const auto span = records_->output();
    out.insert(out.end(), span.begin(), span.end());
    records_->consume_output(span.size());
  }
  return out;
}

bool TlsSession::has_output() const {
  return !handshake_out_.empty() || (ssl_ && BIO_ctrl_pending(wbio_) > 0) ||
         (records_ && !records_->output().empty());
}

void TlsSession::on_keylog_line(std::string_view line) {
  // "LABEL <client_random hex> <secret hex>"; only the two secrets the
  // takeover needs are kept, and only until it.
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return;
  const std::string_view label = line.substr(0, sp1);
  const std::string_view secret = line.substr(sp2 + 1);
  if (label == "CLIENT_TRAFFIC_SECRET_0") {
    client_traffic_secret_ = secret_from_hex(secret);
  } else if (label == "SERVER_TRAFFIC_SECRET_0") {
    server_traffic_secret_ = secret_from_hex(secret);
  }
}

void TlsSession::on_verify_failure(int depth, int error, std::string subject) {
  if (!verify_failure_.empty()) return;  // the first failure is the cause
  verify_error_ = error;
  verify_failure_ = "peer certificate verification failed at depth " + std::to_string(depth) + ": " +
                    X509_verify_cert_error_string(error) + " (subject: " + subject + ")";
}

std::optional<std::string> TlsSession::check_peer_certificate(const X509& leaf, X509_STORE_CTX* store) {
  peer_ids_ = extract_peer_identities(leaf);
  if (!options_.expected_peer_identities.empty()) {
    matched_ = match_identity(*peer_ids_, options_.expected_peer_identities);
    if (!matched_) {
      identity_kind_ = sip::SecureFailure::kIdentityMismatch;
      identity_failure_ = "peer identity mismatch (RFC 5922): certificate " + subject_of(leaf) + " names " +
                          join_identities(peer_ids_->domains) + " (" +
                          std::string(source_name(peer_ids_->source)) + "), expected " +
                          join_identities(options_.expected_peer_identities);
      return identity_failure_;
    }
  }
  if (options_.peer_policy) {
    if (auto refused = options_.peer_policy(*peer_ids_, store)) {
      identity_kind_ = refused->kind;
      identity_failure_ = "peer refused: certificate " + subject_of(leaf) + " names " +
                          join_identities(peer_ids_->domains) + ": " + refused->reason;
      return identity_failure_;
    }
  }
  return std::nullopt;
}

}  // namespace sipnic::tls
