// Header value decoders: URIs (RFC 3261, RFC 5118 IPv6), name-addr, Via,
// CSeq, numbers, lists and parameters, and the extension headers
// Session-Expires and Min-SE (RFC 4028), RSeq and RAck (RFC 3262).
#include "sip/header_values.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipnic::sip {
namespace {

TEST(ParseUri, SplitsEveryPartOfASipUri) {
  const auto u = parse_uri("sips:alice:secret@[2001:db8::1]:5061;transport=tls;lr?subject=hi&x=%41");
  ASSERT_TRUE(u) << u.error;
  EXPECT_TRUE(u->is_sip);
  EXPECT_TRUE(u->is_sips);
  EXPECT_EQ(u->user, "alice");
  EXPECT_EQ(u->password, "secret");
  EXPECT_EQ(u->host, "2001:db8::1");
  EXPECT_TRUE(u->host_is_ipv6);
  EXPECT_EQ(u->port, 5061);
  EXPECT_EQ(u->params.get("transport"), "tls");
  EXPECT_TRUE(u->params.has("lr"));
  EXPECT_FALSE(u->params.find("lr")->has_value);
  EXPECT_EQ(u->headers, "subject=hi&x=%41");
}

TEST(ParseUri, DecodesEscapesOnDemand) {
  const auto u = parse_uri("sip:sips%3Auser%40example.com@example.net");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "sips%3Auser%40example.com");
  EXPECT_EQ(*u->user_decoded(), "sips:user@example.com");
  EXPECT_FALSE(percent_decode("%ZK"));
  EXPECT_FALSE(percent_decode("abc%4"));
  EXPECT_FALSE(parse_uri("sip:a%zz@example.com"));
}

TEST(ParseUri, KeepsOtherSchemesOpaque) {
  const auto tel = parse_uri("tel:+1-201-555-0123;phone-context=example.com");
  ASSERT_TRUE(tel);
  EXPECT_FALSE(tel->is_sip);
  EXPECT_EQ(tel->scheme, "tel");
  EXPECT_EQ(tel->opaque, "+1-201-555-0123;phone-context=example.com");
  EXPECT_EQ(parse_uri("soap.beep://192.0.2.103:3002")->scheme, "soap.beep");
}

TEST(ParseUri, RejectsMalformedHostsAndPorts) {
  for (const char* bad : {"sip:2001:db8::10", "sip:user@[2001:db8:::192.0.2.1]", "sip:user@[2001:db8::1",
                          "sip:user@example.com:99999", "sip:user@example.com:x", "sip:@example.com",
                          "sip:user@exa mple.com", "sip:user@-bad.com", "nocolon", "sip:", "sip:user@1.2.3"}) {
    EXPECT_FALSE(parse_uri(bad)) << bad;
  }
  EXPECT_TRUE(parse_uri("sip:[2001:db8::10:5070]"));   // RFC 5118 port-ambiguous: a valid address
  EXPECT_TRUE(parse_uri("sip:192.0.2.1:5060"));
  EXPECT_TRUE(parse_uri("SIP:host.example.com."));
}

TEST(Ipv6, AcceptsRfc4291TextFormsOnly) {
  for (const char* ok : {"::", "::1", "2001:db8::10", "2001:db8:0:0:0:0:0:1", "::ffff:192.0.2.1",
                         "2001:db8::192.0.2.1", "fe80::", "1:2:3:4:5:6:7::"}) {
    EXPECT_TRUE(is_ipv6_address(ok)) << ok;
  }
  for (const char* bad : {"", ":", ":::", "2001:db8:::1", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
                          "12345::", "g::1", "2001:db8::1:", ":2001:db8::1", "::1.2.3", "1:2:3:4:5:6:7:8::"}) {
    EXPECT_FALSE(is_ipv6_address(bad)) << bad;
  }
  EXPECT_TRUE(is_ipv4_address("255.255.255.255"));
  EXPECT_FALSE(is_ipv4_address("256.1.1.1"));
  EXPECT_FALSE(is_ipv4_address("1.2.3.4.5"));
}

TEST(ParseNameAddr, HandlesQuotedTokenAndBareForms) {
  const auto q = parse_name_addr(R"("J Rosenberg \\\""       <sip:jdrosen@example.com>  ;  tag = 98asjd8)");
  ASSERT_TRUE(q) << q.error;
  EXPECT_TRUE(q->display_quoted);
  EXPECT_EQ(*unquote(q->display_name), "J Rosenberg \\\"");
  EXPECT_EQ(q->uri, "sip:jdrosen@example.com");
  EXPECT_EQ(q->tag(), "98asjd8");

  const auto t = parse_name_addr("caller<sip:caller@example.com>;tag=323");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->display_name, "caller");
  EXPECT_EQ(t->tag(), "323");

  const auto bare = parse_name_addr("sip:+19725552222@gw1.example.net;unknownparam");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->angle_brackets);
  EXPECT_EQ(bare->uri, "sip:+19725552222@gw1.example.net");
  EXPECT_TRUE(bare->params.has("unknownparam"));  // a header param, not a URI param
  EXPECT_TRUE(parse_name_addr("*")->star);
}

TEST(ParseNameAddr, RejectsTheRfc4475Malformations) {
  EXPECT_EQ(parse_name_addr(R"("Mr. J. User <sip:j.user@example.com>)").error, "unterminated quoted string");
  EXPECT_FALSE(parse_name_addr(R"("Watson, Thomas" < sip:t.watson@example.org >)"));
  EXPECT_FALSE(parse_name_addr("Bell, Alexander <sip:a.g.bell@example.com>;tag=43"));
  EXPECT_FALSE(parse_name_addr("sip:user@example.com?Route=%3Csip:sip.example.com%3E"));
  EXPECT_FALSE(parse_name_addr("<sip:a@b"));
  EXPECT_FALSE(parse_name_addr(""));
  const auto empty_params = parse_name_addr("\"Joe\" <sip:joe@example.org>;;;;");
  ASSERT_TRUE(empty_params);  // params are checked on demand
  EXPECT_FALSE(empty_params->params.error().empty());
}

TEST(ParseVia, DecodesSentByAndParams) {
  const auto v = parse_via("SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3;received=[2001:db8::9:255];rport;"
                           "maddr=224.2.0.1;ttl=16");
  ASSERT_TRUE(v) << v.error;
  EXPECT_EQ(v->protocol_name, "SIP");
  EXPECT_EQ(v->protocol_version, "2.0");
  EXPECT_EQ(v->transport, "UDP");
  EXPECT_EQ(v->host, "2001:db8::9:1");
  EXPECT_TRUE(v->host_is_ipv6);
  EXPECT_EQ(v->port, 6050);
  EXPECT_EQ(v->branch(), "z9hG4bKas3");
  EXPECT_EQ(v->received(), "2001:db8::9:255");
  EXPECT_TRUE(v->has_rport());
  EXPECT_FALSE(v->rport().has_value());
  EXPECT_EQ(v->maddr(), "224.2.0.1");
  EXPECT_EQ(v->ttl(), 16);
  const auto r = parse_via("SIP / 2.0 / TCP host.example.com ; rport=5062 ; received=192.0.2.4");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rport(), 5062);
  EXPECT_EQ(r->received(), "192.0.2.4");
  EXPECT_FALSE(r->has_port);
}

TEST(ParseVia, RejectsMalformedOnes) {
  for (const char* bad : {"SIP/2.0 host", "SIP/2.0/UDP", "SIP/2.0/UDPhost", "SIP/2.0/UDP host:70000",
                          "SIP/2.0/UDP host junk", "SIP/2.0/UDP [::1"}) {
    EXPECT_FALSE(parse_via(bad)) << bad;
  }
  EXPECT_FALSE(parse_via("SIP/2.0/UDP 192.0.2.15;;")->params.error().empty());
}

TEST(ParseCSeq, BoundsTheNumberBelowTwoToTheThirtyOne) {
  const auto c = parse_cseq("0009\r\n  INVITE");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->number, 9u);
  EXPECT_EQ(c->method, "INVITE");
  EXPECT_TRUE(parse_cseq("2147483647 OPTIONS"));
  EXPECT_FALSE(parse_cseq("2147483648 OPTIONS"));
  EXPECT_FALSE(parse_cseq("36893488147419103232 REGISTER"));
  EXPECT_FALSE(parse_cseq("INVITE"));
  EXPECT_FALSE(parse_cseq("1INVITE"));
  EXPECT_FALSE(parse_cseq("1 IN VITE"));
}

TEST(ParseNumbers, MaxForwardsContentLengthAndDeltaSeconds) {
  EXPECT_EQ(*parse_max_forwards("0068"), 68u);
  EXPECT_FALSE(parse_max_forwards("300"));
  EXPECT_FALSE(parse_max_forwards("-1"));
  EXPECT_EQ(*parse_content_length(" 150 "), 150u);
  EXPECT_EQ(parse_content_length("-999").error, "negative Content-Length");
  EXPECT_FALSE(parse_content_length("4294967296"));
  EXPECT_FALSE(parse_delta_seconds("10000000000000000000000000"));
  EXPECT_EQ(*parse_uint("000000000000000000000000042", 100), 42u);
}

TEST(CommaValues, SplitsAtTopLevelCommasOnly) {
  CommaValues v(R"("a, b" <sip:x@y;p=1,2>, <sip:z@w> ,, last)");
  std::vector<std::string> got;
  while (auto e = v.next()) got.emplace_back(*e);
  EXPECT_EQ(got, (std::vector<std::string>{R"("a, b" <sip:x@y;p=1,2>)", "<sip:z@w>", "", "last"}));
  EXPECT_TRUE(v.error().empty());
  CommaValues bad(R"(a, "unterminated)");
  EXPECT_TRUE(bad.next().has_value());
  EXPECT_FALSE(bad.next().has_value());
  EXPECT_EQ(bad.error(), "unterminated quoted string");
}

TEST(ParamList, FindsCaseInsensitivelyAndReportsMalformedLists) {
  const ParamList p(";Tag=abc ; q = 0.33;expires=\"3600\";flag");
  EXPECT_EQ(p.get("tag"), "abc");
  EXPECT_EQ(p.get("Q"), "0.33");
  EXPECT_EQ(p.get("expires"), "\"3600\"");
  EXPECT_TRUE(p.has("flag"));
  EXPECT_FALSE(p.has("missing"));
  EXPECT_TRUE(p.error().empty());
  EXPECT_FALSE(ParamList(";;").error().empty());
  EXPECT_FALSE(ParamList(";a=").error().empty());
  EXPECT_FALSE(ParamList(";a=\"x").error().empty());
}

TEST(MediaTypes, ParseAndCompareCaseInsensitively) {
  const auto m = parse_media_type("Multipart/Mixed ; boundary=7a9cbec02ceef655");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->is("multipart", "mixed"));
  EXPECT_EQ(m->params.get("boundary"), "7a9cbec02ceef655");
  EXPECT_FALSE(parse_media_type("application"));
}

TEST(Replaces, CallIdAndBothTagsAreRead) {
  auto r = parse_replaces(" 98732@sip.example.com ; from-tag=r33th4x0r ;to-tag=ff87ff;early-only");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r->call_id, "98732@sip.example.com");
  EXPECT_EQ(r->from_tag, "r33th4x0r");
  EXPECT_EQ(r->to_tag, "ff87ff");
  EXPECT_TRUE(r->early_only);
  EXPECT_FALSE(parse_replaces("98732@sip.example.com;to-tag=a"));  // both tags are mandatory
  EXPECT_FALSE(parse_replaces(";to-tag=a;from-tag=b"));
  EXPECT_FALSE(parse_replaces("a b;to-tag=a;from-tag=b"));
}

TEST(SipDate, OnlyGmtRfc1123Dates) {
  EXPECT_TRUE(is_sip_date("Sat, 15 Oct 2005 04:44:56 GMT"));
  EXPECT_FALSE(is_sip_date("Fri, 01 Jan 2010 16:00:00 EST"));
  EXPECT_FALSE(is_sip_date("Friday, 01 Jan 2010 16:00:00 GMT"));
}

// CommaValues jumps between interesting bytes 16 at a time: commas, quotes
// and brackets must be found wherever they fall (first, middle, last byte of
// a 16-byte step, or in the tail), with the same splits as a byte loop.
TEST(CommaValues, SplitsLongValuesWhereverTheSeparatorsFall) {
  for (std::size_t pad = 0; pad < 40; ++pad) {
    const std::string a(pad, 'a');
    const std::string v = a + ", \"x,\\\"y\" <sip:" + a + ",b>;p=1 ,z" + a;
    CommaValues cv(v);
    std::vector<std::string> got;
    while (auto e = cv.next()) got.emplace_back(*e);
    EXPECT_TRUE(cv.error().empty()) << v;
    ASSERT_EQ(got.size(), 3u) << v;
    EXPECT_EQ(got[0], a);
    EXPECT_EQ(got[1], "\"x,\\\"y\" <sip:" + a + ",b>;p=1");
    EXPECT_EQ(got[2], "z" + a);
    const std::string unterminated = a + ",\"unterminated, " + a + "\\";  // outlives the view
    CommaValues open(unterminated);
    EXPECT_EQ(open.next(), a);
    EXPECT_FALSE(open.next());
    EXPECT_EQ(open.error(), "unterminated quoted string");
  }
}

TEST(SessionExpires, ReadsTheIntervalAndTheRefresherOfRfc4028) {
  auto a = parse_session_expires(" 1800 ; refresher = UAC ");
  ASSERT_TRUE(a) << a.error;
  EXPECT_EQ(a->seconds, 1800u);
  EXPECT_EQ(a->refresher, Refresher::kUac);
  auto b = parse_session_expires("90;x-vendor=1;refresher=uas");
  ASSERT_TRUE(b) << b.error;
  EXPECT_EQ(b->seconds, 90u);
  EXPECT_EQ(b->refresher, Refresher::kUas);
  EXPECT_TRUE(b->params.has("x-vendor"));
  auto c = parse_session_expires("4000");
  ASSERT_TRUE(c) << c.error;
  EXPECT_EQ(c->refresher, Refresher::kUnset);

  EXPECT_FALSE(parse_session_expires(""));
  EXPECT_FALSE(parse_session_expires("-90"));
  EXPECT_FALSE(parse_session_expires("90;refresher=proxy"));
  EXPECT_FALSE(parse_session_expires("90;=x"));
  EXPECT_FALSE(parse_session_expires("99999999999"));
}

TEST(SessionExpires, FormatsWhatItParses) {
  EXPECT_EQ(format_session_expires(1800, Refresher::kUac), "1800;refresher=uac");
  EXPECT_EQ(format_session_expires(90, Refresher::kUas), "90;refresher=uas");
  EXPECT_EQ(format_session_expires(600, Refresher::kUnset), "600");
  auto back = parse_session_expires(format_session_expires(120, Refresher::kUas));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->seconds, 120u);
  EXPECT_EQ(back->refresher, Refresher::kUas);
}

TEST(MinSe, ReadsDeltaSecondsWithGenericParameters) {
  EXPECT_EQ(*parse_min_se("90"), 90u);
  EXPECT_EQ(*parse_min_se(" 300;x=y "), 300u);
  EXPECT_FALSE(parse_min_se("ninety"));
  EXPECT_FALSE(parse_min_se(""));
}

TEST(RSeq, IsAResponseNumberFromOneTo2To32Minus1) {
  EXPECT_EQ(*parse_rseq("1"), 1u);
  EXPECT_EQ(*parse_rseq(" 4294967295 "), 4294967295u);
  EXPECT_FALSE(parse_rseq("0"));
  EXPECT_FALSE(parse_rseq("4294967296"));
  EXPECT_FALSE(parse_rseq("12a"));
}

TEST(RAck, ReadsRseqCseqAndMethodAndFormatsThemBack) {
  auto r = parse_rack("776656 1 INVITE");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r->rseq, 776656u);
  EXPECT_EQ(r->cseq, 1u);
  EXPECT_EQ(r->method, "INVITE");
  auto folded = parse_rack(" 5\t 314159   INVITE ");
  ASSERT_TRUE(folded) << folded.error;
  EXPECT_EQ(folded->cseq, 314159u);
  EXPECT_EQ(format_rack(776656, 1, "INVITE"), "776656 1 INVITE");

  EXPECT_FALSE(parse_rack("776656"));
  EXPECT_FALSE(parse_rack("776656 1"));
  EXPECT_FALSE(parse_rack("0 1 INVITE"));
  EXPECT_FALSE(parse_rack("x 1 INVITE"));
  EXPECT_FALSE(parse_rack("1 2147483648 INVITE"));  // CSeq numbers are below 2**31
}

TEST(Reason, ReadsTheProtocolCauseTextAndLocationOfOneValue) {
  auto r = parse_reason(R"(Q.850 ;cause=17 ;text="User \"busy\"";location=LN)");
  ASSERT_TRUE(r) << r.error;
  EXPECT_TRUE(r->is_q850());
  EXPECT_EQ(r->cause, 17u);
  EXPECT_EQ(r->text, "User \"busy\"");
  EXPECT_EQ(r->location, "LN");
  auto sip = parse_reason("SIP;cause=200;text=\"Call completed elsewhere\"");
  ASSERT_TRUE(sip) << sip.error;
  EXPECT_FALSE(sip->is_q850());
  EXPECT_EQ(sip->cause, 200u);
  auto bare = parse_reason("preemption");
  ASSERT_TRUE(bare) << bare.error;
  EXPECT_EQ(bare->protocol, "preemption");
  EXPECT_FALSE(bare->cause);
  EXPECT_EQ(bare->text, "");

  EXPECT_FALSE(parse_reason("Q.850;cause=x"));
  EXPECT_FALSE(parse_reason("Q.850;cause"));
  EXPECT_FALSE(parse_reason("Q.850;text=\"open"));
  EXPECT_FALSE(parse_reason("Q 850;cause=1"));
  EXPECT_FALSE(parse_reason(""));
}

TEST(Reason, FormatsAValueThatReadsBack) {
  EXPECT_EQ(format_reason("Q.850", 17, "user busy", "LN"), "Q.850;cause=17;text=\"user busy\";location=LN");
  EXPECT_EQ(format_reason("Q.850", 16), "Q.850;cause=16");
  const std::string quoted = format_reason("SIP", 487, "say \"no\" \\ twice");
  auto r = parse_reason(quoted);
  ASSERT_TRUE(r) << r.error << ": " << quoted;
  EXPECT_EQ(r->text, "say \"no\" \\ twice");
}

}  // namespace
}  // namespace sipnic::sip
