// sipnic's own PASSporTs, checked by an independent verifier (PyJWT,
// tests/support/stir_passport_tool.py) and by sipnic's verifier.
#include "stir/signer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <openssl/pem.h>

#include <fstream>

#include "stir/stir_error.h"
#include "stir/verifier.h"
#include "support/stir_test_pki.h"

namespace sipnic::stir {
namespace {

using testing::shared_stir_pki;

const std::chrono::system_clock::time_point kNow = std::chrono::sys_seconds(std::chrono::seconds(1'700'000'000));

nlohmann::json pyjwt_verify(const std::filesystem::path& cert, const std::string& identity, int expect_exit = 0) {
  test::RunResult r = testing::run_passport_tool({"verify", "--cert", cert.string(), "--identity", identity});
  EXPECT_EQ(r.exit_code, expect_exit) << r.err;
  if (r.exit_code != 0) return nullptr;
  return nlohmann::json::parse(r.out);
}

TEST(Signer, PyJwtVerifiesSipnicsSignatureAndReadsItsClaims) {
  const Signer signer = Signer::from_key_file(testing::kSignerUrl, shared_stir_pki().signer_key);
  auto identity = signer.sign("+1 555 010 2000", "+15550103000", Attestation::kB, "0a1b2c3d-0000-4000-8000-000000000001", kNow);
  ASSERT_TRUE(identity) << identity.error;
  EXPECT_NE(identity->find(std::string(";info=<") + testing::kSignerUrl + ">;alg=ES256;ppt=shaken"), std::string::npos);
  const nlohmann::json out = pyjwt_verify(shared_stir_pki().signer_cert, *identity);
  ASSERT_TRUE(out.is_object());
  EXPECT_EQ(out["header"], nlohmann::json::parse(R"({"alg":"ES256","ppt":"shaken","typ":"passport","x5u":")" +
                                                 std::string(testing::kSignerUrl) + R"("})"));
  EXPECT_EQ(out["claims"], nlohmann::json::parse(R"({"attest":"B","dest":{"tn":["15550103000"]},"iat":1700000000,)"
                                                 R"("orig":{"tn":"15550102000"},"origid":"0a1b2c3d-0000-4000-8000-000000000001"})"));
  EXPECT_EQ(out["canonical"], true);
}

TEST(Signer, PyJwtRefusesItAgainstAnotherCertificate) {
  const Signer signer = Signer::from_key_file(testing::kSignerUrl, shared_stir_pki().signer_key);
  auto identity = signer.sign("15550102000", "15550103000", Attestation::kA, make_origid(), kNow);
  ASSERT_TRUE(identity);
  pyjwt_verify(shared_stir_pki().other_cert, *identity, 1);
}

TEST(Signer, SipnicsVerifierPassesItsOwnSignature) {
  const auto& pki = shared_stir_pki();
  const Signer signer = Signer::from_key_file(testing::kSignerUrl, pki.signer_key);
  CertificateRepository repo(CertificateRepository::read_index(pki.index_file), pki.ca_file);
  Verifier verifier(repo, {});
  const auto now = std::chrono::system_clock::now();
  auto identity = signer.sign("15550102000", "15550103000", Attestation::kC, make_origid(), now);
  ASSERT_TRUE(identity);
  const VerificationResult r = verifier.verify(*identity, "+15550102000", "+15550103000", now);
  EXPECT_TRUE(r.passed()) << r.detail;
  EXPECT_EQ(r.attest, Attestation::kC);
}

TEST(Signer, CallerOrCalleeThatIsNoNumberIsNotSigned) {
  const Signer signer = Signer::from_key_file(testing::kSignerUrl, shared_stir_pki().signer_key);
  EXPECT_EQ(signer.sign("alice", "15550103000", Attestation::kA, "o", kNow).error, "the caller is not a telephone number");
  EXPECT_EQ(signer.sign("15550102000", "", Attestation::kA, "o", kNow).error, "the callee is not a telephone number");
}

TEST(Signer, KeyFileErrorsNameTheFileButNeverShowTheKey) {
  const auto& pki = shared_stir_pki();
  auto message = [](const std::filesystem::path& file) {
    return testing::stir_error_of([&] { Signer::from_key_file(testing::kSignerUrl, file); });
  };
  EXPECT_EQ(message(pki.dir.path() / "missing.key"),
            "STIR private key: cannot read a PEM private key from " + (pki.dir.path() / "missing.key").string());
  EXPECT_EQ(message(pki.signer_cert), "STIR private key: cannot read a PEM private key from " + pki.signer_cert.string());
  // An RSA key: refused by type; the message holds the path only.
  const auto rsa = pki.dir.file("rsa.key", [] {
    core::EvpPkeyPtr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
    core::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), k.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
  }());
  const std::string rsa_message = message(rsa);
  EXPECT_EQ(rsa_message, "STIR private key: " + rsa.string() + " is not an EC P-256 key (ES256)");
  std::ifstream key_in(pki.signer_key);
  std::string key_line;
  std::getline(key_in, key_line);  // "-----BEGIN PRIVATE KEY-----"
  std::getline(key_in, key_line);  // the first line of key material
  EXPECT_EQ(message(pki.signer_key), "no error");
  EXPECT_EQ(rsa_message.find(key_line), std::string::npos);
}

TEST(Signer, OrigidIsAVersion4Uuid) {
  const std::string a = make_origid();
  const std::string b = make_origid();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[8], '-');
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
}

}  // namespace
}  // namespace sipnic::stir
