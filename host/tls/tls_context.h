// TlsContext: one OpenSSL SSL_CTX configured for sipnic's mutual TLS (the
// map: "TLS: handshake in OpenSSL, records on the offload engine").
//
//  - TLS 1.2 and 1.3 (configurable range), AES-GCM suites only, because only
//    they run on the offload engine after takeover: TLS_AES_128_GCM_SHA256,
//    TLS_AES_256_GCM_SHA384, ECDHE-{ECDSA,RSA}-AES{128,256}-GCM-SHA{256,384}.
//  - Own certificate chain + key from PEM files (ECDSA P-256 or RSA >= 2048).
//  - Trust anchors from a CA file and/or directory; optional CRL file, then
//    revocation is checked for every certificate of the chain.
//  - The peer's certificate is REQUIRED in both roles; verification is never
//    skipped, and its failure is recorded with reason and subject.
//  - No renegotiation, no compression, no read-ahead (see tls_context.cpp).
//  - A keylog callback hands the traffic secrets to the session that runs
//    the handshake (TlsSession needs them for the takeover), never to a log;
//    writing an NSS key log file is a separate, explicit opt-in for debugging
//    with Wireshark.
//
// Contexts are immutable once built; a configuration reload builds a new one
// (sessions hold a shared_ptr to theirs, so old connections keep theirs).
#pragma once

#include <openssl/ssl.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/ossl_ptr.h"

namespace sipnic::tls {

struct TlsContextConfig {
  std::filesystem::path cert_chain_file;  // PEM: leaf first, then intermediates
  std::filesystem::path key_file;         // PEM private key of the leaf
  std::filesystem::path ca_file;          // PEM trust anchors (this and/or ca_dir)
  std::filesystem::path ca_dir;           // c_rehash'd directory of anchors
  // More PEM trust anchors (a server that accepts several trunks, each with
  // its own CAs, trusts all of them; the trunk's own set is checked after the
  // peer's identity picked the trunk).
  std::vector<std::filesystem::path> extra_ca_files;
  std::filesystem::path crl_file;         // optional PEM CRLs: one per CA of the chains
  int min_version = TLS1_2_VERSION;       // TLS1_2_VERSION or TLS1_3_VERSION
  int max_version = TLS1_3_VERSION;
  // OpenSSL cipher strings; every suite they enable must be AES-GCM.
  std::string tls12_ciphers =
      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";
  std::string tls13_ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384";
  int verify_depth = 4;
  // Server role: issue TLS session tickets so that peers may resume. Off by
  // default: a resumed session skips certificate (and CRL) checks, and a
  // trunk reconnects rarely enough that a full handshake costs nothing.
  bool session_resumption = false;
  // Opt-in NSS key log file (SSLKEYLOGFILE format) for debugging with a
  // protocol analyser. Empty: off. Never enable in production.
  std::filesystem::path nss_keylog_file;
};

// A context could not be built; what() names the file and OpenSSL's reason.
class TlsContextError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a TLS connection tells its session during the handshake. TlsSession
// implements it; the context's OpenSSL callbacks find it through the SSL's
// app data (bind_session_hooks), so no global state is involved.
class SessionHooks {
 public:
  // One NSS key log line ("LABEL <client_random hex> <secret hex>").
  virtual void on_keylog_line(std::string_view line) = 0;
  // The first certificate verification failure: depth in the chain, the
  // X509_V_ERR code, and the subject of the certificate concerned.
  virtual void on_verify_failure(int depth, int error, std::string subject) = 0;
  // Called once for the verified leaf certificate; a returned text refuses
  // the peer (RFC 5922 identity mismatch) and becomes the failure reason.
  // `store` is OpenSSL's verification context (its chain is built), for a
  // further check against another trust store (per-trunk CAs).
  virtual std::optional<std::string> check_peer_certificate(const X509& leaf, X509_STORE_CTX* store) = 0;

 protected:
  ~SessionHooks() = default;
};

// Attaches hooks to an SSL object created from a TlsContext (null detaches).
void bind_session_hooks(SSL* ssl, SessionHooks* hooks);

// OpenSSL's error queue as text ("error:...:reason; ..."), drained.
std::string drain_openssl_errors();

class TlsContext {
 public:
  // Builds the context. Throws TlsContextError naming the file at fault.
  explicit TlsContext(TlsContextConfig config);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // The SSL_CTX to create connections from (SSL_new). Owned by this object.
  SSL_CTX* native() const { return ctx_.get(); }
  const TlsContextConfig& config() const { return config_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const;
  };

  static void keylog_callback(const SSL* ssl, const char* line);
  static int verify_callback(int preverify_ok, X509_STORE_CTX* store);
  void write_nss_keylog(const char* line) const;

  TlsContextConfig config_;
  core::SslCtxPtr ctx_;
  std::unique_ptr<std::FILE, FileCloser> nss_keylog_;
  mutable std::mutex nss_keylog_mutex_;  // contexts are shared by worker threads
};

}  // namespace sipnic::tls
