// bench/tls_handshake: full mutual-TLS 1.3 handshakes per second, single
// thread, in one run, for ECDSA P-256 and RSA-2048 certificates:
//
//  - sipnic: a TlsSession server (TlsContext from a throwaway PKI made with
//    tls/cert_factory.h, a KeySlotPool on the cpu GcmEngine) against an
//    OpenSSL client SSL over memory BIOs. Counted when the client is done and
//    the session is kEstablished, i.e. INCLUDING sipnic's takeover: traffic
//    secrets from the keylog callback, key/IV by HKDF-Expand-Label, two key
//    slots loaded into the engine, SSL freed; and the session's destruction
//    (slots wiped and returned).
//  - OpenSSL: the same client against a bare OpenSSL server SSL over memory
//    BIOs: an SSL_CTX built here with TlsContext's settings (same files, TLS
//    1.2-1.3, same suites, peer certificate required, no tickets, no session
//    cache, no read-ahead, no renegotiation, CA list sent) but no keylog
//    callback and no takeover.
//
// Both pairs run the same client, so each figure is client + server; the
// table also shows the server's share alone (time inside the server's calls).
// The peers alternate in rounds (the machine is shared and noisy); each
// round's ratio compares two back-to-back measurements; the table shows the
// median and the spread. These are measurements of this machine.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/ossl_ptr.h"
#include "offload/cpu_gcm_engine.h"
#include "tls/cert_factory.h"
#include "tls/record_layer.h"
#include "tls/tls_context.h"
#include "tls/tls_session.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace tls = sipnic::tls;

using sipnic::core::SslCtxPtr;
using sipnic::core::SslPtr;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "tls_handshake: %s %s\n", what.c_str(), tls::drain_openssl_errors().c_str());
  std::exit(1);
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

// A temporary directory, removed with everything in it.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/sipnic-bench-hs-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) die("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) die("cannot write " + p.string());
}

struct Pki {
  std::filesystem::path ca, server_crt, server_key, client_crt, client_key;
};

// CA, server and client certificates of one key type (the CA too), each leaf
// with the RFC 5922 identities sipnic looks at.
Pki make_pki(const std::filesystem::path& dir, tls::KeyType type, const std::string& tag) {
  tls::CertSpec ca_spec;
  ca_spec.common_name = "bench CA " + tag;
  ca_spec.key_type = type;
  const tls::IssuedCert ca = tls::make_ca(ca_spec);
  auto leaf = [&](const std::string& name) {
    tls::CertSpec s;
    s.common_name = name;
    s.dns_names = {name};
    s.sip_uris = {"sip:" + name};
    s.key_type = type;
    return tls::issue_cert(ca, s);
  };
  const tls::IssuedCert server = leaf("node.sipnic.test");
  const tls::IssuedCert client = leaf("pbx.sipnic.test");
  Pki p{dir / (tag + "-ca.crt"), dir / (tag + "-server.crt"), dir / (tag + "-server.key"),
        dir / (tag + "-client.crt"), dir / (tag + "-client.key")};
  write(p.ca, ca.cert_pem);
  write(p.server_crt, server.cert_pem);
  write(p.server_key, server.key_pem);
  write(p.client_crt, client.cert_pem);
  write(p.client_key, client.key_pem);
  return p;
}

// The OpenSSL client both servers face: mutual TLS, verifies the server.
SslCtxPtr client_ctx(const Pki& p) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate_chain_file(ctx.get(), p.client_crt.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), p.client_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(ctx.get(), p.ca.c_str(), nullptr) != 1) {
    die("client SSL_CTX");
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  return ctx;
}

tls::TlsContextConfig sipnic_config(const Pki& p) {
  tls::TlsContextConfig c;
  c.cert_chain_file = p.server_crt;
  c.key_file = p.server_key;
  c.ca_file = p.ca;
  return c;
}

// A bare OpenSSL server context with TlsContext's settings (tls_context.cpp),
// minus what exists only for the takeover (keylog callback, verify callback
// that records reasons for sipnic's messages).
SslCtxPtr bare_server_ctx(const tls::TlsContextConfig& c) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_method()));
  SSL_CTX* x = ctx.get();
  static constexpr unsigned char kSid[] = "sipnic";
  if (!x || SSL_CTX_set_min_proto_version(x, c.min_version) != 1 || SSL_CTX_set_max_proto_version(x, c.max_version) != 1 ||
      SSL_CTX_set_cipher_list(x, c.tls12_ciphers.c_str()) != 1 ||
      SSL_CTX_set_ciphersuites(x, c.tls13_ciphersuites.c_str()) != 1 ||
      SSL_CTX_use_certificate_chain_file(x, c.cert_chain_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(x, c.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(x, c.ca_file.c_str(), nullptr) != 1 ||
      SSL_CTX_set_session_id_context(x, kSid, sizeof kSid - 1) != 1) {
    die("bare server SSL_CTX");
  }
  SSL_CTX_set_options(x, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                             SSL_OP_NO_TICKET);
  SSL_CTX_set_read_ahead(x, 0);
  SSL_CTX_set_session_cache_mode(x, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(x, 0);
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(c.ca_file.c_str());
  if (names == nullptr) die("CA names");
  SSL_CTX_set_client_CA_list(x, names);
  SSL_CTX_set_verify(x, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_verify_depth(x, c.verify_depth);
  return ctx;
}

// One SSL over two memory BIOs that it owns.
SslPtr mem_ssl(SSL_CTX* ctx, bool client, BIO*& rbio, BIO*& wbio) {
  SslPtr ssl(SSL_new(ctx));
  rbio = BIO_new(BIO_s_mem());
  wbio = BIO_new(BIO_s_mem());
  if (!ssl || !rbio || !wbio) die("SSL_new / BIO_new");
  BIO_set_mem_eof_return(rbio, -1);
  BIO_set_mem_eof_return(wbio, -1);
  SSL_set_bio(ssl.get(), rbio, wbio);
  if (client) {
    SSL_set_connect_state(ssl.get());
  } else {
    SSL_set_accept_state(ssl.get());
  }
  return ssl;
}

std::vector<std::uint8_t> drain(BIO* wbio) {
  std::vector<std::uint8_t> out(BIO_ctrl_pending(wbio));
  if (!out.empty() && BIO_read(wbio, out.data(), static_cast<int>(out.size())) != static_cast<int>(out.size())) {
    die("BIO_read");
  }
  return out;
}

void put(BIO* rbio, std::span<const std::uint8_t> bytes) {
  if (!bytes.empty() && BIO_write(rbio, bytes.data(), static_cast<int>(bytes.size())) != static_cast<int>(bytes.size())) {
    die("BIO_write");
  }
}

// Client step: true once its handshake is done.
bool client_step(SSL* ssl) {
  const int rc = SSL_do_handshake(ssl);
  if (rc == 1) return true;
  const int err = SSL_get_error(ssl, rc);
  if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) die("client handshake failed");
  return false;
}

// One handshake, sipnic server. `server_s` accumulates time spent in it.
void sipnic_handshake(SSL_CTX* cctx, const std::shared_ptr<const tls::TlsContext>& sctx, tls::KeySlotPool& pool,
                      double& server_s) {
  BIO *crb = nullptr, *cwb = nullptr;
  SslPtr client = mem_ssl(cctx, true, crb, cwb);
  auto t0 = Clock::now();
  auto session = std::make_unique<tls::TlsSession>(sctx, pool, tls::SessionOptions{.role = tls::Role::kServer});
  server_s += std::chrono::duration<double>(Clock::now() - t0).count();
  bool client_done = false;
  for (int i = 0; i < 16; ++i) {
    client_done = client_done || client_step(client.get());
    const auto to_server = drain(cwb);
    t0 = Clock::now();
    session->feed(to_server);
    const auto to_client = session->take();
    server_s += std::chrono::duration<double>(Clock::now() - t0).count();
    put(crb, to_client);
    if (session->state() == tls::SessionState::kFailed) die("sipnic server: " + session->failure_reason());
    if (client_done && session->state() == tls::SessionState::kEstablished) break;
  }
  if (!client_done || session->state() != tls::SessionState::kEstablished) die("sipnic handshake did not finish");
  t0 = Clock::now();
  session.reset();  // key slots wiped and returned
  server_s += std::chrono::duration<double>(Clock::now() - t0).count();
}

// One handshake, bare OpenSSL server.
void openssl_handshake(SSL_CTX* cctx, SSL_CTX* sctx, double& server_s) {
  BIO *crb = nullptr, *cwb = nullptr, *srb = nullptr, *swb = nullptr;
  SslPtr client = mem_ssl(cctx, true, crb, cwb);
  auto t0 = Clock::now();
  SslPtr server = mem_ssl(sctx, false, srb, swb);
  server_s += std::chrono::duration<double>(Clock::now() - t0).count();
  bool client_done = false, server_done = false;
  for (int i = 0; i < 16; ++i) {
    client_done = client_done || client_step(client.get());
    const auto to_server = drain(cwb);
    t0 = Clock::now();
    put(srb, to_server);
    if (!server_done) {
      const int rc = SSL_do_handshake(server.get());
      if (rc == 1) {
        server_done = true;
      } else {
        const int err = SSL_get_error(server.get(), rc);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) die("OpenSSL server handshake failed");
      }
    }
    const auto to_client = drain(swb);
    server_s += std::chrono::duration<double>(Clock::now() - t0).count();
    put(crb, to_client);
    if (client_done && server_done) break;
  }
  if (!client_done || !server_done) die("OpenSSL handshake did not finish");
  if (SSL_get_verify_result(server.get()) != X509_V_OK || SSL_version(server.get()) != TLS1_3_VERSION) {
    die("OpenSSL handshake: unverified peer or not TLS 1.3");
  }
  t0 = Clock::now();
  server.reset();
  server_s += std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Rate {
  double per_s = 0;          // handshakes per second, client + server
  double server_us = 0;      // server's share per handshake
};

template <typename One>
Rate measure(double min_seconds, One one) {
  double server_s = 0;
  std::uint64_t n = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    one(server_s);
    ++n;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < min_seconds);
  return {static_cast<double>(n) / elapsed, server_s / static_cast<double>(n) * 1e6};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Row {
  const char* name;
  Rate sipnic, openssl;
  double ratio = 0, ratio_min = 0, ratio_max = 0;
  double server_ratio = 0;  // OpenSSL server time / sipnic server time
};

Row run_type(const char* name, const Pki& pki, int rounds, double seconds) {
  SslCtxPtr cctx = client_ctx(pki);
  const tls::TlsContextConfig cfg = sipnic_config(pki);
  auto sctx = std::make_shared<const tls::TlsContext>(cfg);
  SslCtxPtr bare = bare_server_ctx(cfg);
  sipnic::offload::CpuGcmEngine engine(64);
  tls::KeySlotPool pool(engine);
  auto sipnic_one = [&](double& s) { sipnic_handshake(cctx.get(), sctx, pool, s); };
  auto openssl_one = [&](double& s) { openssl_handshake(cctx.get(), bare.get(), s); };
  measure(0.1, sipnic_one);  // warm-up
  measure(0.1, openssl_one);
  std::vector<double> s_rate, o_rate, s_srv, o_srv, ratios;
  for (int r = 0; r < rounds; ++r) {
    Rate s, o;
    if (r % 2 == 0) {
      s = measure(seconds, sipnic_one);
      o = measure(seconds, openssl_one);
    } else {
      o = measure(seconds, openssl_one);
      s = measure(seconds, sipnic_one);
    }
    s_rate.push_back(s.per_s);
    o_rate.push_back(o.per_s);
    s_srv.push_back(s.server_us);
    o_srv.push_back(o.server_us);
    ratios.push_back(s.per_s / o.per_s);
  }
  Row row{name, {median(s_rate), median(s_srv)}, {median(o_rate), median(o_srv)}};
  row.ratio = median(ratios);
  row.ratio_min = *std::min_element(ratios.begin(), ratios.end());
  row.ratio_max = *std::max_element(ratios.begin(), ratios.end());
  row.server_ratio = row.openssl.server_us / row.sipnic.server_us;
  return row;
}

}  // namespace

int main() {
  const int rounds = std::max(1, env_int("TLS_HANDSHAKE_ROUNDS", 5));
  const double seconds = std::max(1, env_int("TLS_HANDSHAKE_MS", 500)) / 1000.0;
  TempDir dir;
  const Pki ec = make_pki(dir.path, tls::KeyType::kEcdsaP256, "ecdsa");
  const Pki rsa = make_pki(dir.path, tls::KeyType::kRsa2048, "rsa");
  const Row rows[] = {run_type("ECDSA P-256", ec, rounds, seconds), run_type("RSA-2048", rsa, rounds, seconds)};

  std::printf("mutual-TLS 1.3 handshakes (TLS_AES_128_GCM_SHA256, X25519), single thread, client + server in one "
              "thread, %d rounds of %.0f ms per peer (medians; measured on this machine)\n",
              rounds, seconds * 1000);
  std::printf("%-12s | %14s %10s | %14s %10s | %7s %15s | %12s\n", "certificates", "sipnic hs/s", "server us",
              "OpenSSL hs/s", "server us", "ratio", "spread(min-max)", "server ratio");
  for (const Row& r : rows) {
    std::printf("%-12s | %14.0f %10.0f | %14.0f %10.0f | %6.2fx %7.2f-%.2fx | %11.2fx\n", r.name, r.sipnic.per_s,
                r.sipnic.server_us, r.openssl.per_s, r.openssl.server_us, r.ratio, r.ratio_min, r.ratio_max,
                r.server_ratio);
  }
  std::printf("sipnic = TlsSession server incl. takeover to the GcmEngine; OpenSSL = bare SSL server, same "
              "settings, no takeover; same OpenSSL client for both. ratio = handshakes/s (client + server); "
              "server ratio = OpenSSL server time / sipnic server time.\n");
  const char* keys[] = {"ecdsa", "rsa"};
  for (int i = 0; i < 2; ++i) {
    std::printf("BENCH tls_handshake.sipnic_per_s_%s %.0f handshakes/s\n", keys[i], rows[i].sipnic.per_s);
    std::printf("BENCH tls_handshake.openssl_per_s_%s %.0f handshakes/s\n", keys[i], rows[i].openssl.per_s);
    std::printf("BENCH tls_handshake.ratio_vs_openssl_%s %.2f x\n", keys[i], rows[i].ratio);
  }
  return 0;
}
