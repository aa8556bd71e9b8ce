// SSL_CTX set-up for mutual TLS. Every OpenSSL failure becomes a
// TlsContextError naming the file concerned and OpenSSL's own reason, so an
// operator sees "cannot load key /etc/sipnic/node.key: ... bad decrypt"
// instead of a generic "TLS init failed".
#include "tls/tls_context.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/ossl_ptr.h"
#include "core/unique_fd.h"

namespace sipnic::tls {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& file = {}) {
  std::string message = what;
  if (!file.empty()) message += " " + file.string();
  const std::string reason = drain_openssl_errors();
  if (!reason.empty()) message += ": " + reason;
  throw TlsContextError(message);
}

std::string subject_text(X509* cert) {
  if (cert == nullptr) return "(no certificate)";
  core::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
    return "(unprintable subject)";
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string("(empty subject)");
}

// The record layer after takeover does AES-GCM only, and TLS 1.2 suites
// must have forward secrecy: refuse any configuration that would let
// OpenSSL negotiate something else.
void check_suites(SSL_CTX* ctx) {
  STACK_OF(SSL_CIPHER)* suites = SSL_CTX_get_ciphers(ctx);
  if (suites == nullptr || sk_SSL_CIPHER_num(suites) == 0) fail("no cipher suite enabled");
  for (int i = 0; i < sk_SSL_CIPHER_num(suites); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(suites, i);
    const int nid = SSL_CIPHER_get_cipher_nid(c);
    const bool gcm = nid == NID_aes_128_gcm || nid == NID_aes_256_gcm;
    const int kx = SSL_CIPHER_get_kx_nid(c);
    const bool fs = kx == NID_kx_any || kx == NID_kx_ecdhe;
    if (!gcm || !fs) {
      throw TlsContextError(std::string("cipher suite ") + SSL_CIPHER_get_name(c) +
                            " is not allowed (only ECDHE/TLS 1.3 AES-GCM suites run on the offload engine)");
    }
  }
}

void check_key(SSL_CTX* ctx, const std::filesystem::path& key_file) {
  EVP_PKEY* key = SSL_CTX_get0_privatekey(ctx);
  if (key == nullptr) fail("no private key in", key_file);
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 && std::string_view(group) == "prime256v1") {
      return;
    }
    throw TlsContextError("key " + key_file.string() + ": EC key on curve '" + group +
                          "', only P-256 (prime256v1) is supported");
  }
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) >= 2048) return;
    throw TlsContextError("key " + key_file.string() + ": RSA key of " + std::to_string(EVP_PKEY_get_bits(key)) +
                          " bits, at least 2048 required");
  }
  throw TlsContextError("key " + key_file.string() + ": unsupported key type (ECDSA P-256 or RSA expected)");
}

void require_readable(const std::filesystem::path& file, const char* what) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) throw TlsContextError(std::string(what) + " " + file.string() + ": no such file");
}

}  // namespace

std::string drain_openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

void bind_session_hooks(SSL* ssl, SessionHooks* hooks) { SSL_set_app_data(ssl, hooks); }

void TlsContext::FileCloser::operator()(std::FILE* f) const { std::fclose(f); }

TlsContext::TlsContext(TlsContextConfig config) : config_(std::move(config)) {
  ERR_clear_error();
  ctx_.reset(SSL_CTX_new(TLS_method()));
  if (!ctx_) fail("cannot create SSL_CTX");
  SSL_CTX* ctx = ctx_.get();

  const auto good_version = [](int v) { return v == TLS1_2_VERSION || v == TLS1_3_VERSION; };
  if (!good_version(config_.min_version) || !good_version(config_.max_version) ||
      config_.min_version > config_.max_version) {
    throw TlsContextError("TLS version range must lie within TLS 1.2 .. TLS 1.3");
  }
  if (SSL_CTX_set_min_proto_version(ctx, config_.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, config_.max_version) != 1) {
    fail("cannot set the TLS version range");
  }
  if (!config_.tls12_ciphers.empty() && SSL_CTX_set_cipher_list(ctx, config_.tls12_ciphers.c_str()) != 1) {
    fail("bad TLS 1.2 cipher list '" + config_.tls12_ciphers + "'");
  }
  if (SSL_CTX_set_ciphersuites(ctx, config_.tls13_ciphersuites.c_str()) != 1) {
    fail("bad TLS 1.3 cipher suites '" + config_.tls13_ciphersuites + "'");
  }
  check_suites(ctx);

  // Renegotiation would need OpenSSL's record layer back after takeover;
  // compression is a known attack surface (CRIME) and TLS 1.3 has none.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // No read-ahead: OpenSSL must read only the records the handshake needs,
  // so that the peer's first application records stay in the memory BIO
  // where the takeover finds them (a read-ahead buffer cannot be taken back).
  SSL_CTX_set_read_ahead(ctx, 0);
  // Required when the server verifies clients and caches sessions; set
  // always so that neither role depends on the other's settings.
  static constexpr unsigned char kSessionIdContext[] = "sipnic";
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1);
  if (config_.session_resumption) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
  }

  // Own certificate chain and key.
  require_readable(config_.cert_chain_file, "certificate chain");
  if (SSL_CTX_use_certificate_chain_file(ctx, config_.cert_chain_file.c_str()) != 1) {
    fail("cannot load certificate chain", config_.cert_chain_file);
  }
  require_readable(config_.key_file, "private key");
  if (SSL_CTX_use_PrivateKey_file(ctx, config_.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    fail("cannot load private key", config_.key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    fail("private key " + config_.key_file.string() + " does not match certificate", config_.cert_chain_file);
  }
  check_key(ctx, config_.key_file);

  // Trust anchors.
  if (config_.ca_file.empty() && config_.ca_dir.empty()) {
    throw TlsContextError("no trust anchors: set a CA file or a CA directory (peer certificates are required)");
  }
  if (!config_.ca_file.empty()) require_readable(config_.ca_file, "CA file");
  if (!config_.ca_dir.empty()) require_readable(config_.ca_dir, "CA directory");
  if (SSL_CTX_load_verify_locations(ctx, config_.ca_file.empty() ? nullptr : config_.ca_file.c_str(),
                                    config_.ca_dir.empty() ? nullptr : config_.ca_dir.c_str()) != 1) {
    fail("cannot load trust anchors from", config_.ca_file.empty() ? config_.ca_dir : config_.ca_file);
  }
  for (const auto& extra : config_.extra_ca_files) {
    require_readable(extra, "CA file");
    if (SSL_CTX_load_verify_locations(ctx, extra.c_str(), nullptr) != 1) fail("cannot load trust anchors from", extra);
  }
  // The server's CertificateRequest names the acceptable CAs, so a client
  // with several certificates picks the right one.
  std::vector<std::filesystem::path> ca_files = config_.extra_ca_files;
  if (!config_.ca_file.empty()) ca_files.insert(ca_files.begin(), config_.ca_file);
  if (!ca_files.empty()) {
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    if (names == nullptr) fail("cannot allocate the CA name list", ca_files.front());
    for (const auto& f : ca_files) {
      if (SSL_add_file_cert_subjects_to_stack(names, f.c_str()) != 1) {
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        fail("cannot read CA names from", f);
      }
    }
    SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  }

  // Revocation.
  if (!config_.crl_file.empty()) {
    require_readable(config_.crl_file, "CRL file");
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (lookup == nullptr || X509_load_crl_file(lookup, config_.crl_file.c_str(), X509_FILETYPE_PEM) <= 0) {
      fail("cannot load CRL file", config_.crl_file);
    }
    // CRL_CHECK_ALL: every certificate of the chain, not only the leaf; so
    // the file needs a current CRL of every CA that issues into the chain.
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }

  // Peer certificate required in both roles (a client ignores
  // FAIL_IF_NO_PEER_CERT; a server never does without a certificate).
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &TlsContext::verify_callback);
  SSL_CTX_set_verify_depth(ctx, config_.verify_depth);

  SSL_CTX_set_app_data(ctx, this);
  SSL_CTX_set_keylog_callback(ctx, &TlsContext::keylog_callback);
  if (!config_.nss_keylog_file.empty()) {
    // 0600: the file holds every session's secrets.
    core::UniqueFd fd(::open(config_.nss_keylog_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (!fd) {
      throw TlsContextError("cannot open NSS key log file " + config_.nss_keylog_file.string() + ": " +
                            std::strerror(errno));
    }
    nss_keylog_.reset(::fdopen(fd.get(), "a"));
    if (!nss_keylog_) throw TlsContextError("cannot open NSS key log file " + config_.nss_keylog_file.string());
    fd.release();  // the FILE owns it now
  }
}

TlsContext::~TlsContext() = default;

void TlsContext::keylog_callback(const SSL* ssl, const char* line) {
  const auto* self = static_cast<const TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (self != nullptr && self->nss_keylog_) self->write_nss_keylog(line);
  if (auto* hooks = static_cast<SessionHooks*>(SSL_get_app_data(ssl))) hooks->on_keylog_line(line);
}

void TlsContext::write_nss_keylog(const char* line) const {
  std::lock_guard lock(nss_keylog_mutex_);
  std::fputs(line, nss_keylog_.get());
  std::fputc('\n', nss_keylog_.get());
  std::fflush(nss_keylog_.get());
}

int TlsContext::verify_callback(int preverify_ok, X509_STORE_CTX* store) {
  SSL* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* hooks = ssl != nullptr ? static_cast<SessionHooks*>(SSL_get_app_data(ssl)) : nullptr;
  const int depth = X509_STORE_CTX_get_error_depth(store);
  if (preverify_ok != 1) {
    // Never overridden: the callback only records why.
    if (hooks != nullptr) {
      hooks->on_verify_failure(depth, X509_STORE_CTX_get_error(store),
                               subject_text(X509_STORE_CTX_get_current_cert(store)));
    }
    return 0;
  }
  if (depth == 0 && hooks != nullptr) {
    // The leaf passed every PKIX check; now the SIP identity (RFC 5922),
    // refused here so that OpenSSL sends the alert and fails the handshake.
    X509* leaf = X509_STORE_CTX_get_current_cert(store);
    if (leaf != nullptr && hooks->check_peer_certificate(*leaf, store)) {
      X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
      return 0;
    }
  }
  return 1;
}

}  // namespace sipnic::tls
