#include "stir/passport.h"

#include <gtest/gtest.h>

#include "core/ossl_ptr.h"
#include "stir/base64url.h"
#include "stir/es256.h"

namespace sipnic::stir {
namespace {

Passport sample() {
  Passport p;
  p.x5u = "https://cert.example.org/passport.cer";
  p.attest = Attestation::kA;
  p.orig_tn = "12155551212";
  p.dest_tns = {"12155551213"};
  p.iat = 1443208345;
  p.origid = "123e4567-e89b-12d3-a456-426655440000";
  return p;
}

// RFC 8588 §6's example, in RFC 8225 §9 canonical form.
TEST(Passport, CanonicalJsonIsSortedWithoutWhitespace) {
  EXPECT_EQ(passport_header_json(sample()),
            R"({"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"https://cert.example.org/passport.cer"})");
  EXPECT_EQ(passport_payload_json(sample()),
            R"({"attest":"A","dest":{"tn":["12155551213"]},"iat":1443208345,"orig":{"tn":"12155551212"},)"
            R"("origid":"123e4567-e89b-12d3-a456-426655440000"})");
}

TEST(Passport, SignedTokenDecodesToTheSameClaimsAndItsSignatureVerifies) {
  core::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  auto token = sign_passport(sample(), key.get());
  ASSERT_TRUE(token);
  auto d = decode_passport(*token);
  ASSERT_TRUE(d) << d.error;
  EXPECT_EQ(d->passport, sample());
  EXPECT_EQ(d->alg, "ES256");
  EXPECT_EQ(d->ppt, "shaken");
  EXPECT_EQ(d->typ, "passport");
  EXPECT_EQ(d->signing_input, token->substr(0, token->rfind('.')));
  EXPECT_EQ(base64url_decode(token->substr(0, token->find('.'))), passport_header_json(sample()));
  EXPECT_TRUE(es256_verify(key.get(), d->signing_input, d->signature));
}

std::string token_of(const std::string& header, const std::string& payload) {
  return base64url_encode(header) + "." + base64url_encode(payload) + "." + base64url_encode(std::string(64, 'x'));
}

TEST(Passport, DecodesMembersInAnyOrder) {
  auto d = decode_passport(token_of(R"({"x5u":"u","typ":"passport","alg":"ES256","ppt":"shaken"})",
                                    R"({"origid":"o","orig":{"tn":"1"},"iat":5,"dest":{"tn":["2","3"]},"attest":"C"})"));
  ASSERT_TRUE(d) << d.error;
  EXPECT_EQ(d->passport.dest_tns, (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(d->passport.attest, Attestation::kC);
  EXPECT_EQ(d->passport.iat, 5);
}

TEST(Passport, RefusesMalformedTokensNamingWhatIsWrong) {
  const std::string h = R"({"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"u"})";
  const std::string ok = R"({"attest":"A","dest":{"tn":["2"]},"iat":5,"orig":{"tn":"1"},"origid":"o"})";
  EXPECT_TRUE(decode_passport(token_of(h, ok)));
  EXPECT_EQ(decode_passport("a.b").error, "PASSporT is not three dot-separated parts");
  EXPECT_EQ(decode_passport("a.b.c.d").error, "PASSporT is not three dot-separated parts");
  EXPECT_FALSE(decode_passport(base64url_encode(h) + "..sig"));  // compact form
  EXPECT_FALSE(decode_passport(token_of("[1]", ok)));
  EXPECT_FALSE(decode_passport(token_of(h, "{not json")));
  EXPECT_FALSE(decode_passport(token_of(h, R"({"attest":"D","dest":{"tn":["2"]},"iat":5,"orig":{"tn":"1"},"origid":"o"})")));
  EXPECT_FALSE(decode_passport(token_of(h, R"({"attest":"A","dest":{"tn":[]},"iat":5,"orig":{"tn":"1"},"origid":"o"})")));
  EXPECT_FALSE(decode_passport(token_of(h, R"({"attest":"A","dest":{"tn":["2"]},"iat":"5","orig":{"tn":"1"},"origid":"o"})")));
  EXPECT_FALSE(decode_passport(token_of(h, R"({"attest":"A","dest":{"tn":["2"]},"iat":5,"orig":{"tn":1},"origid":"o"})")));
  EXPECT_FALSE(decode_passport(token_of(h, R"({"attest":"A","dest":{"tn":["2"]},"iat":5,"orig":{"tn":"1"}})")));
  EXPECT_FALSE(decode_passport(token_of(R"({"alg":1})", ok)));
  EXPECT_FALSE(decode_passport(token_of(h, ok) + "="));
  const std::string padded = R"({"attest":"A","dest":{"tn":["2"]},"iat":5,"orig":{"tn":"1"},"origid":")" +
                             std::string(kMaxPassportBytes, 'o') + R"("})";
  EXPECT_EQ(decode_passport(token_of(h, padded)).error, "PASSporT longer than 4096 bytes");
}

TEST(Passport, AttestationLevelsRoundTrip) {
  for (Attestation a : {Attestation::kA, Attestation::kB, Attestation::kC}) {
    EXPECT_EQ(parse_attestation(attestation_name(a)), a);
  }
  EXPECT_FALSE(parse_attestation("a"));
  EXPECT_FALSE(parse_attestation("AB"));
}

}  // namespace
}  // namespace sipnic::stir
