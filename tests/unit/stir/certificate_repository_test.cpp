#include "stir/certificate_repository.h"

#include <gtest/gtest.h>

#include "stir/stir_error.h"
#include "support/stir_test_pki.h"

namespace sipnic::stir {
namespace {

using testing::shared_stir_pki;

std::chrono::system_clock::time_point now() { return std::chrono::system_clock::now(); }

TEST(CertificateRepository, IndexMapsUrlsToFilesRelativeToItsFolder) {
  const auto& pki = shared_stir_pki();
  auto index = CertificateRepository::read_index(pki.index_file);
  ASSERT_EQ(index.size(), 3u);
  EXPECT_EQ(index.at(testing::kSignerUrl), pki.index_file.parent_path() / "sp1.pem");
  EXPECT_EQ(index.at(testing::kOtherUrl), pki.index_file.parent_path() / "sp2.pem");
  EXPECT_EQ(index.at(testing::kRogueUrl), pki.rogue_cert);
}

TEST(CertificateRepository, CertificateChainedToTheStiCaIsTrusted) {
  const auto& pki = shared_stir_pki();
  CertificateRepository repo(CertificateRepository::read_index(pki.index_file), pki.ca_file);
  const CertificateLookup r = repo.lookup(testing::kSignerUrl, now());
  EXPECT_EQ(r.status, CertificateLookup::Status::kTrusted) << r.reason;
  EXPECT_NE(r.key, nullptr);
  EXPECT_EQ(r.reason, "");
}

TEST(CertificateRepository, BadChainIsRefusedWithTheReason) {
  const auto& pki = shared_stir_pki();
  CertificateRepository repo(CertificateRepository::read_index(pki.index_file), pki.ca_file);
  const CertificateLookup rogue = repo.lookup(testing::kRogueUrl, now());
  EXPECT_EQ(rogue.status, CertificateLookup::Status::kUntrusted);
  EXPECT_EQ(rogue.key, nullptr);
  EXPECT_EQ(rogue.reason, "unable to get local issuer certificate");
  const CertificateLookup expired = repo.lookup(testing::kSignerUrl, now() + std::chrono::hours(24 * 40));
  EXPECT_EQ(expired.status, CertificateLookup::Status::kUntrusted);
  EXPECT_EQ(expired.reason, "certificate has expired");
  const CertificateLookup early = repo.lookup(testing::kSignerUrl, now() - std::chrono::hours(24 * 2));
  EXPECT_EQ(early.status, CertificateLookup::Status::kUntrusted);
  EXPECT_EQ(early.reason, "certificate is not yet valid");
}

TEST(CertificateRepository, UnknownUrlIsNotFetched) {
  const auto& pki = shared_stir_pki();
  CertificateRepository repo(CertificateRepository::read_index(pki.index_file), pki.ca_file);
  const CertificateLookup r = repo.lookup(testing::kUnknownUrl, now());
  EXPECT_EQ(r.status, CertificateLookup::Status::kUnknownUrl);
  EXPECT_NE(r.reason, "");
}

TEST(CertificateRepository, IntermediatesAfterTheLeafCompleteTheChain) {
  const auto& pki = shared_stir_pki();
  // An intermediate CA under the rogue CA, trusted as anchor in its place:
  // the leaf's file carries the intermediate, the anchor file the root.
  tls::CertSpec root_spec;
  root_spec.common_name = "root";
  root_spec.is_ca = true;
  root_spec.days = 30;
  const tls::IssuedCert root = tls::make_ca(root_spec);
  root_spec.common_name = "intermediate";
  const tls::IssuedCert intermediate = tls::issue_cert(root, root_spec);
  tls::CertSpec leaf_spec;
  leaf_spec.common_name = "leaf";
  leaf_spec.days = 30;
  const tls::IssuedCert leaf = tls::issue_cert(intermediate, leaf_spec);
  const auto chain = pki.dir.file("chain.pem", leaf.cert_pem + intermediate.cert_pem);
  const auto only_leaf = pki.dir.file("leaf.pem", leaf.cert_pem);
  const auto anchor = pki.dir.file("root.crt", root.cert_pem);
  CertificateRepository repo({{"https://a/chain", chain}, {"https://a/leaf", only_leaf}}, anchor);
  EXPECT_EQ(repo.lookup("https://a/chain", now()).status, CertificateLookup::Status::kTrusted);
  EXPECT_EQ(repo.lookup("https://a/leaf", now()).status, CertificateLookup::Status::kUntrusted);
}

TEST(CertificateRepository, SetupErrorsNameTheFileAndLine) {
  const auto& pki = shared_stir_pki();
  auto message = [](auto f) { return testing::stir_error_of(f); };
  const auto bad_index = pki.dir.file("bad-index", "# ok\nhttps://a/x\n");
  EXPECT_EQ(message([&] { CertificateRepository::read_index(bad_index); }),
            "STIR certificate repository: " + bad_index.string() + ":2: expected 'URL FILE'");
  const auto twice = pki.dir.file("twice-index", "https://a/x a.pem\nhttps://a/x b.pem\n");
  EXPECT_NE(message([&] { CertificateRepository::read_index(twice); }).find(":2: URL https://a/x listed twice"),
            std::string::npos);
  EXPECT_NE(message([&] { CertificateRepository::read_index(pki.dir.path() / "missing"); }).find("cannot read index file"),
            std::string::npos);
  const auto not_pem = pki.dir.file("not.pem", "hello\n");
  EXPECT_EQ(message([&] { CertificateRepository({{"https://a/x", not_pem}}, pki.ca_file); }),
            "STIR certificate repository: " + not_pem.string() + " holds no PEM certificate");
  EXPECT_NE(message([&] { CertificateRepository({}, not_pem); }).find("STIR trust anchors: cannot load"),
            std::string::npos);
}

}  // namespace
}  // namespace sipnic::stir
