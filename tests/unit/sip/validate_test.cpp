// Every RFC 4475 and RFC 5118 torture message mapped to what sipnic does with
// it: the valid ones parse (with field values checked), the invalid ones are
// rejected for the reason the RFC gives, the application-layer ones get the
// response a UAS should send. The table holds all 61 files; a file that is
// added to or missing from the shared data fails the coverage test.
#include "sip/validate.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "offload/cpu_sip_parse_engine.h"
#include "sip/header_values.h"
#include "sip/message_view.h"

namespace sipnic::sip {
namespace {

using offload::HeaderId;
using offload::ParseError;

std::string read(const std::string& rel) {
  std::ifstream in(std::string(SIPNIC_TESTDATA) + "/sip/" + rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << rel;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A message parsed as one UDP datagram, plus its verdict.
struct Checked {
  std::string bytes;
  offload::SipParseOutput out;
  ParseError error = ParseError::kNone;
  Verdict verdict;
  bool has_message() const { return !out.messages.empty(); }
  MessageView view() const { return MessageView::from_batch(bytes, out.messages.at(0), out.headers); }
};

Checked check(const std::string& rel, const ValidationPolicy& policy = {}) {
  Checked c;
  c.bytes = read(rel);
  offload::CpuSipParseEngine engine;
  const offload::SegmentDescriptor d{0, static_cast<std::uint32_t>(c.bytes.size()), 0};
  engine.parse({reinterpret_cast<const std::uint8_t*>(c.bytes.data()), c.bytes.size()}, {&d, 1}, c.out);
  c.error = static_cast<ParseError>(c.out.segments[0].error);
  if (c.error != ParseError::kNone) {
    c.verdict = verdict_for_parse_error(c.error, c.bytes.rfind("SIP/", 0) != 0);
  } else {
    c.verdict = validate(c.view(), policy);
  }
  return c;
}

struct Expect {
  const char* file;        // relative to testdata/sip
  Action action;
  int status;              // 0: none (processed or dropped)
  Rule rule;
  ParseError parse_error;  // kNone unless the engine itself rejects it
};

constexpr Action P = Action::kProcess;
constexpr Action R = Action::kReject;
constexpr Action D = Action::kDrop;
constexpr ParseError OK = ParseError::kNone;

const Expect kTable[] = {
    // RFC 4475 §3.1.1: valid messages.
    {"rfc4475/wsinv.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/intmeth.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/esc01.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/escnull.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/esc02.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/lwsdisp.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/longreq.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/dblreq.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/semiuri.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/transports.dat", P, 0, Rule::kOk, OK},
    // MESSAGE is not an offer/answer method: its multipart body is relayed.
    {"rfc4475/mpart01.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/unreason.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/noreason.dat", P, 0, Rule::kOk, OK},
    // RFC 4475 §3.1.2: invalid messages.
    {"rfc4475/badinv01.dat", R, 400, Rule::kBadVia, OK},            // empty Via/Contact params
    {"rfc4475/clerr.dat", R, 400, Rule::kParseError, ParseError::kBodyTruncated},  // CL 9999 > body
    {"rfc4475/ncl.dat", R, 400, Rule::kParseError, ParseError::kBadContentLength},  // negative CL
    {"rfc4475/scalar02.dat", R, 400, Rule::kBadCSeq, OK},           // CSeq beyond 2**32
    {"rfc4475/scalarlg.dat", D, 0, Rule::kBadCSeq, OK},             // a response: dropped
    {"rfc4475/quotbal.dat", R, 400, Rule::kUnterminatedQuote, OK},
    {"rfc4475/ltgtruri.dat", R, 400, Rule::kRequestUriAngleBrackets, OK},
    {"rfc4475/lwsruri.dat", R, 400, Rule::kRequestUriWhitespace, OK},
    {"rfc4475/lwsstart.dat", R, 400, Rule::kStartLineWhitespace, OK},
    {"rfc4475/trws.dat", R, 400, Rule::kTrailingWhitespace, OK},
    {"rfc4475/escruri.dat", R, 400, Rule::kRequestUriHeaders, OK},
    {"rfc4475/baddate.dat", R, 400, Rule::kBadDate, OK},
    {"rfc4475/regbadct.dat", R, 400, Rule::kBadAddress, OK},        // ?headers outside <>
    {"rfc4475/badaspec.dat", R, 400, Rule::kBadAddress, OK},        // "< sip:... >"
    {"rfc4475/baddn.dat", R, 400, Rule::kBadAddress, OK},           // Bell, Alexander <...>
    {"rfc4475/badvers.dat", R, 505, Rule::kBadVersion, OK},
    {"rfc4475/mismatch01.dat", R, 400, Rule::kCSeqMethodMismatch, OK},
    {"rfc4475/mismatch02.dat", R, 400, Rule::kCSeqMethodMismatch, OK},
    // Status code 4294967301: not a 3-digit Status-Line; a response, so dropped.
    {"rfc4475/bigcode.dat", D, 0, Rule::kParseError, ParseError::kBadStartLine},
    // RFC 4475 §3.2: transaction layer. A branch of only the magic cookie is
    // still a branch; the transaction layer matches on it as it is.
    {"rfc4475/badbranch.dat", P, 0, Rule::kOk, OK},
    // RFC 4475 §3.3: application layer.
    {"rfc4475/insuf.dat", R, 400, Rule::kMissingHeader, OK},
    {"rfc4475/unkscm.dat", R, 416, Rule::kUnsupportedUriScheme, OK},
    {"rfc4475/novelsc.dat", R, 416, Rule::kUnsupportedUriScheme, OK},
    {"rfc4475/unksm2.dat", R, 416, Rule::kUnsupportedUriScheme, OK},  // REGISTER To isbn:
    {"rfc4475/bext01.dat", R, 420, Rule::kBadExtension, OK},
    {"rfc4475/invut.dat", R, 415, Rule::kUnsupportedMediaType, OK},
    // Unknown auth scheme: processing goes on (a registrar would challenge).
    {"rfc4475/regaut01.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/multi01.dat", R, 400, Rule::kDuplicateSingleton, OK},
    {"rfc4475/mcl01.dat", R, 400, Rule::kDuplicateSingleton, OK},
    // 200 with a broadcast second Via: the UAC matches the top Via only.
    {"rfc4475/bcast.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/zeromf.dat", R, 483, Rule::kTooManyHops, OK},
    {"rfc4475/cparam01.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/cparam02.dat", P, 0, Rule::kOk, OK},
    {"rfc4475/regescrt.dat", P, 0, Rule::kOk, OK},
    // RFC 4475 §3.3.15 names 406 Not Acceptable: the 200 must carry SDP, and
    // Accept rules SDP out.
    {"rfc4475/sdp01.dat", R, 406, Rule::kNotAcceptable, OK},
    // RFC 4475 §3.4: an RFC 2543 INVITE (no branch, no Max-Forwards) is processed.
    {"rfc4475/inv2543.dat", P, 0, Rule::kOk, OK},
    // RFC 5118.
    {"rfc5118/ipv6-good", P, 0, Rule::kOk, OK},
    {"rfc5118/ipv6-bad", R, 400, Rule::kBadRequestUri, OK},  // sip:2001:db8::10 without []
    {"rfc5118/port-ambiguous", P, 0, Rule::kOk, OK},  // valid address; the RFC's point is the reader's intent
    {"rfc5118/port-unambiguous", P, 0, Rule::kOk, OK},
    {"rfc5118/via-received-param-with-delim", P, 0, Rule::kOk, OK},
    {"rfc5118/via-received-param-no-delim", P, 0, Rule::kOk, OK},
    {"rfc5118/ipv6-in-sdp", P, 0, Rule::kOk, OK},
    {"rfc5118/mult-ip-in-header", P, 0, Rule::kOk, OK},
    {"rfc5118/mult-ip-in-sdp", P, 0, Rule::kOk, OK},
    {"rfc5118/ipv4-mapped-ipv6", P, 0, Rule::kOk, OK},
    {"rfc5118/ipv6-correct-abnf-2-colons", P, 0, Rule::kOk, OK},
    {"rfc5118/ipv6-bug-abnf-3-colons", R, 400, Rule::kBadRequestUri, OK},  // "2001:db8:::192.0.2.1"
};

class TortureTable : public ::testing::TestWithParam<Expect> {};

TEST_P(TortureTable, GetsTheVerdictTheRfcGives) {
  const Expect& e = GetParam();
  const Checked c = check(e.file);
  EXPECT_EQ(c.error, e.parse_error) << offload::parse_error_name(c.error);
  EXPECT_EQ(c.verdict.action, e.action) << c.verdict.detail;
  EXPECT_EQ(c.verdict.status, e.status) << c.verdict.detail;
  EXPECT_EQ(c.verdict.rule, e.rule) << rule_name(c.verdict.rule) << ": " << c.verdict.detail;
  if (e.action == R) {
    EXPECT_FALSE(c.verdict.reason_phrase.empty());
    EXPECT_FALSE(c.verdict.detail.empty());
  }
}

std::string test_name(const ::testing::TestParamInfo<Expect>& info) {
  std::string n = info.param.file;
  for (auto& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Rfc4475AndRfc5118, TortureTable, ::testing::ValuesIn(kTable), test_name);

TEST(TortureTableCoverage, ListsEveryFileOfBothCorporaOnce) {
  std::set<std::string> on_disk;
  for (const char* dir : {"rfc4475", "rfc5118"}) {
    for (const auto& f : std::filesystem::directory_iterator(std::string(SIPNIC_TESTDATA) + "/sip/" + dir)) {
      if (f.is_regular_file()) on_disk.insert(std::string(dir) + "/" + f.path().filename().string());
    }
  }
  std::set<std::string> in_table;
  for (const auto& e : kTable) EXPECT_TRUE(in_table.insert(e.file).second) << "listed twice: " << e.file;
  EXPECT_EQ(on_disk.size(), 61u);
  EXPECT_EQ(in_table, on_disk);
}

// ---- field values of the valid messages

TEST(TortureValues, WsinvDecodesThroughFoldsAndOddWhitespace) {
  const Checked c = check("rfc4475/wsinv.dat");
  const MessageView m = c.view();
  EXPECT_EQ(m.header(HeaderId::kCallId), "wsinv.ndaksdj@192.0.2.1");
  EXPECT_EQ(parse_name_addr(m.header(HeaderId::kTo))->tag(), "1918181833n");
  EXPECT_EQ(parse_name_addr(m.header(HeaderId::kFrom))->tag(), "98asjd8");
  const auto cseq = parse_cseq(m.header(HeaderId::kCSeq));
  ASSERT_TRUE(cseq);
  EXPECT_EQ(cseq->number, 9u);
  EXPECT_EQ(cseq->method, "INVITE");
  EXPECT_EQ(*parse_max_forwards(m.header(HeaderId::kMaxForwards)), 68u);
  EXPECT_EQ(m.count(HeaderId::kVia), 2u);
  const auto top = parse_via(*CommaValues(m.header(HeaderId::kVia)).next());
  ASSERT_TRUE(top);
  EXPECT_EQ(top->transport, "UDP");
  EXPECT_EQ(top->host, "192.0.2.2");
  EXPECT_EQ(top->branch(), "390skdjuw");
  CommaValues second(m.value(*std::next(m.all(HeaderId::kVia).begin())));
  const auto v2 = parse_via(*second.next());
  const auto v3 = parse_via(*second.next());
  EXPECT_EQ(v2->transport, "TCP");
  EXPECT_EQ(v2->branch(), "z9hG4bK9ikj8");
  EXPECT_EQ(v3->host, "192.168.255.111");
  EXPECT_EQ(v3->branch(), "z9hG4bK30239");
  EXPECT_EQ(m.body().size(), 150u);
  EXPECT_EQ(m.header("NewFangledHeader"), "newfangled value\r\n continued newfangled value");
}

TEST(TortureValues, Esc01DecodesEscapedUserParts) {
  const Checked c = check("rfc4475/esc01.dat");
  const MessageView m = c.view();
  EXPECT_EQ(*parse_uri(m.uri())->user_decoded(), "sips:user@example.com");
  EXPECT_EQ(*parse_uri(parse_name_addr(m.header(HeaderId::kTo))->uri)->user_decoded(), "user");
  EXPECT_EQ(*parse_uri(parse_name_addr(m.header(HeaderId::kFrom))->uri)->user_decoded(), "I have spaces");
  const auto contact = parse_uri(parse_name_addr(m.header(HeaderId::kContact))->uri);
  EXPECT_EQ(*contact->user_decoded(), "caller");
  EXPECT_EQ(m.header("c"), "application/sdp");  // compact "C:" found by id
}

TEST(TortureValues, EscnullKeepsEscapedNulInDecodedUser) {
  const Checked c = check("rfc4475/escnull.dat");
  const auto to = parse_uri(parse_name_addr(c.view().header(HeaderId::kTo))->uri);
  EXPECT_EQ(*to->user_decoded(), std::string("null-\0-null", 11));
  EXPECT_EQ(c.view().count(HeaderId::kContact), 2u);
}

TEST(TortureValues, LongreqIndexesAllHeaders) {
  const Checked c = check("rfc4475/longreq.dat");
  const MessageView m = c.view();
  EXPECT_EQ(m.headers().size(), 43u);
  EXPECT_EQ(m.count(HeaderId::kVia), 34u);
  EXPECT_EQ(parse_cseq(m.header(HeaderId::kCSeq))->number, 3882340u);
}

TEST(TortureValues, IntmethKeepsTheUnusualMethodAndUri) {
  const Checked c = check("rfc4475/intmeth.dat");
  const MessageView m = c.view();
  EXPECT_EQ(m.method(), "!interesting-Method0123456789_*+`.%indeed'~");
  const auto u = parse_uri(m.uri());
  ASSERT_TRUE(u) << u.error;
  EXPECT_EQ(u->user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  EXPECT_EQ(u->password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(parse_name_addr(m.header(HeaderId::kFrom))->tag(), "_token~1'+`*%!-.");
}

TEST(TortureValues, DblreqDatagramYieldsTheRegisterOnly) {
  const Checked c = check("rfc4475/dblreq.dat");
  EXPECT_EQ(c.out.messages.size(), 1u);
  EXPECT_EQ(c.view().method(), "REGISTER");
}

TEST(TortureValues, ResponsesWithOddReasonPhrases) {
  EXPECT_EQ(check("rfc4475/noreason.dat").view().reason(), "");
  const Checked u = check("rfc4475/unreason.dat");
  EXPECT_EQ(u.view().status(), 200);
  EXPECT_EQ(u.view().reason().substr(0, 14), "= 2**3 * 5**2 ");
}

TEST(TortureValues, Rfc5118HostsDecodeAsIpv6) {
  const Checked unamb = check("rfc5118/port-unambiguous");
  const auto ruri = parse_uri(unamb.view().uri());
  EXPECT_TRUE(ruri->host_is_ipv6);
  EXPECT_EQ(ruri->host, "2001:db8::10");
  EXPECT_EQ(ruri->port, 5070);
  const Checked amb_c = check("rfc5118/port-ambiguous");
  const auto amb = parse_uri(amb_c.view().uri());
  EXPECT_EQ(amb->host, "2001:db8::10:5070");
  EXPECT_FALSE(amb->has_port);

  const Checked mhc = check("rfc5118/mult-ip-in-header");
  const MessageView mh = mhc.view();
  std::vector<std::string> hosts;
  for (const auto& h : mh.all(HeaderId::kVia)) hosts.emplace_back(parse_via(mh.value(h))->host);
  EXPECT_EQ(hosts, (std::vector<std::string>{"2001:db8::9:1", "192.0.2.1", "2001:db8::9:255"}));
  EXPECT_EQ(parse_via(mh.header(HeaderId::kVia))->port, 6050);

  EXPECT_EQ(parse_via(check("rfc5118/via-received-param-with-delim").view().header(HeaderId::kVia))->received(),
            "2001:db8::9:255");
  EXPECT_EQ(parse_via(check("rfc5118/via-received-param-no-delim").view().header(HeaderId::kVia))->received(),
            "2001:db8::9:255");
  const Checked mapped_c = check("rfc5118/ipv4-mapped-ipv6");
  const MessageView mapped = mapped_c.view();
  EXPECT_EQ(parse_via(mapped.header(HeaderId::kVia))->host, "::ffff:192.0.2.10");
  EXPECT_EQ(parse_uri(parse_name_addr(mapped.header(HeaderId::kContact))->uri)->host, "::ffff:192.0.2.2");
  EXPECT_EQ(parse_uri(check("rfc5118/ipv6-correct-abnf-2-colons").view().uri())->host, "2001:db8::192.0.2.1");
}

// ---- verdict details and policy

TEST(Validate, BadExtensionListsEveryUnknownRequireTag) {
  const Checked c = check("rfc4475/bext01.dat");
  EXPECT_EQ(c.verdict.unsupported, "nothingSupportsThis, nothingSupportsThisEither");
  EXPECT_EQ(c.verdict.reason_phrase, "Bad Extension");
}

TEST(Validate, SupportedRequireTagsPass) {
  ValidationPolicy p;
  p.supported_option_tags = {"nothingSupportsThis", "nothingSupportsThisEither"};
  EXPECT_TRUE(check("rfc4475/bext01.dat", p).verdict.ok());
}

TEST(Validate, UnsupportedMediaTypeCarriesAccept) {
  const Checked c = check("rfc4475/invut.dat");
  EXPECT_EQ(c.verdict.accept, "application/sdp, multipart/mixed");
}

TEST(Validate, MissingHeadersAreNamed) {
  EXPECT_EQ(check("rfc4475/insuf.dat").verdict.detail, "missing mandatory header(s): To, From, Call-ID");
}

TEST(Validate, DuplicateSingletonIsNamed) {
  EXPECT_EQ(check("rfc4475/multi01.dat").verdict.detail, "more than one CSeq header");
  EXPECT_EQ(check("rfc4475/mcl01.dat").verdict.detail, "more than one Content-Length header");
}

TEST(Validate, ZeroMaxForwardsCanBeAnsweredLocallyByPolicy) {
  ValidationPolicy p;
  p.reject_zero_max_forwards = false;
  EXPECT_TRUE(check("rfc4475/zeromf.dat", p).verdict.ok());
}

// Validation of hand-made messages, to reach rules the corpus does not.
Verdict validate_text(const std::string& text, const ValidationPolicy& policy = {}) {
  offload::CpuSipParseEngine engine;
  offload::SipParseOutput out;
  const offload::SegmentDescriptor d{0, static_cast<std::uint32_t>(text.size()), 0};
  engine.parse({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, {&d, 1}, out);
  EXPECT_EQ(out.segments[0].error, 0);
  if (out.messages.empty()) return {};
  return validate(MessageView::from_batch(text, out.messages[0], out.headers), policy);
}

const std::string kInviteHead =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "From: <sip:alice@example.com>;tag=1\r\n"
    "Call-ID: x@y\r\n"
    "CSeq: 1 INVITE\r\n";

TEST(Validate, AcceptsMultipartMixedWithAnSdpPart) {
  const std::string body =
      "--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b1\r\nContent-Type: application/isup\r\n\r\nxx\r\n--b1--\r\n";
  const std::string msg = kInviteHead + "Content-Type: multipart/mixed;boundary=b1\r\n\r\n" + body;
  EXPECT_TRUE(validate_text(msg).ok());
  std::string no_sdp = msg;
  no_sdp.replace(no_sdp.find("application/sdp"), 15, "application/xml");
  EXPECT_EQ(validate_text(no_sdp).status, 415);
}

TEST(Validate, RejectsUnsupportedRequestUriSchemeAndAcceptsTel) {
  std::string tel = kInviteHead;
  tel.replace(7, 19, "tel:+15551234567");
  EXPECT_TRUE(validate_text(tel + "\r\n").ok()) << validate_text(tel + "\r\n").detail;
  std::string im = kInviteHead;
  im.replace(7, 19, "im:bob@example.com");
  EXPECT_EQ(validate_text(im + "\r\n").status, 416);
}

TEST(Validate, StatusCodeOutsideRangeIsDropped) {
  const Verdict v = validate_text(
      "SIP/2.0 700 Odd\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:a@b>;tag=1\r\n"
      "Call-ID: x\r\nCSeq: 1 INVITE\r\n\r\n");
  EXPECT_EQ(v.action, Action::kDrop);
  EXPECT_EQ(v.rule, Rule::kBadStatusCode);
}

TEST(Validate, BadAckIsDroppedNotAnswered) {
  const Verdict v = validate_text(
      "ACK sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\n"
      "From: <sip:a@b>;tag=1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n");
  EXPECT_EQ(v.rule, Rule::kCSeqMethodMismatch);
  EXPECT_EQ(v.action, Action::kDrop);
}

TEST(Validate, MaxForwardsAboveTwoFiftyFiveIsRejected) {
  EXPECT_EQ(validate_text(kInviteHead + "Max-Forwards: 256\r\n\r\n").rule, Rule::kBadMaxForwards);
  EXPECT_TRUE(validate_text(kInviteHead + "Max-Forwards: 255\r\n\r\n").ok());
}

TEST(Validate, ParseErrorVerdictDependsOnDirection) {
  EXPECT_EQ(verdict_for_parse_error(ParseError::kBareLf, true).status, 400);
  EXPECT_EQ(verdict_for_parse_error(ParseError::kBareLf, false).action, Action::kDrop);
  EXPECT_EQ(rule_name(Rule::kCSeqMethodMismatch), "cseq_method_mismatch");
}

}  // namespace
}  // namespace sipnic::sip
