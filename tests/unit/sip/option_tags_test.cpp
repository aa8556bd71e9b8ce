// Tests for host/sip/option_tags.cpp: option-tags and methods found in every
// header line of their kind, compact names included, compared exactly.
#include "sip/option_tags.h"

#include <gtest/gtest.h>

#include "support/sip_message.h"

namespace sipnic::sip {
namespace {

using offload::HeaderId;

const std::string kInvite =
    "INVITE sip:bob@127.0.0.2 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@127.0.0.1>;tag=a\r\n"
    "To: <sip:bob@127.0.0.2>\r\n"
    "Call-ID: c1\r\n"
    "CSeq: 1 INVITE\r\n"
    "k: replaces\r\n"
    "Supported: path , timer\r\n"
    "Require: 100rel\r\n"
    "Allow: INVITE, ACK, BYE, UPDATE\r\n"
    "Content-Length: 0\r\n\r\n";

TEST(ListsToken, FindsATagInAnyHeaderLineOfItsKindCompactNamesIncluded) {
  SipMessage m = test::parse_sip(kInvite);
  EXPECT_TRUE(lists_token(m.view(), HeaderId::kSupported, "replaces"));  // the compact "k" line
  EXPECT_TRUE(lists_token(m.view(), HeaderId::kSupported, "timer"));     // the second line, after LWS
  EXPECT_TRUE(lists_token(m.view(), HeaderId::kRequire, "100rel"));
  EXPECT_FALSE(lists_token(m.view(), HeaderId::kSupported, "100rel"));  // in Require only
  EXPECT_TRUE(lists_token(m.view(), HeaderId::kAllow, "UPDATE"));
  EXPECT_FALSE(lists_token(m.view(), HeaderId::kAllow, "PRACK"));
}

TEST(ListsToken, ComparesCaseSensitively) {
  SipMessage m = test::parse_sip(kInvite);
  EXPECT_FALSE(lists_token(m.view(), HeaderId::kSupported, "Timer"));
  EXPECT_FALSE(lists_token(m.view(), HeaderId::kAllow, "update"));
}

}  // namespace
}  // namespace sipnic::sip
