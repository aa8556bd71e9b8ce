#include "tls/cert_factory.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "core/ossl_ptr.h"

namespace sipnic::tls {
namespace {

core::X509Ptr load(const std::string& pem) {
  core::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return core::X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// Verifies `leaf` against `ca` (and a CRL when given; and, when given, `ip`
// against the certificate, as a client that dialled that address does);
// returns the X509 error.
int verify(const IssuedCert& ca, const IssuedCert& leaf, const std::string& crl_pem = {}, const char* ip = nullptr) {
  auto ca_cert = load(ca.cert_pem);
  auto leaf_cert = load(leaf.cert_pem);
  core::X509StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca_cert.get());
  if (!crl_pem.empty()) {
    core::BioPtr bio(BIO_new_mem_buf(crl_pem.data(), static_cast<int>(crl_pem.size())));
    core::X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    X509_STORE_add_crl(store.get(), crl.get());
    X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK);
  }
  core::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf_cert.get(), nullptr);
  if (ip) X509_VERIFY_PARAM_set1_ip_asc(X509_STORE_CTX_get0_param(ctx.get()), ip);
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

int verify_for_ip(const IssuedCert& ca, const IssuedCert& leaf, const char* ip) { return verify(ca, leaf, {}, ip); }

CertSpec leaf_spec(KeyType type = KeyType::kEcdsaP256) {
  CertSpec s;
  s.common_name = "carrier.example.com";
  s.dns_names = {"carrier.example.com"};
  s.sip_uris = {"sip:carrier.example.com"};
  s.key_type = type;
  return s;
}

TEST(CertFactory, IssuedEcdsaAndRsaLeavesVerifyAgainstTheirCa) {
  for (KeyType t : {KeyType::kEcdsaP256, KeyType::kRsa2048}) {
    CertSpec ca_spec;
    ca_spec.common_name = "test CA";
    ca_spec.key_type = t;
    IssuedCert ca = make_ca(ca_spec);
    IssuedCert leaf = issue_cert(ca, leaf_spec(t));
    EXPECT_EQ(verify(ca, leaf), X509_V_OK);
  }
}

TEST(CertFactory, LeafFromAnotherCaDoesNotVerify) {
  CertSpec ca_spec;
  ca_spec.common_name = "A";
  IssuedCert a = make_ca(ca_spec);
  ca_spec.common_name = "B";
  IssuedCert b = make_ca(ca_spec);
  EXPECT_NE(verify(a, issue_cert(b, leaf_spec())), X509_V_OK);
}

TEST(CertFactory, LeafCarriesDnsAndSipUriSubjectAltNames) {
  CertSpec ca_spec;
  ca_spec.common_name = "CA";
  IssuedCert leaf = issue_cert(make_ca(ca_spec), leaf_spec());
  auto cert = load(leaf.cert_pem);
  const core::GeneralNamesPtr owned(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  ASSERT_NE(owned, nullptr);
  GENERAL_NAMES* names = owned.get();
  std::vector<std::string> dns, uri;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    auto text = [](ASN1_IA5STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
    };
    if (n->type == GEN_DNS) dns.push_back(text(n->d.dNSName));
    if (n->type == GEN_URI) uri.push_back(text(n->d.uniformResourceIdentifier));
  }
  EXPECT_EQ(dns, std::vector<std::string>{"carrier.example.com"});
  EXPECT_EQ(uri, std::vector<std::string>{"sip:carrier.example.com"});
}

TEST(CertFactory, IpAddressesBecomeIpSubjectAltNamesThatAnIpCheckAccepts) {
  CertSpec ca_spec;
  ca_spec.common_name = "CA";
  IssuedCert ca = make_ca(ca_spec);
  CertSpec spec = leaf_spec();
  spec.ip_addresses = {"192.0.2.10", "2001:db8::0:1"};
  IssuedCert leaf = issue_cert(ca, spec);
  auto cert = load(leaf.cert_pem);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "192.0.2.10", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "2001:db8::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "192.0.2.11", 0), 0);
  EXPECT_EQ(verify_for_ip(ca, leaf, "192.0.2.10"), X509_V_OK);
  EXPECT_EQ(verify_for_ip(ca, leaf, "2001:db8::1"), X509_V_OK);
  EXPECT_EQ(verify_for_ip(ca, leaf, "192.0.2.11"), X509_V_ERR_IP_ADDRESS_MISMATCH);
  // Without IP names a client that dialled an address refuses the certificate.
  EXPECT_EQ(verify_for_ip(ca, issue_cert(ca, leaf_spec()), "192.0.2.10"), X509_V_ERR_IP_ADDRESS_MISMATCH);
  // The DNS and sip: names stay.
  EXPECT_EQ(X509_check_host(cert.get(), "carrier.example.com", 0, 0, nullptr), 1);
}

TEST(CertFactory, IpSanTakesIpv4AndIpv6LiteralsInCanonicalFormOnly) {
  EXPECT_EQ(ip_san("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(ip_san("2001:DB8:0::1"), "2001:db8::1");
  EXPECT_EQ(ip_san("::1"), "::1");
  for (const char* bad : {"", "[::1]", "300.1.1.1", "node.sipnic.test", "127.0.0.1:5061", "1.2.3"}) {
    EXPECT_FALSE(ip_san(bad)) << bad;
  }
  CertSpec spec = leaf_spec();
  spec.ip_addresses = {"not-an-ip"};
  EXPECT_THROW(make_ca(spec), CertError);
}

TEST(CertFactory, CrlRevokesTheNamedSerialOnly) {
  CertSpec ca_spec;
  ca_spec.common_name = "CA";
  IssuedCert ca = make_ca(ca_spec);
  IssuedCert revoked = issue_cert(ca, leaf_spec());
  IssuedCert good = issue_cert(ca, leaf_spec());
  std::string crl = make_crl(ca, {revoked.serial});
  EXPECT_EQ(verify(ca, revoked, crl), X509_V_ERR_CERT_REVOKED);
  EXPECT_EQ(verify(ca, good, crl), X509_V_OK);
}

TEST(CertFactory, InitDemoPkiWritesPrivateKeysOwnerOnlyAndRefusesToOverwrite) {
  auto dir = std::filesystem::temp_directory_path() / ("sipnic-pki-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto files = init_demo_pki(dir);
  for (const char* f : {"ca.crt", "ca.key", "ca.crl", "node.crt", "node.key", "pbx.crt", "pbx.key", "carrier.crt",
                        "carrier.key", "README"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  }
  EXPECT_EQ(files.size(), 10u);
  auto perms = std::filesystem::status(dir / "node.key").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_THROW(init_demo_pki(dir), CertError);
  std::filesystem::remove_all(dir);
}

TEST(CertFactory, InitDemoPkiPutsTheNodeIpsInTheNodeCertificateOnly) {
  auto dir = std::filesystem::temp_directory_path() / ("sipnic-pki-ip-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  DemoPkiOptions o;
  o.node_ips = {"127.0.0.1", "::1"};
  init_demo_pki(dir, o);
  auto read = [&](const char* name) {
    std::ifstream f(dir / name);
    return load(std::string(std::istreambuf_iterator<char>(f), {}));
  };
  auto node = read("node.crt");
  ASSERT_TRUE(node);
  EXPECT_EQ(X509_check_ip_asc(node.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(node.get(), "::1", 0), 1);
  auto pbx = read("pbx.crt");
  ASSERT_TRUE(pbx);
  EXPECT_EQ(X509_check_ip_asc(pbx.get(), "127.0.0.1", 0), 0);
  std::filesystem::remove_all(dir);
}

TEST(CertFactory, InitDemoPkiRefusesABadNodeIpBeforeWritingAnything) {
  auto dir = std::filesystem::temp_directory_path() / ("sipnic-pki-badip-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  DemoPkiOptions o;
  o.node_ips = {"127.0.0.1", "localhost"};
  try {
    init_demo_pki(dir, o);
    FAIL() << "accepted 'localhost' as an IP address";
  } catch (const CertError& e) {
    EXPECT_NE(std::string(e.what()).find("'localhost' is not an IPv4 or IPv6 address"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sipnic::tls
