// CpuSipParseEngine: framing (datagram and stream), the header index it
// writes, and every error with its offset. The SSE2 and AVX2 kernels must
// produce byte-identical output (the offload contract).
#include "offload/cpu_sip_parse_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "support/corpus.h"

namespace sipnic::offload {
namespace {

struct Parsed {
  SipParseOutput out;
  std::string bytes;
  const SegmentResult& seg(std::size_t i = 0) const { return out.segments.at(i); }
  const MessageRecord& msg(std::size_t i) const { return out.messages.at(i); }
  std::string_view text(const MessageRecord& m, Span s) const {
    return std::string_view(bytes).substr(m.start + s.off, s.len);
  }
  std::string_view name(const MessageRecord& m, std::size_t h) const {
    const HeaderRecord& r = out.headers.at(m.first_header + h);
    return std::string_view(bytes).substr(m.start + r.name_off, r.name_len);
  }
  std::string_view value(const MessageRecord& m, std::size_t h) const {
    const HeaderRecord& r = out.headers.at(m.first_header + h);
    return std::string_view(bytes).substr(m.start + r.value_off, r.value_len);
  }
  const HeaderRecord& header(const MessageRecord& m, std::size_t h) const { return out.headers.at(m.first_header + h); }
};

Parsed parse(std::string bytes, std::uint32_t flags = 0, SipParseLimits limits = {},
             SimdLevel level = SimdLevel::kAvx2) {
  Parsed p;
  p.bytes = std::move(bytes);
  CpuSipParseEngine engine(limits, level);
  const SegmentDescriptor d{0, static_cast<std::uint32_t>(p.bytes.size()), flags};
  engine.parse({reinterpret_cast<const std::uint8_t*>(p.bytes.data()), p.bytes.size()}, {&d, 1}, p.out);
  return p;
}

ParseError error_of(const Parsed& p) { return static_cast<ParseError>(p.seg().error); }

std::string crlf(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '\n') o += '\r';
    o += c;
  }
  return o;
}

const std::string kInvite = crlf(
    "INVITE sip:bob@[2001:db8::10]:5070;transport=tcp SIP/2.0\n"
    "Via: SIP/2.0/TCP [2001:db8::9:1]:5060;branch=z9hG4bK-1\n"
    "v: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-2\n"
    "From: <sip:alice@example.com>;tag=a1\n"
    "t: <sip:bob@example.com>\n"
    "i: call-1@example.com\n"
    "CSeq: 1 INVITE\n"
    "Max-Forwards: 70\n"
    "Content-Type: application/sdp\n"
    "l: 5\n"
    "\n"
    "v=0\n");

const std::string kBye = crlf(
    "BYE sip:bob@example.com SIP/2.0\n"
    "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-3\n"
    "From: <sip:alice@example.com>;tag=a1\n"
    "To: <sip:bob@example.com>;tag=b1\n"
    "Call-ID: call-1@example.com\n"
    "CSeq: 2 BYE\n"
    "Content-Length: 0\n"
    "\n");

TEST(CpuSipParseEngine, IndexesRequestLineAndEveryHeaderOfADatagram) {
  const Parsed p = parse(kInvite);
  ASSERT_EQ(error_of(p), ParseError::kNone);
  ASSERT_EQ(p.seg().message_count, 1u);
  EXPECT_EQ(p.seg().consumed, kInvite.size());
  const MessageRecord& m = p.msg(0);
  EXPECT_EQ(m.flags, kMessageIsRequest | kMessageHasContentLength);
  EXPECT_EQ(p.text(m, m.method), "INVITE");
  EXPECT_EQ(p.text(m, m.uri), "sip:bob@[2001:db8::10]:5070;transport=tcp");
  EXPECT_EQ(p.text(m, m.version), "SIP/2.0");
  EXPECT_EQ(m.header_count, 9);
  EXPECT_EQ(m.body_len, 5u);
  EXPECT_EQ(m.total_len, kInvite.size());
  EXPECT_EQ(m.header_len + m.body_len, m.total_len);
  EXPECT_EQ(p.name(m, 0), "Via");
  EXPECT_EQ(p.value(m, 0), "SIP/2.0/TCP [2001:db8::9:1]:5060;branch=z9hG4bK-1");
  EXPECT_EQ(p.header(m, 1).id, static_cast<std::uint8_t>(HeaderId::kVia));
  EXPECT_EQ(p.header(m, 3).id, static_cast<std::uint8_t>(HeaderId::kTo));
  EXPECT_EQ(p.header(m, 8).id, static_cast<std::uint8_t>(HeaderId::kContentLength));
  EXPECT_EQ(p.value(m, 8), "5");
}

TEST(CpuSipParseEngine, ParsesStatusLineWithEmptyReason) {
  const Parsed p = parse(crlf("SIP/2.0 100 \nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n\n"));
  ASSERT_EQ(error_of(p), ParseError::kNone);
  const MessageRecord& m = p.msg(0);
  EXPECT_EQ(m.flags & kMessageIsRequest, 0);
  EXPECT_EQ(m.status_code, 100);
  EXPECT_EQ(p.text(m, m.version), "SIP/2.0");
  EXPECT_EQ(m.reason.len, 0u);
  EXPECT_EQ(m.method.len, 0u);
  EXPECT_EQ(m.uri.len, 0u);
}

TEST(CpuSipParseEngine, DatagramBodyIsRestWithoutContentLengthAndCappedWithIt) {
  const Parsed p = parse(crlf("MESSAGE sip:a@b SIP/2.0\nVia: x\n\nhello"));
  ASSERT_EQ(error_of(p), ParseError::kNone);
  EXPECT_EQ(p.msg(0).body_len, 5u);
  EXPECT_EQ(p.msg(0).flags & kMessageHasContentLength, 0);

  const std::string two = crlf("MESSAGE sip:a@b SIP/2.0\nContent-Length: 2\n\nhello");
  const Parsed q = parse(two);
  ASSERT_EQ(error_of(q), ParseError::kNone);
  EXPECT_EQ(q.msg(0).body_len, 2u);
  EXPECT_EQ(q.seg().consumed, two.size() - 3);  // the excess is not part of the message
}

TEST(CpuSipParseEngine, DatagramWithShortBodyIsTruncatedAtBodyStart) {
  const std::string head = crlf("INVITE sip:a@b SIP/2.0\nContent-Length: 10\n\n");
  const Parsed p = parse(head + "abc");
  EXPECT_EQ(error_of(p), ParseError::kBodyTruncated);
  EXPECT_EQ(p.seg().error_offset, head.size());
  EXPECT_EQ(p.seg().message_count, 0u);
  EXPECT_TRUE(p.out.headers.empty());
}

TEST(CpuSipParseEngine, DatagramHoldsOneMessageOnly) {
  const Parsed p = parse(kBye + kBye);
  ASSERT_EQ(error_of(p), ParseError::kNone);
  EXPECT_EQ(p.seg().message_count, 1u);
  EXPECT_EQ(p.seg().consumed, kBye.size());
}

TEST(CpuSipParseEngine, StreamWithoutContentLengthIsAnErrorAtMessageStart) {
  const std::string first = kBye;
  const Parsed p = parse(first + crlf("OPTIONS sip:a@b SIP/2.0\nVia: x\n\n"), kSegmentStream);
  EXPECT_EQ(error_of(p), ParseError::kMissingContentLength);
  EXPECT_EQ(p.seg().error_offset, first.size());
  EXPECT_EQ(p.seg().message_count, 1u);  // the complete first message stands
  EXPECT_EQ(p.seg().consumed, first.size());
}

TEST(CpuSipParseEngine, StreamFindsCoalescedMessagesAndSkipsKeepalives) {
  const std::string s = "\r\n\r\n" + kInvite + "\r\n\r\n" + kBye + "\r\n";
  const Parsed p = parse(s, kSegmentStream);
  ASSERT_EQ(error_of(p), ParseError::kNone);
  ASSERT_EQ(p.seg().message_count, 2u);
  EXPECT_EQ(p.seg().consumed, s.size());
  EXPECT_EQ(p.msg(0).start, 4u);
  EXPECT_EQ(p.msg(1).start, 4u + kInvite.size() + 4u);
  EXPECT_EQ(p.text(p.msg(1), p.msg(1).method), "BYE");
  EXPECT_EQ(p.msg(1).first_header, p.msg(0).header_count);
}

TEST(CpuSipParseEngine, StreamStopsBeforeAnIncompleteMessageWithoutError) {
  const std::string s = kInvite + kBye.substr(0, 40);
  const Parsed p = parse(s, kSegmentStream);
  EXPECT_EQ(error_of(p), ParseError::kNone);
  EXPECT_EQ(p.seg().message_count, 1u);
  EXPECT_EQ(p.seg().consumed, kInvite.size());
  EXPECT_EQ(p.out.headers.size(), p.msg(0).header_count);  // no records of the partial one

  // Headers complete, body not yet there.
  const Parsed q = parse(kInvite.substr(0, kInvite.size() - 1), kSegmentStream);
  EXPECT_EQ(error_of(q), ParseError::kNone);
  EXPECT_EQ(q.seg().message_count, 0u);
  EXPECT_EQ(q.seg().consumed, 0u);
}

// A connection receives the two-message stream in two reads cut at every
// offset; whatever the cut, the host sees each message exactly once, whole.
TEST(CpuSipParseEngine, StreamCutAtEveryOffsetYieldsTheSameMessagesOnce) {
  const std::string stream = kInvite + "\r\n\r\n" + kBye;
  CpuSipParseEngine engine;
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    std::string pending;
    std::vector<std::string> seen;
    for (const std::string& chunk : {stream.substr(0, cut), stream.substr(cut)}) {
      pending += chunk;
      SipParseOutput out;
      const SegmentDescriptor d{0, static_cast<std::uint32_t>(pending.size()), kSegmentStream};
      engine.parse({reinterpret_cast<const std::uint8_t*>(pending.data()), pending.size()}, {&d, 1}, out);
      ASSERT_EQ(out.segments[0].error, 0) << "cut " << cut;
      for (std::uint32_t i = 0; i < out.segments[0].message_count; ++i) {
        const MessageRecord& m = out.messages[out.segments[0].first_message + i];
        seen.push_back(pending.substr(m.start, m.total_len));
      }
      pending.erase(0, out.segments[0].consumed);
    }
    ASSERT_EQ(seen.size(), 2u) << "cut " << cut;
    EXPECT_EQ(seen[0], kInvite) << "cut " << cut;
    EXPECT_EQ(seen[1], kBye) << "cut " << cut;
    EXPECT_TRUE(pending.empty()) << "cut " << cut;
  }
}

// The resume point: a stream segment whose last message has its header
// block but not all of its body says how long that message is, measured
// from `consumed`; a header block still incomplete, a complete segment, an
// error and a datagram say 0.
TEST(CpuSipParseEngine, StreamResumePointIsTheTotalLengthOfAMessageWithItsHeaderBlock) {
  const std::uint32_t header_len = static_cast<std::uint32_t>(kInvite.size() - 5);  // "v=0\r\n" is the body
  for (std::size_t cut = 0; cut <= kInvite.size(); ++cut) {
    const Parsed p = parse("\r\n" + kBye + "\r\n" + kInvite.substr(0, cut), kSegmentStream);
    ASSERT_EQ(error_of(p), ParseError::kNone) << "cut " << cut;
    const bool complete = cut == kInvite.size();
    EXPECT_EQ(p.seg().message_count, complete ? 2u : 1u) << "cut " << cut;
    EXPECT_EQ(p.seg().consumed, 2 + kBye.size() + 2 + (complete ? kInvite.size() : 0)) << "cut " << cut;
    const std::uint32_t want = !complete && cut >= header_len ? static_cast<std::uint32_t>(kInvite.size()) : 0u;
    EXPECT_EQ(p.seg().pending_total_len, want) << "cut " << cut;
  }
  // Errors and datagrams have no resume point.
  EXPECT_EQ(parse(kInvite.substr(0, kInvite.size() - 1)).seg().pending_total_len, 0u);
  const std::string no_cl = "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n";
  EXPECT_EQ(parse(no_cl, kSegmentStream).seg().pending_total_len, 0u);
  const std::string too_large = "OPTIONS sip:a@b SIP/2.0\r\nl: 100\r\n\r\n";
  const Parsed big = parse(too_large, kSegmentStream, SipParseLimits{64});
  EXPECT_EQ(error_of(big), ParseError::kMessageTooLarge);
  EXPECT_EQ(big.seg().pending_total_len, 0u);
  // Within the limit: the resume point may be up to max_message_bytes.
  const Parsed edge = parse(too_large, kSegmentStream, SipParseLimits{static_cast<std::uint32_t>(too_large.size()) + 100});
  EXPECT_EQ(error_of(edge), ParseError::kNone);
  EXPECT_EQ(edge.seg().pending_total_len, too_large.size() + 100);
}

TEST(CpuSipParseEngine, ReportsBareLfAtItsOffset) {
  const std::string head = "OPTIONS sip:a@b SIP/2.0\r\nVia: x";
  const Parsed p = parse(head + "\nTo: y\r\n\r\n");
  EXPECT_EQ(error_of(p), ParseError::kBareLf);
  EXPECT_EQ(p.seg().error_offset, head.size());

  const Parsed q = parse("OPTIONS sip:a@b SIP/2.0\nVia: x\r\n\r\n");
  EXPECT_EQ(error_of(q), ParseError::kBareLf);
  EXPECT_EQ(q.seg().error_offset, 23u);

  // An empty line made of a bare LF.
  const Parsed r = parse("OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\n");
  EXPECT_EQ(error_of(r), ParseError::kBareLf);
  EXPECT_EQ(r.seg().error_offset, 33u);
}

TEST(CpuSipParseEngine, RejectsMalformedStartLines) {
  for (const char* line : {"INVITE sip:a@b", "INVITE sip:a@b HTTP/1.1", "INVITE  SIP/2.0", "SIP/2.0 4294967301 big",
                           "SIP/2.0 20 OK", "SIP/2.0 2000 OK", "SIP/x.0 200 OK", "IN(VITE sip:a@b SIP/2.0",
                           " INVITE sip:a@b SIP/2.0", "INVITE sip:a@b SIP/2."}) {
    const Parsed p = parse(std::string(line) + "\r\nVia: x\r\n\r\n");
    EXPECT_EQ(error_of(p), ParseError::kBadStartLine) << line;
    EXPECT_EQ(p.seg().error_offset, 0u) << line;
  }
}

TEST(CpuSipParseEngine, KeepsExtraStartLineWhitespaceForValidationToName) {
  // RFC 4475 lwsstart/trws: framing is fine, the spans show the whitespace.
  const Parsed p = parse("INVITE  sip:a@b  SIP/2.0  \r\nVia: x\r\n\r\n");
  ASSERT_EQ(error_of(p), ParseError::kNone);
  EXPECT_EQ(p.text(p.msg(0), p.msg(0).uri), " sip:a@b ");
  EXPECT_EQ(p.text(p.msg(0), p.msg(0).version), "SIP/2.0");
}

TEST(CpuSipParseEngine, RejectsHeaderLinesWithoutColonOrWithBadNames) {
  const std::string head = "OPTIONS sip:a@b SIP/2.0\r\n";
  for (const char* line : {"NoColonHere", "Bad Name: x", ": empty name", "Na(me: x"}) {
    const Parsed p = parse(head + line + "\r\n\r\n");
    EXPECT_EQ(error_of(p), ParseError::kBadHeaderLine) << line;
    EXPECT_EQ(p.seg().error_offset, head.size()) << line;
  }
  // A continuation line with nothing to continue.
  const Parsed q = parse(head + " folded: x\r\n\r\n");
  EXPECT_EQ(error_of(q), ParseError::kBadHeaderLine);
  // A datagram that ends before the blank line.
  const Parsed r = parse(head + "Via: x\r\n");
  EXPECT_EQ(error_of(r), ParseError::kBadHeaderLine);
  EXPECT_EQ(r.seg().error_offset, head.size() + 8);
}

TEST(CpuSipParseEngine, RejectsControlBytesUnlessQuotedPair) {
  const std::string head = "OPTIONS sip:a@b SIP/2.0\r\nTo: \"x";
  std::string bad = head + std::string(1, '\0') + "\"\r\n\r\n";
  const Parsed p = parse(bad);
  EXPECT_EQ(error_of(p), ParseError::kBadBytes);
  EXPECT_EQ(p.seg().error_offset, head.size());

  // RFC 4475 intmeth: NUL, BEL and DEL escaped as quoted-pairs are legal.
  std::string ok = head + "\\" + std::string(1, '\0') + "\\\x07\\\x7f\"\r\n\r\n";
  EXPECT_EQ(error_of(parse(ok)), ParseError::kNone);

  // NUL in the start line, CR inside a line.
  const Parsed q = parse(std::string("OPTIONS sip:a@b\0 SIP/2.0\r\n\r\n", 28));
  EXPECT_EQ(error_of(q), ParseError::kBadBytes);
  EXPECT_EQ(q.seg().error_offset, 15u);
  const Parsed r = parse("OPTIONS sip:a@b SIP/2.0\r\nVia: a\rb\r\n\r\n");
  EXPECT_EQ(error_of(r), ParseError::kBadBytes);
  EXPECT_EQ(r.seg().error_offset, 31u);
}

TEST(CpuSipParseEngine, ValidatesContentLength) {
  const std::string head = "INVITE sip:a@b SIP/2.0\r\nContent-Length: ";
  for (const char* v : {"-999", "abc", "1 2", "4294967296", "99999999999999999999999", ""}) {
    const Parsed p = parse(head + v + "\r\n\r\n");
    EXPECT_EQ(error_of(p), ParseError::kBadContentLength) << v;
    EXPECT_EQ(p.seg().error_offset, std::string_view(v).empty() ? head.size() - 1 : head.size()) << v;
  }
  const Parsed big = parse(head + "70000\r\n\r\n");
  EXPECT_EQ(error_of(big), ParseError::kMessageTooLarge);
  EXPECT_EQ(big.seg().error_offset, head.size());
  const Parsed zeros = parse(head + "0000\r\n\r\n");
  EXPECT_EQ(error_of(zeros), ParseError::kNone);
}

TEST(CpuSipParseEngine, EnforcesMaxMessageBytes) {
  const SipParseLimits small{64};
  std::string long_header = "OPTIONS sip:a@b SIP/2.0\r\nSubject: " + std::string(100, 'x') + "\r\n\r\n";
  EXPECT_EQ(error_of(parse(long_header, 0, small)), ParseError::kHeaderTooLong);
  EXPECT_EQ(error_of(parse(long_header, kSegmentStream, small)), ParseError::kHeaderTooLong);
  // A stream shorter than the limit without a blank line is just incomplete.
  const Parsed part = parse("OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n", kSegmentStream, small);
  EXPECT_EQ(error_of(part), ParseError::kNone);
  EXPECT_EQ(part.seg().consumed, 0u);
  // Headers fit, headers + datagram body do not.
  const std::string msg = "OPTIONS sip:a@b SIP/2.0\r\n\r\n" + std::string(60, 'b');
  EXPECT_EQ(error_of(parse(msg, 0, small)), ParseError::kMessageTooLarge);
}

TEST(CpuSipParseEngine, LimitsHeaderCount) {
  std::string m = "OPTIONS sip:a@b SIP/2.0\r\n";
  for (std::uint32_t i = 0; i < kMaxHeadersPerMessage; ++i) m += "X: y\r\n";
  const std::size_t at = m.size();
  EXPECT_EQ(error_of(parse(m + "\r\n")), ParseError::kNone);
  const Parsed p = parse(m + "X: y\r\n\r\n");
  EXPECT_EQ(error_of(p), ParseError::kTooManyHeaders);
  EXPECT_EQ(p.seg().error_offset, at);
}

TEST(CpuSipParseEngine, MapsEveryCompactFormAndFlagsIt) {
  const std::pair<char, HeaderId> forms[] = {
      {'i', HeaderId::kCallId},         {'m', HeaderId::kContact},       {'e', HeaderId::kContentEncoding},
      {'l', HeaderId::kContentLength},  {'c', HeaderId::kContentType},   {'f', HeaderId::kFrom},
      {'s', HeaderId::kSubject},        {'k', HeaderId::kSupported},     {'t', HeaderId::kTo},
      {'v', HeaderId::kVia},            {'o', HeaderId::kEvent},         {'r', HeaderId::kReferTo},
      {'b', HeaderId::kReferredBy},     {'u', HeaderId::kAllowEvents},   {'x', HeaderId::kSessionExpires},
      {'a', HeaderId::kAcceptContact},
  };
  std::string m = "OPTIONS sip:a@b SIP/2.0\r\n";
  for (const auto& [c, id] : forms) m += std::string(1, static_cast<char>(c - 'a' + 'A')) + ": 0\r\n";
  const Parsed p = parse(m + "\r\n");
  ASSERT_EQ(error_of(p), ParseError::kNone);
  ASSERT_EQ(p.msg(0).header_count, std::size(forms));
  for (std::size_t i = 0; i < std::size(forms); ++i) {
    EXPECT_EQ(p.header(p.msg(0), i).id, static_cast<std::uint8_t>(forms[i].second)) << forms[i].first;
    EXPECT_TRUE(p.header(p.msg(0), i).flags & kHeaderCompactName) << forms[i].first;
  }
}

TEST(CpuSipParseEngine, FoldedValueIsOneRecordSpanningItsLines) {
  const std::string m =
      "INVITE sip:a@b SIP/2.0\r\n"
      "TO :\r\n sip:vivek@example.com ;   tag    = 1918\r\n"
      "Subject: first  \r\n\t second \r\n"
      "s :\r\n"
      "CSeq: 0009\r\n  INVITE\r\n"
      "\r\n";
  const Parsed p = parse(m);
  ASSERT_EQ(error_of(p), ParseError::kNone);
  const MessageRecord& r = p.msg(0);
  ASSERT_EQ(r.header_count, 4);
  EXPECT_EQ(p.name(r, 0), "TO");
  EXPECT_EQ(p.header(r, 0).id, static_cast<std::uint8_t>(HeaderId::kTo));
  EXPECT_EQ(p.value(r, 0), "sip:vivek@example.com ;   tag    = 1918");
  EXPECT_EQ(p.header(r, 0).flags, kHeaderFolded);
  EXPECT_EQ(p.value(r, 1), "first  \r\n\t second");
  EXPECT_EQ(p.header(r, 1).flags, kHeaderFolded);
  EXPECT_EQ(p.value(r, 2), "");
  EXPECT_EQ(p.header(r, 2).flags, kHeaderEmptyValue | kHeaderCompactName);
  EXPECT_EQ(p.value(r, 3), "0009\r\n  INVITE");
}

TEST(CpuSipParseEngine, FlagsSecondInstanceOfSingletonsOnly) {
  const Parsed p = parse(
      "INVITE sip:a@b SIP/2.0\r\nTo: a\r\nVia: 1\r\nt: b\r\nVia: 2\r\nContent-Length: 0\r\nl: 5\r\n\r\n");
  ASSERT_EQ(error_of(p), ParseError::kNone);
  const MessageRecord& r = p.msg(0);
  EXPECT_EQ(p.header(r, 0).flags & kHeaderDuplicateSingleton, 0);
  EXPECT_EQ(p.header(r, 2).flags & kHeaderDuplicateSingleton, kHeaderDuplicateSingleton);
  EXPECT_EQ(p.header(r, 3).flags & kHeaderDuplicateSingleton, 0);  // Via may repeat
  EXPECT_EQ(p.header(r, 5).flags & kHeaderDuplicateSingleton, kHeaderDuplicateSingleton);
  EXPECT_EQ(r.body_len, 0u);  // the first Content-Length frames the message
}

TEST(CpuSipParseEngine, WritesZeroPaddingAndReservedFields) {
  const Parsed p = parse(kInvite + "garbage", 0);
  for (const auto& m : p.out.messages) {
    EXPECT_EQ(m.reserved0, 0);
    EXPECT_EQ(m.reserved1, 0);
    EXPECT_EQ(m.reserved2, 0u);
  }
  for (const auto& s : p.out.segments) {
    EXPECT_EQ(s.reserved0[0] | s.reserved0[1] | s.reserved0[2], 0);
    EXPECT_EQ(s.reserved1[0] | s.reserved1[1], 0u);
  }
}

TEST(CpuSipParseEngine, IndexesSeveralSegmentsOfOneBatch) {
  const std::string buf = kBye + "XXXX" + kInvite + "INVALID\r\n\r\n";
  const SegmentDescriptor d[] = {
      {0, static_cast<std::uint32_t>(kBye.size()), 0},
      {kBye.size() + 4, static_cast<std::uint32_t>(kInvite.size()), kSegmentStream},
      {kBye.size() + 4 + kInvite.size(), 11, 0},
      {buf.size(), 1, 0},  // outside the buffer
  };
  CpuSipParseEngine engine;
  SipParseOutput out;
  engine.parse({reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size()}, d, out);
  ASSERT_EQ(out.segments.size(), 4u);
  EXPECT_EQ(out.segments[0].message_count, 1u);
  EXPECT_EQ(out.segments[1].first_message, 1u);
  EXPECT_EQ(out.segments[1].message_count, 1u);
  EXPECT_EQ(out.messages[1].start, 0u);  // relative to its segment
  EXPECT_EQ(out.messages[1].first_header, out.messages[0].header_count);
  EXPECT_EQ(out.segments[2].error, static_cast<std::uint8_t>(ParseError::kBadStartLine));
  EXPECT_EQ(out.segments[2].first_message, 2u);
  EXPECT_EQ(out.segments[3].error, static_cast<std::uint8_t>(ParseError::kBadBytes));
}

TEST(CpuSipParseEngine, SkipsLeadingCrlfAndAcceptsEmptyDatagrams) {
  const Parsed p = parse("\r\n\r\n" + kBye);
  EXPECT_EQ(p.seg().message_count, 1u);
  EXPECT_EQ(p.msg(0).start, 4u);
  const Parsed e = parse("\r\n\r\n");
  EXPECT_EQ(error_of(e), ParseError::kNone);
  EXPECT_EQ(e.seg().message_count, 0u);
  EXPECT_EQ(e.seg().consumed, 4u);
}

std::vector<std::string> corpus_files() { return test::rfc_torture_messages(SIPNIC_TESTDATA); }

template <typename T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// The offload contract in miniature: both classification kernels give the
// same bytes for the whole corpus, as datagrams and as one stream.
TEST(CpuSipParseEngine, Sse2AndAvx2KernelsProduceIdenticalOutput) {
  const auto files = corpus_files();
  ASSERT_EQ(files.size(), 61u);
  std::string buf;
  std::vector<SegmentDescriptor> segs;
  for (const auto& f : files) {
    segs.push_back({buf.size(), static_cast<std::uint32_t>(f.size()), 0});
    segs.push_back({buf.size(), static_cast<std::uint32_t>(f.size()), kSegmentStream});
    buf += f;
  }
  segs.push_back({0, static_cast<std::uint32_t>(buf.size()), kSegmentStream});
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size());
  CpuSipParseEngine sse2({}, SimdLevel::kSse2);
  CpuSipParseEngine avx2({}, SimdLevel::kAvx2);
  SipParseOutput a, b;
  sse2.parse(bytes, segs, a);
  avx2.parse(bytes, segs, b);
  EXPECT_TRUE(same_bytes(a.segments, b.segments));
  EXPECT_TRUE(same_bytes(a.messages, b.messages));
  EXPECT_TRUE(same_bytes(a.headers, b.headers));
  EXPECT_GT(a.messages.size(), 61u);
}


// The engine's own header-name table must agree with header_id_from_name for
// every known name in any letter case, for near misses, and for compact forms.
TEST(CpuSipParseEngine, MapsHeaderNamesInAnyCaseExactlyAsSipIndexDoes) {
  std::vector<std::string> names;
  for (unsigned id = 1; id < static_cast<unsigned>(HeaderId::kCount); ++id) {
    const std::string n(header_name(static_cast<HeaderId>(id)));
    std::string upper = n, lower = n, mixed = n;
    for (std::size_t i = 0; i < n.size(); ++i) {
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(n[i])));
      lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(n[i])));
      if (i % 2 == 0) mixed[i] = upper[i];
    }
    names.insert(names.end(), {n, upper, lower, mixed, n + "x", n.substr(0, n.size() - 1), "X" + n.substr(1)});
    std::string dash = n;
    for (char& c : dash) c = c == '-' ? '_' : c;  // '-' must match exactly, not case-folded
    names.push_back(dash);
  }
  for (char c = 'a'; c <= 'z'; ++c) names.push_back(std::string(1, c));
  for (char c = 'A'; c <= 'Z'; ++c) names.push_back(std::string(1, c));
  SipParseLimits limits;
  limits.max_message_bytes = 1u << 20;
  // More lines than one message may have: parse them in groups.
  for (std::size_t first = 0; first < names.size(); first += 200) {
    std::string part = "OPTIONS sip:a@b SIP/2.0\r\n";
    const std::size_t end = std::min(names.size(), first + 200);
    for (std::size_t i = first; i < end; ++i) part += names[i] + ": 0\r\n";  // "0" frames as Content-Length
    part += "\r\n";
    const Parsed p = parse(part, 0, limits);
    ASSERT_EQ(error_of(p), ParseError::kNone);
    const MessageRecord& m = p.msg(0);
    ASSERT_EQ(m.header_count, end - first);
    for (std::size_t i = first; i < end; ++i) {
      EXPECT_EQ(p.header(m, i - first).id, static_cast<std::uint8_t>(header_id_from_name(names[i]))) << names[i];
    }
  }
}

std::string trunk_mix_stream() {
  std::string stream;
  for (const auto& m : test::read_message_files(std::string(SIPNIC_SOURCE_DIR) + "/bench/corpus/trunk_mix")) stream += m;
  return stream;
}

// One message as the host sees it: its bytes, its record with the stream
// position instead of the segment offset, and its header records.
struct SeenMessage {
  std::string bytes;
  MessageRecord record;
  std::vector<HeaderRecord> headers;
};

// Parses one read the way a stream transport does: the bytes kept from the
// previous read come first; what the engine did not consume is kept again.
void read_into(CpuSipParseEngine& engine, std::string& pending, std::size_t& stream_pos, std::string_view chunk,
               std::vector<SeenMessage>& seen) {
  pending.append(chunk);
  SipParseOutput out;
  const SegmentDescriptor d{0, static_cast<std::uint32_t>(pending.size()), kSegmentStream};
  engine.parse({reinterpret_cast<const std::uint8_t*>(pending.data()), pending.size()}, {&d, 1}, out);
  ASSERT_EQ(out.segments[0].error, 0);
  for (std::uint32_t i = 0; i < out.segments[0].message_count; ++i) {
    MessageRecord m = out.messages[out.segments[0].first_message + i];
    SeenMessage s{pending.substr(m.start, m.total_len), m, {}};
    s.headers.assign(out.headers.begin() + m.first_header, out.headers.begin() + m.first_header + m.header_count);
    s.record.start = static_cast<std::uint32_t>(stream_pos + m.start);
    s.record.first_header = 0;
    seen.push_back(std::move(s));
  }
  stream_pos += out.segments[0].consumed;
  pending.erase(0, out.segments[0].consumed);
}

// Differential: the trunk-mix corpus as one TCP stream, cut at every byte
// offset into two reads, gives exactly the messages and header records of
// parsing the whole stream at once, whatever the cut and whichever kernel.
TEST(CpuSipParseEngine, TrunkMixStreamCutAtEveryOffsetMatchesTheWholeStream) {
  const std::string stream = trunk_mix_stream();
  ASSERT_GT(stream.size(), 4000u);
  for (SimdLevel level : {SimdLevel::kSse2, SimdLevel::kAvx2}) {
    CpuSipParseEngine engine({}, level);
    std::vector<SeenMessage> whole;
    std::string pending;
    std::size_t pos = 0;
    read_into(engine, pending, pos, stream, whole);
    ASSERT_EQ(whole.size(), 9u);
    ASSERT_TRUE(pending.empty());
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
      std::vector<SeenMessage> seen;
      std::string kept;
      std::size_t at = 0;
      read_into(engine, kept, at, std::string_view(stream).substr(0, cut), seen);
      read_into(engine, kept, at, std::string_view(stream).substr(cut), seen);
      ASSERT_EQ(seen.size(), whole.size()) << "cut " << cut;
      EXPECT_TRUE(kept.empty()) << "cut " << cut;
      for (std::size_t i = 0; i < whole.size(); ++i) {
        ASSERT_EQ(seen[i].bytes, whole[i].bytes) << "cut " << cut << " message " << i;
        ASSERT_EQ(std::memcmp(&seen[i].record, &whole[i].record, sizeof(MessageRecord)), 0)
            << "cut " << cut << " message " << i;
        ASSERT_TRUE(same_bytes(seen[i].headers, whole[i].headers)) << "cut " << cut << " message " << i;
      }
    }
  }
}

}  // namespace
}  // namespace sipnic::offload
