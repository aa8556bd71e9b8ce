// The verification service against PASSporTs made by an independent tool
// (PyJWT, tests/support/stir_passport_tool.py): good, expired, tampered,
// signed with the wrong key, from a certificate not chained to the STI-CA,
// and with numbers that do not match the call.
#include "stir/verifier.h"

#include <gtest/gtest.h>

#include <limits>

#include "sip/message_view.h"
#include "support/sip_message.h"
#include "support/stir_test_pki.h"

namespace sipnic::stir {
namespace {

using namespace std::chrono_literals;
using testing::shared_stir_pki;
using testing::tool_identity;
using testing::ToolPassport;

class VerifierTest : public ::testing::Test {
 protected:
  VerifierTest()
      : repo_(CertificateRepository::read_index(shared_stir_pki().index_file), shared_stir_pki().ca_file),
        verifier_(repo_, Verifier::Options{60s}) {}

  ToolPassport good() const {
    ToolPassport p;
    p.key = shared_stir_pki().signer_key;
    p.iat = testing::unix_seconds(now_);
    return p;
  }
  VerificationResult verify(const std::string& identity, std::string_view orig = "+15550102000",
                            std::string_view dest = "+15550103000") const {
    return verifier_.verify(identity, orig, dest, now_);
  }

  std::chrono::system_clock::time_point now_ = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  CertificateRepository repo_;
  Verifier verifier_;
};

TEST_F(VerifierTest, GoodPassportFromPyJwtPassesWithItsAttestationAndOrigid) {
  const VerificationResult r = verify(tool_identity(good()));
  EXPECT_EQ(r.verstat, Verstat::kPassed) << r.detail;
  EXPECT_EQ(r.failure, VerifyFailure::kNone);
  EXPECT_EQ(r.attest, Attestation::kA);
  EXPECT_EQ(r.origid, "123e4567-e89b-12d3-a456-426614174000");
}

TEST_F(VerifierTest, NumbersMatchAfterCanonicalisation) {
  ToolPassport p = good();
  p.orig = "15550102000";
  p.dest = "+1-555-010-3000";
  EXPECT_TRUE(verify(tool_identity(p), "+1 (555) 010-2000", "15550103000").passed());
}

TEST_F(VerifierTest, ExpiredPassportIsStaleDate403) {
  ToolPassport p = good();
  p.iat -= 61;
  const VerificationResult r = verify(tool_identity(p));
  EXPECT_EQ(r.verstat, Verstat::kFailed);
  EXPECT_EQ(r.failure, VerifyFailure::kStaleDate);
  EXPECT_EQ(failure_status_code(r.failure), 403);
  EXPECT_EQ(failure_reason_phrase(r.failure), "Stale Date");
}

TEST_F(VerifierTest, IatAtTheMaxAgeStillPassesAndFutureIatBeyondItFails) {
  ToolPassport p = good();
  p.iat -= 60;
  EXPECT_TRUE(verify(tool_identity(p)).passed());
  p.iat = testing::unix_seconds(now_) + 61;
  EXPECT_EQ(verify(tool_identity(p)).failure, VerifyFailure::kStaleDate);
}

TEST_F(VerifierTest, ExtremeIatValuesAreStaleWithoutOverflow) {
  ToolPassport p = good();
  for (std::int64_t iat : {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                           std::int64_t{0}}) {
    p.iat = iat;
    EXPECT_EQ(verify(tool_identity(p)).failure, VerifyFailure::kStaleDate) << iat;
  }
}

TEST_F(VerifierTest, MaxAgeIsConfigurable) {
  Verifier strict(repo_, Verifier::Options{10s});
  ToolPassport p = good();
  p.iat -= 11;
  EXPECT_EQ(strict.verify(tool_identity(p), "+15550102000", "+15550103000", now_).failure, VerifyFailure::kStaleDate);
  EXPECT_TRUE(verify(tool_identity(p)).passed());
}

TEST_F(VerifierTest, PayloadTamperedAfterSigningIsInvalidIdentityHeader438) {
  ToolPassport p = good();
  p.tamper_dest = "15559999999";
  const VerificationResult r = verify(tool_identity(p), "+15550102000", "+15559999999");
  EXPECT_EQ(r.verstat, Verstat::kFailed);
  EXPECT_EQ(r.failure, VerifyFailure::kInvalidIdentityHeader);
  EXPECT_EQ(failure_status_code(r.failure), 438);
  EXPECT_NE(r.detail.find("signature"), std::string::npos) << r.detail;
}

TEST_F(VerifierTest, SignedByAKeyOtherThanTheX5uCertificatesFails438) {
  ToolPassport p = good();
  p.key = shared_stir_pki().other_key;  // trusted CA, but not the key of kSignerUrl's certificate
  const VerificationResult r = verify(tool_identity(p));
  EXPECT_EQ(r.verstat, Verstat::kFailed);
  EXPECT_EQ(r.failure, VerifyFailure::kInvalidIdentityHeader);
}

TEST_F(VerifierTest, CertificateNotChainedToTheStiCaIsUnsupportedCredential437) {
  ToolPassport p = good();
  p.key = shared_stir_pki().rogue_key;
  p.x5u = testing::kRogueUrl;
  const VerificationResult r = verify(tool_identity(p));
  EXPECT_EQ(r.verstat, Verstat::kFailed);
  EXPECT_EQ(r.failure, VerifyFailure::kUnsupportedCredential);
  EXPECT_EQ(failure_status_code(r.failure), 437);
  EXPECT_NE(r.detail.find("not trusted"), std::string::npos) << r.detail;
}

TEST_F(VerifierTest, CertificateExpiredAtVerificationTimeIsUnsupportedCredential) {
  const auto later = now_ + std::chrono::hours(24 * 40);  // the test certificates last 30 days
  ToolPassport p = good();
  p.iat = testing::unix_seconds(later);
  const VerificationResult r = verifier_.verify(tool_identity(p), "+15550102000", "+15550103000", later);
  EXPECT_EQ(r.failure, VerifyFailure::kUnsupportedCredential);
  EXPECT_NE(r.detail.find("expired"), std::string::npos) << r.detail;
}

TEST_F(VerifierTest, InfoUrlNotInTheRepositoryIsBadIdentityInfo436) {
  ToolPassport p = good();
  p.x5u = testing::kUnknownUrl;
  const VerificationResult r = verify(tool_identity(p));
  EXPECT_EQ(r.failure, VerifyFailure::kBadIdentityInfo);
  EXPECT_EQ(failure_status_code(r.failure), 436);
}

TEST_F(VerifierTest, InfoDifferentFromX5uIsBadIdentityInfo) {
  std::string identity = tool_identity(good());
  const std::size_t info = identity.find(testing::kSignerUrl);
  ASSERT_NE(info, std::string::npos);
  identity.replace(info, std::string_view(testing::kSignerUrl).size(), testing::kOtherUrl);
  EXPECT_EQ(verify(identity).failure, VerifyFailure::kBadIdentityInfo);
}

TEST_F(VerifierTest, CallerOrCalleeOtherThanSignedFails438) {
  const std::string identity = tool_identity(good());
  EXPECT_EQ(verify(identity, "+15550102001", "+15550103000").failure, VerifyFailure::kInvalidIdentityHeader);
  EXPECT_EQ(verify(identity, "+15550102000", "+15550103001").failure, VerifyFailure::kInvalidIdentityHeader);
  EXPECT_EQ(verify(identity, "", "+15550103000").failure, VerifyFailure::kInvalidIdentityHeader);
}

TEST_F(VerifierTest, HeaderParametersOtherThanEs256AndShakenAreRefused) {
  const std::string identity = tool_identity(good());
  const std::string token = identity.substr(0, identity.find(';'));
  const std::string info = std::string(";info=<") + testing::kSignerUrl + ">";
  EXPECT_EQ(verify(token + info + ";alg=RS256").failure, VerifyFailure::kUnsupportedCredential);
  EXPECT_EQ(verify(token + info + ";ppt=div").failure, VerifyFailure::kInvalidIdentityHeader);
  EXPECT_EQ(verify(token).failure, VerifyFailure::kBadIdentityInfo);
  EXPECT_TRUE(verify(token + ";ppt=\"shaken\"" + info).passed());
  EXPECT_EQ(verify("garbage" + info).failure, VerifyFailure::kInvalidIdentityHeader);
}

TEST_F(VerifierTest, NoIdentityHeaderIsNoTnValidationWith428) {
  const VerificationResult r = verifier_.verify_any({}, "+15550102000", "+15550103000", now_);
  EXPECT_EQ(r.verstat, Verstat::kNoValidation);
  EXPECT_EQ(r.failure, VerifyFailure::kUseIdentityHeader);
  EXPECT_EQ(failure_status_code(r.failure), 428);
}

TEST_F(VerifierTest, AnyPassingIdentityHeaderOfSeveralPasses) {
  ToolPassport bad = good();
  bad.tamper_dest = "15550103000";
  const std::string tampered = tool_identity(bad);
  const std::string fine = tool_identity(good());
  const std::vector<std::string_view> both = {tampered, fine};
  EXPECT_TRUE(verifier_.verify_any(both, "+15550102000", "+15550103000", now_).passed());
  const std::vector<std::string_view> only_bad = {tampered};
  EXPECT_EQ(verifier_.verify_any(only_bad, "+15550102000", "+15550103000", now_).failure,
            VerifyFailure::kInvalidIdentityHeader);
}

std::string invite(const std::string& extra_headers, const std::string& from = "<sip:+15550102000@pbx.sipnic.test>;tag=1") {
  return "INVITE sip:+15550103000@carrier.sipnic.test;user=phone SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
         "Max-Forwards: 70\r\n"
         "From: " + from + "\r\n"
         "To: <sip:+15550103000@carrier.sipnic.test>\r\n"
         "Call-ID: stir-1@127.0.0.1\r\n"
         "CSeq: 1 INVITE\r\n" +
         extra_headers + "Content-Length: 0\r\n\r\n";
}

TEST_F(VerifierTest, VerifyRequestReadsIdentityByEitherNameAndTheCallersPai) {
  const std::string identity = tool_identity(good());
  {
    const sip::SipMessage m = test::parse_sip(invite("Identity: " + identity + "\r\n"));
    EXPECT_TRUE(verifier_.verify_request(m.view(), now_).passed());
  }
  {
    const sip::SipMessage m = test::parse_sip(invite("y: " + identity + "\r\n"));
    EXPECT_TRUE(verifier_.verify_request(m.view(), now_).passed());
  }
  {
    // P-Asserted-Identity is the caller when present; From is then not looked at.
    const sip::SipMessage m = test::parse_sip(
        invite("P-Asserted-Identity: <sip:+15550102000@pbx.sipnic.test;user=phone>\r\nIdentity: " + identity + "\r\n",
               "<sip:anonymous@anonymous.invalid>;tag=1"));
    EXPECT_TRUE(verifier_.verify_request(m.view(), now_).passed());
  }
  {
    const sip::SipMessage m = test::parse_sip(invite("P-Asserted-Identity: <tel:+15550102999>\r\nIdentity: " + identity + "\r\n"));
    EXPECT_EQ(verifier_.verify_request(m.view(), now_).failure, VerifyFailure::kInvalidIdentityHeader);
  }
  {
    const sip::SipMessage m = test::parse_sip(invite(""));
    EXPECT_EQ(verifier_.verify_request(m.view(), now_).verstat, Verstat::kNoValidation);
  }
}

}  // namespace
}  // namespace sipnic::stir
