// Tests for host/interwork/header_rules.cpp: which headers cross the B2BUA,
// how URI hosts are made the leg's own, and that docs/sip-core.md shows the
// rule table as the code has it.
#include "interwork/header_rules.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/sip_message.h"

namespace sipnic::interwork {
namespace {

using test::parse_sip;

sip::SipMessage invite_with(const std::string& headers) {
  return parse_sip("INVITE sip:+441234@127.0.0.1 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 10.1.1.5:5060;branch=z9hG4bKinside\r\n"
                   "Max-Forwards: 70\r\n"
                   "From: <sip:1000@10.1.1.5>;tag=a\r\nTo: <sip:+441234@127.0.0.1>\r\n"
                   "Call-ID: inside-call@10.1.1.5\r\nCSeq: 1 INVITE\r\nContact: <sip:1000@10.1.1.5>\r\n" +
                   headers + "Content-Length: 0\r\n\r\n");
}

TEST(HeaderRules, RelayedHeadersCrossAsTheyAre) {
  auto m = invite_with("Privacy: id\r\nSubject: the quarterly figures\r\nReason: Q.850;cause=16\r\n");
  EXPECT_EQ(crossing_headers(m, "192.0.2.1"),
            "Privacy: id\r\nSubject: the quarterly figures\r\nReason: Q.850;cause=16\r\n");
}

TEST(HeaderRules, HopHeadersAndUnknownHeadersDoNotCross) {
  auto m = invite_with(
      "Supported: 100rel, timer\r\nRequire: timer\r\nAllow: INVITE, REFER\r\nSession-Expires: 1800\r\n"
      "Authorization: Digest username=\"pbx\", response=\"00\"\r\nUser-Agent: InsidePBX 4.2\r\n"
      "Warning: 399 10.1.1.5 \"inside\"\r\nX-Inside-Route: 10.1.1.9\r\nRecord-Route: <sip:10.1.1.7;lr>\r\n");
  std::string out = crossing_headers(m, "192.0.2.1");
  EXPECT_EQ(out, "");
  EXPECT_EQ(out.find("10.1.1."), std::string::npos);
}

TEST(HeaderRules, CompactFormsCrossUnderTheirCanonicalName) {
  auto m = invite_with("s: lunch\r\ne: gzip\r\n");
  EXPECT_EQ(crossing_headers(m, "192.0.2.1"), "Subject: lunch\r\nContent-Encoding: gzip\r\n");
}

TEST(HeaderRules, ContentTypeIsLeftToTheBodyWriter) {
  auto m = invite_with("Content-Type: application/sdp\r\nContent-Disposition: session\r\n");
  EXPECT_EQ(crossing_headers(m, "192.0.2.1"), "Content-Disposition: session\r\n");
}

TEST(HeaderRules, AssertedIdentityTakesTheLegsHostAndKeepsUserAndParameters) {
  auto m = invite_with(
      "P-Asserted-Identity: \"Alice\" <sip:+441000@10.1.1.5:5070;user=phone;transport=tcp>, <tel:+441000>\r\n");
  EXPECT_EQ(crossing_headers(m, "192.0.2.1"),
            "P-Asserted-Identity: \"Alice\" <sip:+441000@192.0.2.1;user=phone>, <tel:+441000>\r\n");
}

TEST(HeaderRules, HistoryInfoKeepsItsIndexAndEscapedReason) {
  auto m = invite_with(
      "History-Info: <sip:bob@10.1.1.5?Reason=SIP%3Bcause%3D302>;index=1, <sip:vm@[fd00::5];maddr=10.1.1.6>;index=1.1\r\n");
  EXPECT_EQ(crossing_headers(m, "[2001:db8::1]"),
            "History-Info: <sip:bob@[2001:db8::1]?Reason=SIP%3Bcause%3D302>;index=1, "
            "<sip:vm@[2001:db8::1]>;index=1.1\r\n");
}

TEST(HeaderRules, AddrSpecWithHeaderParametersIsWrittenAsNameAddr) {
  // Without <>, ";reason=..." after an addr-spec is a header parameter; it
  // stays one when the URI is rewritten.
  EXPECT_EQ(rewrite_uri_hosts("sip:1000@10.1.1.5;reason=unconditional", "192.0.2.1"),
            "<sip:1000@192.0.2.1>;reason=unconditional");
  EXPECT_EQ(rewrite_uri_hosts("sip:1000@10.1.1.5", "192.0.2.1"), "sip:1000@192.0.2.1");
}

TEST(HeaderRules, AReplacesUriHeaderDoesNotCrossOtherUriHeadersDo) {
  EXPECT_EQ(rewrite_uri_hosts("<sip:carol@10.1.1.5?Replaces=inside%4010.1.1.5%3Bto-tag%3D1%3Bfrom-tag%3D2&Priority=urgent>",
                              "192.0.2.1"),
            "<sip:carol@192.0.2.1?Priority=urgent>");
  EXPECT_EQ(rewrite_uri_hosts("<sip:carol@10.1.1.5?replaces=x>", "192.0.2.1"), "<sip:carol@192.0.2.1>");
}

TEST(HeaderRules, ElementsThatDoNotDecodeAreLeftOut) {
  EXPECT_EQ(rewrite_uri_hosts("<sip:1000@10.1.1.5>;counter=1, <sip:@@bad>, <tel:+441000>", "192.0.2.1"),
            "<sip:1000@192.0.2.1>;counter=1, <tel:+441000>");
  // Nothing left: the header is not sent at all.
  auto m = invite_with("Diversion: <sip:@@bad>\r\n");
  EXPECT_EQ(crossing_headers(m, "192.0.2.1"), "");
}

TEST(HeaderRules, Rfc4458ParametersCrossWithTheTargetsHostMadeTheLegsOwn) {
  EXPECT_EQ(retargeting_uri_params(";user=phone;target=sip:%2B441000%4010.1.1.5%3Buser%3Dphone;cause=486;lr",
                                   "192.0.2.1"),
            ";target=sip:+441000%40192.0.2.1%3Buser%3Dphone;cause=486");
  EXPECT_EQ(retargeting_uri_params(";target=tel:%2B441000;cause=302", "192.0.2.1"), ";target=tel:+441000;cause=302");
  EXPECT_EQ(retargeting_uri_params(";target=%zz;cause=408", "192.0.2.1"), ";cause=408");  // bad escape: left out
  EXPECT_EQ(retargeting_uri_params(";user=phone", "192.0.2.1"), "");
}

TEST(HeaderRules, NamesAreMatchedInAnyCaseAndUnknownOnesAreDropped) {
  EXPECT_EQ(header_rule("p-asserted-identity"), HeaderRule::kRewritten);
  EXPECT_EQ(header_rule("K"), HeaderRule::kGenerated);  // Supported
  EXPECT_EQ(header_rule("X-Billing-Id"), HeaderRule::kDropped);
}

// The table of docs/sip-core.md, "Headers across the B2BUA": one row per
// rule, in the code's order. A failure prints the rows the code has.
TEST(HeaderRules, DocsTableIsTheCodesTable) {
  std::ifstream in(std::string(SIPNIC_SOURCE_DIR) + "/docs/sip-core.md");
  ASSERT_TRUE(in) << "docs/sip-core.md";
  std::string line, docs;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.starts_with("| Header |")) in_table = true;
    else if (in_table && line.starts_with("| `")) docs += line + "\n";
    else if (in_table && !line.starts_with("|")) break;
  }
  std::string code;
  for (const auto& e : header_rules()) {
    std::string name = "`" + std::string(e.name) + "`";
    if (!e.compact.empty()) name += " (`" + std::string(e.compact) + "`)";
    code += "| " + name + " | " + std::string(header_rule_name(e.rule)) + " | " + std::string(e.why) + " |\n";
  }
  EXPECT_EQ(docs, code) << "docs/sip-core.md should list:\n" << code;
}

}  // namespace
}  // namespace sipnic::interwork
