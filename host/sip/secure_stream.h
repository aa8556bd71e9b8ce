// The seam between the SIP transports and a security layer under a stream
// connection (TLS). The sip layer defines it; tls/ implements it (the map:
// tls sits below sip's transports in the data flow but after sip in the
// layer order); interwork wires the two together.
//
// The transport owns the socket. It hands every raw byte it reads to the
// connection's SecureStream, and every SIP byte it wants to send; the stream
// gives back SIP bytes (plaintext) and raw bytes to write. Crypto is batched:
// streams queue their record work in their factory, and the transport calls
// SecureStreamFactory::run_batch() once per event-loop turn (before parsing,
// and again before writing), so one GcmEngine run serves every connection of
// the worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/socket_address.h"

namespace sipnic::sip {

// Why a secure stream failed, in the classes an operator watches (the
// reason label of sipnic_tls_failures_total, docs/operations.md). The
// certificate classes group X509 verification errors.
enum class SecureFailure : std::uint8_t {
  kNone,
  kCertExpired,       // a certificate of the chain expired or is not valid yet
  kCertUntrusted,     // the chain leads to no trusted CA (unknown issuer, self-signed)
  kCertRevoked,       // on a CRL
  kCertInvalid,       // other verification errors (signature, purpose, missing CRL, ...)
  kIdentityMismatch,  // the certificate does not name the trunk's tls-identity (RFC 5922)
  kNoTrunk,           // inbound: the certificate names no TLS trunk
  kHandshake,         // protocol: no common version or suite, the peer's alert, a bad message
  kRecord,            // after the handshake: a record that fails, a fatal alert
  kLocal,             // sipnic's own side: out of memory, key table full, not configured
};
inline constexpr std::size_t kSecureFailureCount = 10;
// The label value: "cert_expired", "identity_mismatch", ...
std::string_view secure_failure_name(SecureFailure f);

class SecureStream {
 public:
  enum class State {
    kHandshaking,  // no SIP bytes flow yet (sends are queued)
    kOpen,         // handshake done, peer verified
    kClosing,      // close_notify sent or received; write what is left, then close
    kFailed,       // handshake or record failure; write what is left, then close
  };

  virtual ~SecureStream() = default;
  // Raw bytes read from the socket.
  virtual void on_received(std::string_view raw) = 0;
  // The same without a copy: room for up to `n` raw bytes for the transport
  // to read(2) into, then commit_received(k) with the k bytes that arrived
  // (0 if none). One space at a time.
  virtual std::span<char> receive_space(std::size_t n) = 0;
  virtual void commit_received(std::size_t k) = 0;
  // SIP bytes to send; queued while handshaking.
  virtual void send(std::string_view plain) = 0;
  // Bytes this stream holds for sending that take_output() has not handed
  // over yet: plaintext queued or framed but not sealed, records sealed but
  // not taken (the transport's output cap counts them).
  virtual std::size_t pending_bytes() const = 0;
  // Moves decrypted SIP bytes to the end of `out`.
  virtual void take_plaintext(std::string& out) = 0;
  // Moves raw bytes to write (handshake, records, alerts) to the end of `out`.
  virtual void take_output(std::string& out) = 0;
  virtual State state() const = 0;
  // Why the stream failed or closed (for logs); "" while fine.
  virtual std::string reason() const = 0;
  // The class of the failure once state() is kFailed (kNone before).
  virtual SecureFailure failure() const = 0;
  // The trunk the peer's verified certificate identifies (RFC 5922), once open.
  virtual std::string trunk() const = 0;
  // Starts an orderly close (close_notify).
  virtual void close() = 0;
};

class SecureStreamFactory {
 public:
  virtual ~SecureStreamFactory() = default;
  // A server-side stream for a connection accepted on `local` from `peer`.
  virtual std::unique_ptr<SecureStream> accept(const core::SocketAddress& local,
                                               const core::SocketAddress& peer) = 0;
  // A client-side stream for a connection to `peer`; `trunk` names the trunk
  // whose identity (certificate, CA set, expected peer names) applies, or ""
  // to find it by the peer address.
  virtual std::unique_ptr<SecureStream> connect(const core::SocketAddress& peer, std::string_view trunk) = 0;
  // Runs the record crypto every stream queued since the last call (one
  // engine batch), so that take_plaintext/take_output have their results.
  virtual void run_batch() = 0;
};

}  // namespace sipnic::sip
