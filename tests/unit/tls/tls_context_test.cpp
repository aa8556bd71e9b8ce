// TlsContext: what it enforces and how it reports loading errors.
#include "tls/tls_context.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "offload/cpu_gcm_engine.h"
#include "support/tls_test_pki.h"
#include "tls/tls_session.h"

namespace sipnic::tls {
namespace {

using testing::shared_test_pki;

TlsContextConfig good_config() {
  const auto& pki = shared_test_pki();
  TlsContextConfig c;
  c.cert_chain_file = pki.server_ec.cert_file;
  c.key_file = pki.server_ec.key_file;
  c.ca_file = pki.ca_file;
  return c;
}

std::string error_of(const TlsContextConfig& c) {
  try {
    TlsContext ctx(c);
  } catch (const TlsContextError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(TlsContext, BuildsForEcdsaAndRsaAndRequiresPeerCertificates) {
  TlsContext ec(good_config());
  auto rsa_config = good_config();
  rsa_config.cert_chain_file = shared_test_pki().server_rsa.cert_file;
  rsa_config.key_file = shared_test_pki().server_rsa.key_file;
  TlsContext rsa(rsa_config);
  for (const TlsContext* c : {&ec, &rsa}) {
    EXPECT_EQ(SSL_CTX_get_verify_mode(c->native()), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    const auto options = SSL_CTX_get_options(c->native());
    EXPECT_TRUE(options & SSL_OP_NO_RENEGOTIATION);
    EXPECT_TRUE(options & SSL_OP_NO_COMPRESSION);
    EXPECT_EQ(SSL_CTX_get_min_proto_version(c->native()), TLS1_2_VERSION);
    EXPECT_EQ(SSL_CTX_get_max_proto_version(c->native()), TLS1_3_VERSION);
  }
}

TEST(TlsContext, MissingCertificateFileIsNamed) {
  auto c = good_config();
  c.cert_chain_file = "/nonexistent/node.crt";
  EXPECT_TRUE(contains(error_of(c), "/nonexistent/node.crt")) << error_of(c);
}

TEST(TlsContext, UnreadableKeyNamesTheFileAndOpenSslsReason) {
  auto c = good_config();
  const auto bad = shared_test_pki().dir / "garbage.key";
  std::ofstream(bad) << "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n";
  c.key_file = bad;
  const std::string e = error_of(c);
  EXPECT_TRUE(contains(e, bad.string())) << e;
  EXPECT_TRUE(contains(e, "error:")) << e;  // ERR_error_string_n's text
}

TEST(TlsContext, KeyThatDoesNotMatchTheCertificateIsRefused) {
  auto c = good_config();
  c.key_file = shared_test_pki().client_ec.key_file;
  const std::string e = error_of(c);
  EXPECT_TRUE(contains(e, "mismatch")) << e;  // OpenSSL: "key values mismatch"
  EXPECT_TRUE(contains(e, c.key_file.string())) << e;
}

TEST(TlsContext, NonGcmSuitesAreRefused) {
  auto c = good_config();
  c.tls13_ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
  EXPECT_TRUE(contains(error_of(c), "TLS_CHACHA20_POLY1305_SHA256")) << error_of(c);
  c = good_config();
  c.tls12_ciphers = "AES128-GCM-SHA256";  // no forward secrecy
  EXPECT_TRUE(contains(error_of(c), "AES128-GCM-SHA256")) << error_of(c);
}

TEST(TlsContext, TrustAnchorsAreRequired) {
  auto c = good_config();
  c.ca_file.clear();
  EXPECT_TRUE(contains(error_of(c), "trust anchors")) << error_of(c);
}

TEST(TlsContext, BadCrlFileIsNamed) {
  auto c = good_config();
  c.crl_file = shared_test_pki().ca_file;  // a certificate, not a CRL
  const std::string e = error_of(c);
  EXPECT_TRUE(contains(e, "CRL")) << e;
  EXPECT_TRUE(contains(e, c.crl_file.string())) << e;
}

TEST(TlsContext, VersionRangeOutsideTls12To13IsRefused) {
  auto c = good_config();
  c.min_version = TLS1_1_VERSION;
  EXPECT_FALSE(error_of(c).empty());
}

// Two sipnic sessions against each other: each runs its own record layer.
void handshake(TlsSession& client, TlsSession& server) {
  for (int i = 0; i < 6; ++i) {
    server.feed(client.take());
    client.feed(server.take());
  }
}

TEST(TlsContext, NssKeylogFileIsWrittenOnlyWhenOptedIn) {
  const auto& pki = shared_test_pki();
  const auto keylog = pki.dir / "keys.log";
  auto server_config = good_config();
  server_config.nss_keylog_file = keylog;
  auto client_config = good_config();
  client_config.cert_chain_file = pki.client_ec.cert_file;
  client_config.key_file = pki.client_ec.key_file;
  auto server_ctx = std::make_shared<const TlsContext>(server_config);
  auto client_ctx = std::make_shared<const TlsContext>(client_config);
  auto engine = std::make_unique<offload::CpuGcmEngine>(8);
  KeySlotPool slots(*engine);
  TlsSession client(client_ctx, slots, {.role = Role::kClient});
  TlsSession server(server_ctx, slots, {.role = Role::kServer});
  handshake(client, server);
  ASSERT_EQ(client.state(), SessionState::kEstablished) << client.failure_reason();
  ASSERT_EQ(server.state(), SessionState::kEstablished) << server.failure_reason();

  struct stat st {};
  ASSERT_EQ(::stat(keylog.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::stringstream text;
  text << std::ifstream(keylog).rdbuf();
  EXPECT_TRUE(contains(text.str(), "CLIENT_TRAFFIC_SECRET_0 ")) << text.str();
  EXPECT_TRUE(contains(text.str(), "SERVER_TRAFFIC_SECRET_0 "));
  // The client did not opt in: its context has no file, and the secrets
  // still reached its session (it took over).
  EXPECT_TRUE(client_ctx->config().nss_keylog_file.empty());

  // And sipnic talks to sipnic through both record layers.
  std::string at_server, at_client;
  client.records()->send(std::string("REGISTER"));
  client.records()->process(at_client);
  server.feed(client.take());
  server.records()->process(at_server);
  server.records()->send(std::string("200 OK"));
  server.records()->process(at_server);
  client.feed(server.take());
  client.records()->process(at_client);
  EXPECT_EQ(at_server, "REGISTER");
  EXPECT_EQ(at_client, "200 OK");
}

}  // namespace
}  // namespace sipnic::tls
