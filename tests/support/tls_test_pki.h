// A throwaway PKI for TLS tests in a temporary directory that is removed
// afterwards: two CAs, server and client certificates (ECDSA P-256 and
// RSA-2048) from the first, a client certificate from the second CA, one
// with another identity, one revoked by a CRL. Certificates carry RFC 5922
// identities (URI sip:NAME and DNS:NAME). Key generation is slow (RSA), so
// tests share one instance (shared_test_pki()).
//
// Every certificate, key and CRL is made by tls/cert_factory.h (make_ca,
// issue_cert, make_crl), the code `sipnic certs init` uses, so the tests run
// on the certificates operators get; this header only writes them to files
// and parses them into OpenSSL objects for tests that want those.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ossl_ptr.h"
#include "tls/cert_factory.h"

namespace sipnic::tls::testing {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using X509Ptr = core::X509Ptr;
using PkeyPtr = core::EvpPkeyPtr;

enum class TestKey { kEcdsaP256, kRsa2048 };

inline KeyType key_type(TestKey kind) {
  return kind == TestKey::kEcdsaP256 ? KeyType::kEcdsaP256 : KeyType::kRsa2048;
}

// A fresh key of the given kind.
inline PkeyPtr make_key(TestKey kind) {
  PkeyPtr key(kind == TestKey::kEcdsaP256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                          : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
  if (!key) throw std::runtime_error("test PKI: key generation failed");
  return key;
}

inline X509Ptr parse_cert(const std::string& pem) {
  core::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) throw std::runtime_error("test PKI: cannot parse a certificate made by cert_factory");
  return cert;
}

inline PkeyPtr parse_key(const std::string& pem) {
  core::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) throw std::runtime_error("test PKI: cannot parse a key made by cert_factory");
  return key;
}

struct CertSpec {
  std::string common_name;
  // "DNS:a.example", "URI:sip:a.example" (any URI); empty: no SAN extension.
  // cert_factory makes DNS names and URIs only; other kinds are refused.
  std::vector<std::string> san;
  bool is_ca = false;
  std::uint64_t serial = 1;  // ignored: cert_factory picks random serials (IssuedCert::serial)
};

// A certificate with `spec`'s names, made by cert_factory: self-signed when
// `issuer` is null (for tests that only look at the certificate's names),
// else issued by it. cert_factory generates the certificate's key, of the
// same type as `key`; the key's own bytes are not used (no test needs the
// pair, and cert_factory makes the key with the certificate).
inline X509Ptr make_cert(const CertSpec& spec, EVP_PKEY* key, X509* issuer = nullptr,
                         EVP_PKEY* issuer_key = nullptr) {
  tls::CertSpec s;
  s.common_name = spec.common_name;
  s.is_ca = spec.is_ca;
  s.days = 30;
  s.key_type = key != nullptr && EVP_PKEY_is_a(key, "RSA") ? KeyType::kRsa2048 : KeyType::kEcdsaP256;
  for (const auto& entry : spec.san) {
    if (entry.rfind("DNS:", 0) == 0) {
      s.dns_names.push_back(entry.substr(4));
    } else if (entry.rfind("URI:", 0) == 0) {
      s.sip_uris.push_back(entry.substr(4));  // cert_factory writes any URI as given
    } else {
      throw std::invalid_argument("test PKI: cert_factory makes DNS and URI names only, not " + entry);
    }
  }
  if (issuer == nullptr) {
    if (spec.is_ca) return parse_cert(make_ca(s).cert_pem);
    // cert_factory has no self-signed leaf; a throwaway CA issues it.
    tls::CertSpec ca;
    ca.common_name = "sipnic test throwaway CA";
    return parse_cert(issue_cert(make_ca(ca), s).cert_pem);
  }
  if (issuer_key == nullptr) throw std::invalid_argument("test PKI: an issuer needs its key");
  // cert_factory takes its issuer as PEM.
  auto pem = [](auto write) {
    core::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || write(bio.get()) != 1) throw std::runtime_error("test PKI: cannot serialise the issuer");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
  };
  IssuedCert from;
  from.cert_pem = pem([&](BIO* b) { return PEM_write_bio_X509(b, issuer); });
  from.key_pem = pem([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, issuer_key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  return parse_cert(issue_cert(from, s).cert_pem);
}

struct TestIdentity {
  X509Ptr cert;
  PkeyPtr key;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  IssuedCert issued;  // the PEMs and serial, as cert_factory made them
};

class TestPki {
 public:
  TestPki() {
    char tmpl[] = "/tmp/sipnic-tls-test-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("test PKI: mkdtemp failed");
    dir = tmpl;
    ca = make_test_ca("sipnic test CA", "ca");
    ca2 = make_test_ca("sipnic other CA", "ca2");
    ca_file = ca.cert_file;
    ca2_file = ca2.cert_file;
    server_ec = make_leaf(ca, "server.sipnic.test", TestKey::kEcdsaP256, "server_ec");
    client_ec = make_leaf(ca, "client.sipnic.test", TestKey::kEcdsaP256, "client_ec");
    server_rsa = make_leaf(ca, "server.sipnic.test", TestKey::kRsa2048, "server_rsa");
    client_rsa = make_leaf(ca, "client.sipnic.test", TestKey::kRsa2048, "client_rsa");
    client_revoked = make_leaf(ca, "client.sipnic.test", TestKey::kEcdsaP256, "client_revoked");
    other_identity = make_leaf(ca, "intruder.sipnic.test", TestKey::kEcdsaP256, "other_identity");
    client_other_ca = make_leaf(ca2, "client.sipnic.test", TestKey::kEcdsaP256, "client_other_ca");
    crl_file = dir / "ca.crl";
    write_file(crl_file, make_crl(ca.issued, {client_revoked.issued.serial}));
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
  TestIdentity client_revoked;   // listed in crl_file
  TestIdentity other_identity;   // sip:intruder.sipnic.test, from the first CA
  TestIdentity client_other_ca;  // client.sipnic.test, from the second CA

 private:
  static void write_file(const std::filesystem::path& file, const std::string& text) {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(file.c_str(), "w"));
    if (!f || std::fwrite(text.data(), 1, text.size(), f.get()) != text.size()) {
      throw std::runtime_error("test PKI: cannot write " + file.string());
    }
  }
  TestIdentity make_test_ca(const std::string& cn, const std::string& file) {
    tls::CertSpec s;
    s.common_name = cn;
    s.days = 30;
    s.key_type = KeyType::kEcdsaP256;
    return finish(make_ca(s), file);
  }
  TestIdentity make_leaf(const TestIdentity& issuer, const std::string& name, TestKey kind, const std::string& file) {
    tls::CertSpec s;
    s.common_name = name;
    s.sip_uris = {"sip:" + name};
    s.dns_names = {name};
    s.days = 30;
    s.key_type = key_type(kind);
    return finish(issue_cert(issuer.issued, s), file);
  }
  TestIdentity finish(IssuedCert issued, const std::string& file) {
    TestIdentity id;
    id.cert = parse_cert(issued.cert_pem);
    id.key = parse_key(issued.key_pem);
    id.cert_file = dir / (file + ".crt");
    id.key_file = dir / (file + ".key");
    write_file(id.cert_file, issued.cert_pem);
    write_file(id.key_file, issued.key_pem);
    id.issued = std::move(issued);
    return id;
  }
};

// One PKI per test binary (RSA key generation takes a while, more so under
// sanitizers). Removed at exit.
inline const TestPki& shared_test_pki() {
  static const TestPki pki;
  return pki;
}

}  // namespace sipnic::tls::testing
