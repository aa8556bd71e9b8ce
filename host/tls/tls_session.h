// TlsSession: one TLS connection. OpenSSL runs the handshake over two memory
// BIOs that this object owns; the transport moves bytes with feed()/take().
// When the handshake completes the session takes the record layer over (the
// map: "TLS: handshake in OpenSSL, records on the offload engine"):
//
//  - secrets: TLS 1.3 application traffic secrets from the keylog callback;
//    TLS 1.2 master secret (SSL_SESSION_get_master_key) and the randoms;
//  - suite and version from the SSL object;
//  - sequence numbers from what OpenSSL already wrote and read under the
//    application keys: TLS 1.3 server: the NewSessionTicket records written
//    by the call that completed the handshake; TLS 1.3 client: 0 and 0;
//    TLS 1.2: 1 and 1 (the Finished messages);
//  - peer records that arrived with the last handshake bytes (still in the
//    read BIO: OpenSSL runs without read-ahead) go to the record layer.
//
// Then the SSL object is freed: SSL_read/SSL_write are never used, and every
// record goes through RecordLayer on the offload GcmEngine. The handshake
// timeout is the transport's: it watches state().
#pragma once

#include <functional>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/ossl_ptr.h"
#include "sip/secure_stream.h"
#include "tls/peer_identity.h"
#include "tls/record_layer.h"
#include "tls/tls_context.h"

namespace sipnic::tls {

// The failure class of an X509 verification error (X509_V_ERR_*).
sip::SecureFailure failure_of_verify_error(int x509_error);

// Why a peer policy refused a verified certificate.
struct PeerRefusal {
  sip::SecureFailure kind = sip::SecureFailure::kNoTrunk;
  std::string reason;
};

enum class Role { kClient, kServer };

enum class SessionState {
  kHandshaking,
  kEstablished,  // records() is the connection from now on
  kFailed,       // failure_reason() says why; take() may still hold an alert
};

struct SessionOptions {
  Role role = Role::kServer;
  // Client role: server_name (SNI) to send; empty for none.
  std::string server_name{};
  // RFC 5922 identities the peer must present (one match suffices), checked
  // during certificate verification so that a mismatch fails the handshake
  // with an alert. Empty: any verified certificate; the caller then decides
  // on info().peer (a server does not know its client's trunk beforehand).
  std::vector<std::string> expected_peer_identities{};
  // Called for the verified leaf after the identity check, with the peer's
  // RFC 5922 identities and OpenSSL's verification context (chain built): a
  // returned refusal refuses the peer with that reason. A server uses it to
  // pick the trunk by identity and hold the chain to that trunk's own CAs.
  std::function<std::optional<PeerRefusal>(const PeerIdentities&, X509_STORE_CTX*)> peer_policy{};
  RecordLayerOptions record{};
};

// What the handshake established (no key material).
struct HandshakeInfo {
  TlsVersion version = TlsVersion::kTls13;
  GcmSuite suite = GcmSuite::kAes128GcmSha256;
  std::string cipher_name;              // OpenSSL's name
  std::uint64_t read_seq = 0;           // sequence numbers at takeover
  std::uint64_t write_seq = 0;
  std::size_t pending_input_bytes = 0;  // peer records handed over with the takeover
  PeerIdentities peer;                  // RFC 5922 identities of the peer
  std::optional<std::string> matched_identity;
  std::string peer_subject;             // RFC 2253
};

class TlsSession final : private SessionHooks {
 public:
  // A client session produces its ClientHello at once (take() it). Creation
  // failures (out of memory) show as kFailed, never as exceptions.
  TlsSession(std::shared_ptr<const TlsContext> context, KeySlotPool& slots, SessionOptions options);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Bytes received from the peer: to OpenSSL during the handshake, to the
  // record layer after it (the caller then runs the record layer's batch
  // API, or records()->process()).
  void feed(std::span<const std::uint8_t> bytes);
  // The same without a copy once established (straight into the record
  // layer's input buffer; during the handshake a scratch buffer that goes to
  // OpenSSL's BIO on commit). One space at a time.
  std::span<std::uint8_t> input_space(std::size_t n);
  void commit_input(std::size_t k);
  // Bytes to send to the peer: the rest of the handshake, then records.
  std::vector<std::uint8_t> take();
  bool has_output() const;

  SessionState state() const { return state_; }
  const std::string& failure_reason() const { return failure_; }
  // The class of the failure once kFailed (kNone before).
  sip::SecureFailure failure() const { return failure_kind_; }
  // Set once established.
  const std::optional<HandshakeInfo>& info() const { return info_; }
  // The record layer; null until established.
  RecordLayer* records() { return records_.get(); }
  const RecordLayer* records() const { return records_.get(); }

 private:
  void advance();
  void take_over(std::size_t write_bio_before);
  void fail(std::string reason, sip::SecureFailure kind);
  void drain_write_bio();

  // SessionHooks
  void on_keylog_line(std::string_view line) override;
  void on_verify_failure(int depth, int error, std::string subject) override;
  std::optional<std::string> check_peer_certificate(const X509& leaf, X509_STORE_CTX* store) override;

  std::shared_ptr<const TlsContext> context_;
  KeySlotPool& slots_;
  SessionOptions options_;
  core::SslPtr ssl_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  SessionState state_ = SessionState::kHandshaking;
  std::string failure_;
  sip::SecureFailure failure_kind_ = sip::SecureFailure::kNone;
  std::string verify_failure_;
  int verify_error_ = 0;  // X509_V_ERR_* of verify_failure_
  std::string identity_failure_;
  sip::SecureFailure identity_kind_ = sip::SecureFailure::kNone;
  std::optional<PeerIdentities> peer_ids_;
  std::optional<std::string> matched_;
  Secret client_traffic_secret_;  // TLS 1.3, until takeover
  Secret server_traffic_secret_;
  std::vector<std::uint8_t> handshake_out_;  // write BIO bytes kept past the SSL's life
  std::vector<std::uint8_t> handshake_in_;   // input_space before the takeover
  bool space_in_records_ = false;            // the open input_space is the record layer's
  std::optional<HandshakeInfo> info_;
  std::unique_ptr<RecordLayer> records_;
};

}  // namespace sipnic::tls
