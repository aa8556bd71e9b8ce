// The service the B2BUA calls: signing an outbound INVITE from its header
// values, and what to do with an inbound one per stir-verify mode.
#include "stir/stir_service.h"

#include <gtest/gtest.h>

#include "stir/identity_header.h"
#include "stir/stir_error.h"
#include "support/sip_message.h"
#include "support/stir_test_pki.h"

namespace sipnic::stir {
namespace {

using testing::shared_stir_pki;

core::StirConfig full_config() {
  const auto& pki = shared_stir_pki();
  core::StirConfig c;
  c.certificate_url = testing::kSignerUrl;
  c.private_key = pki.signer_key.string();
  c.repository = pki.index_file.string();
  c.ca = pki.ca_file.string();
  return c;
}

std::string invite_with(const std::string& identity_header) {
  return "INVITE sip:+15550103000@carrier.sipnic.test SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-2\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:+15550102000@pbx.sipnic.test;verstat=TN-Validation-Passed>;tag=1\r\n"
         "To: <sip:+15550103000@carrier.sipnic.test>\r\n"
         "Call-ID: stir-service@127.0.0.1\r\nCSeq: 1 INVITE\r\n" +
         identity_header + "Content-Length: 0\r\n\r\n";
}

TEST(StirService, SignedInviteVerifiesThroughTheService) {
  const StirService service(full_config());
  ASSERT_TRUE(service.can_sign());
  ASSERT_TRUE(service.can_verify());
  const auto now = std::chrono::system_clock::now();
  auto identity = service.sign_invite("<sip:alice@pbx.sipnic.test>, <tel:+1-555-010-2000>",
                                      "<sip:+15550103000@carrier.sipnic.test>", core::StirAttest::kA, now);
  ASSERT_TRUE(identity) << identity.error;
  const sip::SipMessage m = test::parse_sip(invite_with("Identity: " + *identity + "\r\n"));
  const InboundIdentity in = service.check_invite(m.view(), core::StirVerify::kRequired, now);
  EXPECT_TRUE(in.checked);
  EXPECT_TRUE(in.result.passed()) << in.result.detail;
  EXPECT_EQ(in.verstat, Verstat::kPassed);
  EXPECT_FALSE(in.refuse);
  EXPECT_EQ(in.result.attest, Attestation::kA);
  // Each call gets its own origid.
  auto again = service.sign_invite("<tel:+15550102000>", "<tel:+15550103000>", core::StirAttest::kA, now);
  ASSERT_TRUE(again);
  const sip::SipMessage m2 = test::parse_sip(invite_with("Identity: " + *again + "\r\n"));
  EXPECT_NE(service.check_invite(m2.view(), core::StirVerify::kOn, now).result.origid, in.result.origid);
}

TEST(StirService, RequiredRefusesWithTheRfc8224CodeAndOnRelaysWithFailedVerstat) {
  const StirService service(full_config());
  const auto now = std::chrono::system_clock::now();
  testing::ToolPassport p;
  p.key = shared_stir_pki().signer_key;
  p.iat = testing::unix_seconds(now) - 3600;
  const sip::SipMessage stale = test::parse_sip(invite_with("Identity: " + testing::tool_identity(p) + "\r\n"));
  const InboundIdentity required = service.check_invite(stale.view(), core::StirVerify::kRequired, now);
  EXPECT_TRUE(required.refuse);
  EXPECT_EQ(required.status_code, 403);
  EXPECT_EQ(required.reason_phrase, "Stale Date");
  EXPECT_EQ(required.verstat, Verstat::kFailed);
  const InboundIdentity on = service.check_invite(stale.view(), core::StirVerify::kOn, now);
  EXPECT_FALSE(on.refuse);
  EXPECT_EQ(on.verstat, Verstat::kFailed);
  EXPECT_EQ(on.result.failure, VerifyFailure::kStaleDate);

  const sip::SipMessage unsigned_invite = test::parse_sip(invite_with(""));
  const InboundIdentity none = service.check_invite(unsigned_invite.view(), core::StirVerify::kRequired, now);
  EXPECT_TRUE(none.refuse);
  EXPECT_EQ(none.status_code, 428);
  EXPECT_EQ(none.verstat, Verstat::kNoValidation);
  EXPECT_FALSE(service.check_invite(unsigned_invite.view(), core::StirVerify::kOn, now).refuse);
}

TEST(StirService, OffChecksNothingAndAsksForAnyVerstatToBeRemoved) {
  const StirService service(full_config());
  const sip::SipMessage m = test::parse_sip(invite_with("Identity: garbage;info=<https://x>\r\n"));
  const InboundIdentity in = service.check_invite(m.view(), core::StirVerify::kOff, std::chrono::system_clock::now());
  EXPECT_FALSE(in.checked);
  EXPECT_FALSE(in.refuse);
  EXPECT_EQ(in.verstat, std::nullopt);
  EXPECT_EQ(with_verstat(m.view().header(offload::HeaderId::kFrom), in.verstat),
            "<sip:+15550102000@pbx.sipnic.test>;tag=1");
}

TEST(StirService, SigningNeedsAnAttestationAKeyAndNumbers) {
  const auto now = std::chrono::system_clock::now();
  const StirService service(full_config());
  EXPECT_EQ(service.sign_invite("<tel:+15550102000>", "<tel:+15550103000>", core::StirAttest::kOff, now).error,
            "the trunk does not sign (stir-attest = off)");
  EXPECT_EQ(service.sign_invite("<sip:alice@a>", "<tel:+15550103000>", core::StirAttest::kB, now).error,
            "the caller is not a telephone number");
  EXPECT_EQ(service.sign_invite("<tel:+15550102000>", "<sip:bob@b>", core::StirAttest::kB, now).error,
            "the callee is not a telephone number");
  core::StirConfig verify_only = full_config();
  verify_only.certificate_url.clear();
  verify_only.private_key.clear();
  const StirService verifier(verify_only);
  EXPECT_FALSE(verifier.can_sign());
  EXPECT_TRUE(verifier.can_verify());
  EXPECT_FALSE(verifier.sign_invite("<tel:+15550102000>", "<tel:+15550103000>", core::StirAttest::kA, now));
}

TEST(StirService, BadFilesStopTheBuildNamingTheFile) {
  core::StirConfig c = full_config();
  c.private_key = shared_stir_pki().signer_cert.string();  // a certificate, not a key
  EXPECT_EQ(testing::stir_error_of([&] { StirService s(c); }),
            "STIR private key: cannot read a PEM private key from " + c.private_key);
  c = full_config();
  c.ca = (shared_stir_pki().dir.path() / "missing-ca.crt").string();
  EXPECT_NE(testing::stir_error_of([&] { StirService s(c); }).find("STIR trust anchors: cannot load " + c.ca),
            std::string::npos);
  EXPECT_EQ(testing::stir_error_of([] { StirService s(core::StirConfig{}); }), "no error");
}

TEST(StirService, TrunkAttestationMapsToTheShakenLevel) {
  EXPECT_EQ(attestation_of(core::StirAttest::kOff), std::nullopt);
  EXPECT_EQ(attestation_of(core::StirAttest::kA), Attestation::kA);
  EXPECT_EQ(attestation_of(core::StirAttest::kB), Attestation::kB);
  EXPECT_EQ(attestation_of(core::StirAttest::kC), Attestation::kC);
}

}  // namespace
}  // namespace sipnic::stir
