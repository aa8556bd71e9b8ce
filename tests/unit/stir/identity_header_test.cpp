#include "stir/identity_header.h"

#include <gtest/gtest.h>

#include "support/sip_message.h"

namespace sipnic::stir {
namespace {

TEST(IdentityHeader, FormatsTheShakenForm) {
  EXPECT_EQ(format_identity_header("aa.bb.cc", "https://cert.example.org/passport.cer"),
            "aa.bb.cc;info=<https://cert.example.org/passport.cer>;alg=ES256;ppt=shaken");
}

TEST(IdentityHeader, ParsesWhatItFormats) {
  const std::string v = format_identity_header("aa.bb.cc", "https://x.example/a.pem");
  auto h = parse_identity_header(v);
  ASSERT_TRUE(h) << h.error;
  EXPECT_EQ(h->token, "aa.bb.cc");
  EXPECT_EQ(h->info, "https://x.example/a.pem");
  EXPECT_EQ(h->alg, "ES256");
  EXPECT_EQ(h->ppt, "shaken");
}

TEST(IdentityHeader, ParametersInAnyOrderWithSpacesQuotesAndUnknownOnes) {
  auto h = parse_identity_header(" aa.bb.cc ; PPT = \"shaken\" ;ext=1; alg=ES256 ;info=<https://x.example/a;b.pem> ");
  ASSERT_TRUE(h) << h.error;
  EXPECT_EQ(h->token, "aa.bb.cc");
  EXPECT_EQ(h->info, "https://x.example/a;b.pem");
  EXPECT_EQ(h->ppt, "shaken");
  EXPECT_EQ(h->alg, "ES256");
}

TEST(IdentityHeader, AbsentParametersAreEmpty) {
  auto h = parse_identity_header("aa.bb.cc");
  ASSERT_TRUE(h) << h.error;
  EXPECT_EQ(h->info, "");
  EXPECT_EQ(h->alg, "");
}

TEST(IdentityHeader, RefusesMalformedValues) {
  EXPECT_FALSE(parse_identity_header(""));
  EXPECT_FALSE(parse_identity_header(";info=<https://x>"));
  EXPECT_FALSE(parse_identity_header("aa.bb.cc;info=https://x"));     // info without <>
  EXPECT_FALSE(parse_identity_header("aa.bb.cc;info=<https://x"));    // unclosed
  EXPECT_FALSE(parse_identity_header("aa.bb.cc;alg"));                // no '='
  EXPECT_FALSE(parse_identity_header("aa.bb.cc;alg=ES256;alg=ES256"));
  EXPECT_FALSE(parse_identity_header("aa.bb.cc;alg=ES256 x"));
  EXPECT_FALSE(parse_identity_header("aa bb;alg=ES256"));
  EXPECT_FALSE(parse_identity_header("aa.b+b.cc;info=<https://x>"));  // '+' is not base64url
  EXPECT_FALSE(parse_identity_header("aa.bb.c=;info=<https://x>"));
}

TEST(IdentityHeader, FindsLongAndCompactNamesInAMessage) {
  const sip::SipMessage m = test::parse_sip(
      "INVITE sip:+15550103000@b.example SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-1\r\n"
      "From: <sip:+15550102000@a.example>;tag=1\r\nTo: <sip:+15550103000@b.example>\r\n"
      "Call-ID: 1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
      "IDENTITY: one;info=<https://a>\r\nY: two;info=<https://b>\r\nIdentity-Info: not-this\r\n"
      "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(identity_header_values(m.view()), (std::vector<std::string_view>{"one;info=<https://a>", "two;info=<https://b>"}));
  EXPECT_TRUE(is_identity_header_name("y"));
  EXPECT_FALSE(is_identity_header_name("Identity-Info"));
}

}  // namespace
}  // namespace sipnic::stir
