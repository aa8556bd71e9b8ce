#include "tls/cert_factory.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <system_error>

#include "core/ossl_ptr.h"
#include "core/socket_address.h"

namespace sipnic::tls {

namespace {

[[noreturn]] void fail(const std::string& what) {
  char buf[256] = "no OpenSSL error";
  unsigned long e = ERR_get_error();
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  throw CertError(what + ": " + buf);
}

core::EvpPkeyPtr make_key(KeyType type) {
  EVP_PKEY* k = type == KeyType::kEcdsaP256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                            : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048});
  if (!k) fail("key generation");
  return core::EvpPkeyPtr(k);
}

std::string to_pem(X509* cert) {
  core::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) fail("PEM_write_bio_X509");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string to_pem(EVP_PKEY* key) {
  core::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("PEM_write_bio_PrivateKey");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

core::X509Ptr cert_from_pem(const std::string& pem) {
  core::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  core::X509Ptr c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!c) fail("reading the issuer certificate");
  return c;
}

core::EvpPkeyPtr key_from_pem(const std::string& pem) {
  core::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  core::EvpPkeyPtr k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!k) fail("reading the issuer key");
  return k;
}

std::uint64_t random_serial() {
  std::uint64_t s = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&s), sizeof s) != 1) fail("RAND_bytes");
  return (s >> 1) | 1;  // positive and non-zero
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  core::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) fail("extension " + value);
}

std::string ip_literal(const std::string& text) {
  auto ip = ip_san(text);
  if (!ip) throw CertError("'" + text + "' is not an IPv4 or IPv6 address (IPv6 without brackets, e.g. ::1)");
  return *ip;
}

IssuedCert build(const CertSpec& spec, X509* issuer_cert, EVP_PKEY* issuer_key) {
  core::EvpPkeyPtr key = make_key(spec.key_type);
  core::X509Ptr cert(X509_new());
  if (!cert) fail("X509_new");
  IssuedCert out;
  out.serial = random_serial();
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), out.serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // clocks of peers differ a little
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(spec.days) * 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sipnic demo (not for production)"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509* signer_cert = issuer_cert ? issuer_cert : cert.get();
  EVP_PKEY* signer_key = issuer_key ? issuer_key : key.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer_cert));
  if (spec.is_ca) {
    add_ext(cert.get(), signer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), signer_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(cert.get(), signer_cert, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  add_ext(cert.get(), signer_cert, NID_subject_key_identifier, "hash");
  if (issuer_cert) add_ext(cert.get(), signer_cert, NID_authority_key_identifier, "keyid:always");
  std::string san;
  for (const auto& d : spec.dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& u : spec.sip_uris) san += (san.empty() ? "" : ",") + std::string("URI:") + u;
  for (const auto& ip : spec.ip_addresses) san += (san.empty() ? "" : ",") + std::string("IP:") + ip_literal(ip);
  if (!san.empty()) add_ext(cert.get(), signer_cert, NID_subject_alt_name, san);
  if (X509_sign(cert.get(), signer_key, EVP_sha256()) <= 0) fail("X509_sign " + spec.common_name);
  out.cert_pem = to_pem(cert.get());
  out.key_pem = to_pem(key.get());
  return out;
}

void write_file(const std::filesystem::path& p, const std::string& text, bool secret) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  if (!f) throw CertError("cannot write " + p.string());
  f << text;
  f.close();
  if (!f) throw CertError("cannot write " + p.string());
  if (secret) {
    std::error_code ec;
    std::filesystem::permissions(p, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace, ec);
  }
}

}  // namespace

std::optional<std::string> ip_san(std::string_view text) {
  if (text.empty() || text.front() == '[') return std::nullopt;
  auto a = core::SocketAddress::from_ip(text, 0);
  if (!a) return std::nullopt;
  return a->ip();
}

IssuedCert make_ca(const CertSpec& spec) {
  CertSpec ca = spec;
  ca.is_ca = true;
  return build(ca, nullptr, nullptr);
}

IssuedCert issue_cert(const IssuedCert& issuer, const CertSpec& spec) {
  core::X509Ptr cert = cert_from_pem(issuer.cert_pem);
  core::EvpPkeyPtr key = key_from_pem(issuer.key_pem);
  return build(spec, cert.get(), key.get());
}

std::string make_crl(const IssuedCert& ca, const std::vector<std::uint64_t>& revoked_serials) {
  core::X509Ptr cert = cert_from_pem(ca.cert_pem);
  core::EvpPkeyPtr key = key_from_pem(ca.key_pem);
  core::X509CrlPtr crl(X509_CRL_new());
  if (!crl) fail("X509_CRL_new");
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(cert.get()));
  core::Asn1TimePtr now(ASN1_TIME_adj(nullptr, time(nullptr), 0, -3600));
  core::Asn1TimePtr next(ASN1_TIME_adj(nullptr, time(nullptr), 30, 0));
  X509_CRL_set1_lastUpdate(crl.get(), now.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  for (std::uint64_t serial : revoked_serials) {
    core::X509RevokedPtr r(X509_REVOKED_new());
    core::Asn1IntegerPtr s(ASN1_INTEGER_new());
    ASN1_INTEGER_set_uint64(s.get(), serial);
    X509_REVOKED_set_serialNumber(r.get(), s.get());
    X509_REVOKED_set_revocationDate(r.get(), now.get());
    if (X509_CRL_add0_revoked(crl.get(), r.get()) != 1) fail("X509_CRL_add0_revoked");
    r.release();  // owned by the CRL now
  }
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), key.get(), EVP_sha256()) <= 0) fail("X509_CRL_sign");
  core::BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509_CRL(bio.get(), crl.get()) != 1) fail("PEM_write_bio_X509_CRL");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::vector<std::filesystem::path> init_demo_pki(const std::filesystem::path& dir,
                                                 const DemoPkiOptions& options) {
  for (const auto& ip : options.node_ips) ip_literal(ip);  // a bad one stops before anything is written
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw CertError("cannot create " + dir.string() + ": " + ec.message());
  if (std::filesystem::exists(dir / "ca.key"))
    throw CertError(dir.string() + " already holds a CA (ca.key); remove it first or use another directory");
  std::vector<std::filesystem::path> written;
  auto put = [&](const std::string& name, const std::string& text, bool secret) {
    write_file(dir / name, text, secret);
    written.push_back(dir / name);
  };
  CertSpec ca_spec;
  ca_spec.common_name = "sipnic demo CA";
  ca_spec.key_type = options.key_type;
  ca_spec.days = 3650;
  IssuedCert ca = make_ca(ca_spec);
  put("ca.crt", ca.cert_pem, false);
  put("ca.key", ca.key_pem, true);
  put("ca.crl", make_crl(ca, {}), false);
  auto leaf = [&](const std::string& file, const std::string& name, const std::vector<std::string>& ips) {
    CertSpec s;
    s.common_name = name;
    s.dns_names = {name};
    s.sip_uris = {"sip:" + name};
    s.ip_addresses = ips;
    s.key_type = options.key_type;
    IssuedCert c = issue_cert(ca, s);
    put(file + ".crt", c.cert_pem, false);
    put(file + ".key", c.key_pem, true);
  };
  leaf("node", options.node_name, options.node_ips);
  for (const auto& peer : options.peer_names) leaf(peer.substr(0, peer.find('.')), peer, {});
  put("README",
      "Made by `sipnic certs init`: a throwaway CA and certificates for demos and tests.\n"
      "NOT FOR PRODUCTION: the keys are unencrypted and the CA key lies next to them.\n",
      false);
  return written;
}

}  // namespace sipnic::tls
