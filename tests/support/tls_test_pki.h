// A throwaway PKI for TLS tests, made with the OpenSSL 3 API in a temporary
// directory that is removed afterwards: two CAs, server and client
// certificates (ECDSA P-256 and RSA-2048) from the first, a client
// certificate from the second CA, one with another identity, one revoked
// by a CRL. Certificates carry RFC 5922 identities (URI sip:NAME and
// DNS:NAME). Key generation is slow (RSA), so tests share one instance
// (shared_test_pki()).
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace sipnic::tls::testing {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CrlDeleter {
  void operator()(X509_CRL* c) const { X509_CRL_free(c); }
};
struct NameDeleter {
  void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};
struct Asn1TimeDeleter {
  void operator()(ASN1_TIME* t) const { ASN1_TIME_free(t); }
};
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

enum class TestKey { kEcdsaP256, kRsa2048 };

inline PkeyPtr make_key(TestKey kind) {
  PkeyPtr key(kind == TestKey::kEcdsaP256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                          : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
  if (!key) throw std::runtime_error("test PKI: key generation failed");
  return key;
}

struct CertSpec {
  std::string common_name;
  std::vector<std::string> san;  // "DNS:a.example", "URI:sip:a.example"; empty: no SAN extension
  bool is_ca = false;
  std::uint64_t serial = 1;
};

inline void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("test PKI: bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key`, signed by issuer (or self-signed if null).
inline X509Ptr make_cert(const CertSpec& spec, EVP_PKEY* key, X509* issuer = nullptr,
                         EVP_PKEY* issuer_key = nullptr) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), spec.serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  std::unique_ptr<X509_NAME, NameDeleter> name(X509_NAME_new());
  X509_NAME_add_entry_by_txt(name.get(), "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("sipnic tests"),
                             -1, -1, 0);
  if (!spec.common_name.empty()) {
    X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  }
  X509_set_subject_name(cert.get(), name.get());
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  add_ext(cert.get(), &ctx, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(cert.get(), &ctx, NID_key_usage,
          spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
  add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (!spec.is_ca) add_ext(cert.get(), &ctx, NID_ext_key_usage, "serverAuth,clientAuth");
  if (!spec.san.empty()) {
    std::string san;
    for (const auto& s : spec.san) san += (san.empty() ? "" : ",") + s;
    add_ext(cert.get(), &ctx, NID_subject_alt_name, san);
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    throw std::runtime_error("test PKI: signing failed");
  }
  return cert;
}

struct TestIdentity {
  X509Ptr cert;
  PkeyPtr key;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
};

class TestPki {
 public:
  TestPki() {
    char tmpl[] = "/tmp/sipnic-tls-test-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("test PKI: mkdtemp failed");
    dir = tmpl;
    ca = make_ca("sipnic test CA", 1, "ca");
    ca2 = make_ca("sipnic other CA", 2, "ca2");
    ca_file = ca.cert_file;
    ca2_file = ca2.cert_file;
    server_ec = make_leaf(ca, "server.sipnic.test", TestKey::kEcdsaP256, 10, "server_ec");
    client_ec = make_leaf(ca, "client.sipnic.test", TestKey::kEcdsaP256, 11, "client_ec");
    server_rsa = make_leaf(ca, "server.sipnic.test", TestKey::kRsa2048, 12, "server_rsa");
    client_rsa = make_leaf(ca, "client.sipnic.test", TestKey::kRsa2048, 13, "client_rsa");
    client_revoked = make_leaf(ca, "client.sipnic.test", TestKey::kEcdsaP256, 14, "client_revoked");
    other_identity = make_leaf(ca, "intruder.sipnic.test", TestKey::kEcdsaP256, 15, "other_identity");
    client_other_ca = make_leaf(ca2, "client.sipnic.test", TestKey::kEcdsaP256, 16, "client_other_ca");
    crl_file = dir / "ca.crl";
    write_crl(ca, {14}, crl_file);
  }
  ~TestPki() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  std::filesystem::path dir;
  TestIdentity ca, ca2;
  std::filesystem::path ca_file, ca2_file, crl_file;
  TestIdentity server_ec, client_ec, server_rsa, client_rsa;
  TestIdentity client_revoked;   // serial 14, listed in crl_file
  TestIdentity other_identity;   // sip:intruder.sipnic.test, from the first CA
  TestIdentity client_other_ca;  // client.sipnic.test, from the second CA

 private:
  void write_pem(const std::filesystem::path& file, X509* cert, EVP_PKEY* key) {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(file.c_str(), "w"));
    if (!f) throw std::runtime_error("test PKI: cannot write " + file.string());
    if (cert != nullptr) PEM_write_X509(f.get(), cert);
    if (key != nullptr) PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  TestIdentity make_ca(const std::string& cn, std::uint64_t serial, const std::string& file) {
    TestIdentity id;
    id.key = make_key(TestKey::kEcdsaP256);
    id.cert = make_cert({cn, {}, true, serial}, id.key.get());
    finish(id, file);
    return id;
  }
  TestIdentity make_leaf(const TestIdentity& issuer, const std::string& name, TestKey kind, std::uint64_t serial,
                         const std::string& file) {
    TestIdentity id;
    id.key = make_key(kind);
    id.cert = make_cert({name, {"URI:sip:" + name, "DNS:" + name}, false, serial}, id.key.get(), issuer.cert.get(),
                        issuer.key.get());
    finish(id, file);
    return id;
  }
  void finish(TestIdentity& id, const std::string& file) {
    id.cert_file = dir / (file + ".crt");
    id.key_file = dir / (file + ".key");
    write_pem(id.cert_file, id.cert.get(), nullptr);
    write_pem(id.key_file, nullptr, id.key.get());
  }
  void write_crl(const TestIdentity& issuer, const std::vector<std::uint64_t>& serials,
                 const std::filesystem::path& file) {
    std::unique_ptr<X509_CRL, CrlDeleter> crl(X509_CRL_new());
    X509_CRL_set_version(crl.get(), 1);
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.cert.get()));
    std::unique_ptr<ASN1_TIME, Asn1TimeDeleter> last(ASN1_TIME_adj(nullptr, std::time(nullptr), 0, -3600));
    std::unique_ptr<ASN1_TIME, Asn1TimeDeleter> next(ASN1_TIME_adj(nullptr, std::time(nullptr), 30, 0));
    X509_CRL_set1_lastUpdate(crl.get(), last.get());
    X509_CRL_set1_nextUpdate(crl.get(), next.get());
    for (std::uint64_t serial : serials) {
      X509_REVOKED* revoked = X509_REVOKED_new();
      ASN1_INTEGER* s = ASN1_INTEGER_new();
      ASN1_INTEGER_set_uint64(s, serial);
      X509_REVOKED_set_serialNumber(revoked, s);
      ASN1_INTEGER_free(s);
      X509_REVOKED_set_revocationDate(revoked, last.get());
      X509_CRL_add0_revoked(crl.get(), revoked);
    }
    X509_CRL_sort(crl.get());
    if (X509_CRL_sign(crl.get(), issuer.key.get(), EVP_sha256()) == 0) {
      throw std::runtime_error("test PKI: CRL signing failed");
    }
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(file.c_str(), "w"));
    if (!f) throw std::runtime_error("test PKI: cannot write " + file.string());
    PEM_write_X509_CRL(f.get(), crl.get());
  }
};

// One PKI per test binary (RSA key generation takes a while, more so under
// sanitizers). Removed at exit.
inline const TestPki& shared_test_pki() {
  static const TestPki pki;
  return pki;
}

}  // namespace sipnic::tls::testing
