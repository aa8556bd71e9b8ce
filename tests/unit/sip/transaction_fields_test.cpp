// decode_transaction_fields: the one-pass decoding of what a transaction layer
// needs must give exactly what the individual decoders give (values and
// errors), on the RFC 4475/5118 torture messages and the bench corpus.
#include "sip/transaction_fields.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "offload/cpu_sip_parse_engine.h"
#include "support/corpus.h"

namespace sipnic::sip {
namespace {

using offload::HeaderId;

struct Parsed {
  std::string bytes;
  offload::SipParseOutput out;
  bool ok() const { return out.segments[0].message_count == 1; }
  MessageView view() const { return MessageView::from_batch(bytes, out.messages[0], out.headers); }
};

Parsed parse(std::string bytes) {
  Parsed p;
  p.bytes = std::move(bytes);
  offload::CpuSipParseEngine engine;
  const offload::SegmentDescriptor d{0, static_cast<std::uint32_t>(p.bytes.size()), 0};
  engine.parse({reinterpret_cast<const std::uint8_t*>(p.bytes.data()), p.bytes.size()}, {&d, 1}, p.out);
  return p;
}

// The reference: the decoders called one by one, seven lookups, in the order
// decode_transaction_fields documents. Returns the same struct.
TransactionFields one_by_one(const MessageView& m) {
  TransactionFields f;
  const auto fail = [&](HeaderId id, std::string_view why) {
    f.error_header = id;
    f.error = why;
    return f;
  };
  if (!m.has(HeaderId::kVia)) return fail(HeaderId::kVia, "missing header");
  CommaValues vias(m.header(HeaderId::kVia));
  const auto top = vias.next();
  if (!top) return fail(HeaderId::kVia, vias.error().empty() ? std::string_view("empty Via") : vias.error());
  const auto via = parse_via(*top);
  if (!via) return fail(HeaderId::kVia, via.error);
  f.via = via.value;
  f.branch = via->branch();
  for (HeaderId id : {HeaderId::kFrom, HeaderId::kTo}) {
    if (!m.has(id)) return fail(id, "missing header");
    const auto na = parse_name_addr(m.header(id));
    if (!na) return fail(id, na.error);
    (id == HeaderId::kFrom ? f.from_tag : f.to_tag) = na->tag();
  }
  if (!m.has(HeaderId::kCallId)) return fail(HeaderId::kCallId, "missing header");
  f.call_id = m.header(HeaderId::kCallId);
  if (!m.has(HeaderId::kCSeq)) return fail(HeaderId::kCSeq, "missing header");
  const auto cseq = parse_cseq(m.header(HeaderId::kCSeq));
  if (!cseq) return fail(HeaderId::kCSeq, cseq.error);
  f.cseq = cseq.value;
  if (m.has(HeaderId::kMaxForwards)) {
    const auto mf = parse_max_forwards(m.header(HeaderId::kMaxForwards));
    if (!mf) return fail(HeaderId::kMaxForwards, mf.error);
    f.max_forwards = *mf;
    f.has_max_forwards = true;
  }
  if (m.has(HeaderId::kContentLength)) {
    const auto cl = parse_content_length(m.header(HeaderId::kContentLength));
    if (!cl) return fail(HeaderId::kContentLength, cl.error);
    f.content_length = *cl;
    f.has_content_length = true;
  }
  return f;
}

void expect_same(const TransactionFields& a, const TransactionFields& b, const std::string& what) {
  EXPECT_EQ(a.error_header, b.error_header) << what;
  EXPECT_EQ(a.error, b.error) << what;
  EXPECT_EQ(a.branch, b.branch) << what;
  EXPECT_EQ(a.via.host, b.via.host) << what;
  EXPECT_EQ(a.via.transport, b.via.transport) << what;
  EXPECT_EQ(a.via.port, b.via.port) << what;
  EXPECT_EQ(a.from_tag, b.from_tag) << what;
  EXPECT_EQ(a.to_tag, b.to_tag) << what;
  EXPECT_EQ(a.call_id, b.call_id) << what;
  EXPECT_EQ(a.cseq.number, b.cseq.number) << what;
  EXPECT_EQ(a.cseq.method, b.cseq.method) << what;
  EXPECT_EQ(a.max_forwards, b.max_forwards) << what;
  EXPECT_EQ(a.has_max_forwards, b.has_max_forwards) << what;
  EXPECT_EQ(a.content_length, b.content_length) << what;
  EXPECT_EQ(a.has_content_length, b.has_content_length) << what;
}

TEST(TransactionFields, DecodesEveryTransactionFieldOfAnInvite) {
  const Parsed p = parse(
      "INVITE sip:bob@example.com SIP/2.0\r\n"
      "v: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK-top;rport, SIP/2.0/TCP 192.0.2.2;branch=z9hG4bK-2\r\n"
      "Via: SIP/2.0/UDP 192.0.2.3;branch=z9hG4bK-3\r\n"
      "Max-Forwards: 70\r\n"
      "f: \"Alice, A.\" <sip:alice@example.com>;tag=a1\r\n"
      "To: <sip:bob@example.com>\r\n"
      "i: call-1@example.com\r\n"
      "CSeq: 42 INVITE\r\n"
      "l: 0\r\n"
      "\r\n");
  ASSERT_TRUE(p.ok());
  const TransactionFields f = decode_transaction_fields(p.view());
  ASSERT_TRUE(f.ok()) << f.error;
  EXPECT_EQ(f.branch, "z9hG4bK-top");
  EXPECT_EQ(f.via.host, "192.0.2.1");
  EXPECT_EQ(f.via.port, 5062);
  EXPECT_EQ(f.via.transport, "UDP");
  EXPECT_EQ(f.from.display_name, "\"Alice, A.\"");
  EXPECT_EQ(f.from_tag, "a1");
  EXPECT_EQ(f.to_tag, "");
  EXPECT_EQ(f.call_id, "call-1@example.com");
  EXPECT_EQ(f.cseq.number, 42u);
  EXPECT_EQ(f.cseq.method, "INVITE");
  EXPECT_TRUE(f.has_max_forwards);
  EXPECT_EQ(f.max_forwards, 70u);
  EXPECT_TRUE(f.has_content_length);
  EXPECT_EQ(f.content_length, 0u);
}

TEST(TransactionFields, OptionalHeadersMayBeAbsentMandatoryOnesMayNot) {
  const std::string base =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n"
      "Call-ID: c\r\nCSeq: 1 BYE\r\n";
  const Parsed ok = parse(base + "\r\n");
  const TransactionFields f = decode_transaction_fields(ok.view());
  ASSERT_TRUE(f.ok()) << f.error;
  EXPECT_FALSE(f.has_max_forwards);
  EXPECT_FALSE(f.has_content_length);
  EXPECT_EQ(f.to_tag, "2");

  const Parsed no_cseq = parse(base.substr(0, base.find("CSeq")) + "\r\n");
  const TransactionFields e = decode_transaction_fields(no_cseq.view());
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.error_header, HeaderId::kCSeq);
  EXPECT_EQ(e.error, "missing header");
}

TEST(TransactionFields, ReportsTheFirstBadHeaderWithTheDecodersReason) {
  const Parsed p = parse(
      "OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n"
      "Call-ID: c\r\nCSeq: 99999999999 OPTIONS\r\nMax-Forwards: 300\r\n\r\n");
  const TransactionFields f = decode_transaction_fields(p.view());
  EXPECT_EQ(f.error_header, HeaderId::kCSeq);
  EXPECT_EQ(f.error, parse_cseq("99999999999 OPTIONS").error);
}

// The equivalence that lets the bench (and the transaction layer) use the one
// pass: same values and same first error as the seven lookups, message by
// message, over every torture test that the engine indexes.
TEST(TransactionFields, MatchesTheIndividualDecodersOnTheTortureAndBenchCorpora) {
  std::size_t compared = 0, failing = 0;
  for (const char* dir : {"/sip/rfc4475", "/sip/rfc5118"}) {
    for (const std::string& file : test::read_message_files(std::string(SIPNIC_TESTDATA) + dir)) {
      const Parsed p = parse(file);
      if (!p.ok()) continue;
      const TransactionFields f = decode_transaction_fields(p.view());
      expect_same(f, one_by_one(p.view()), file.substr(0, file.find('\r')));
      ++compared;
      failing += f.ok() ? 0 : 1;
    }
  }
  for (const std::string& file : test::read_message_files(std::string(SIPNIC_SOURCE_DIR) + "/bench/corpus/trunk_mix")) {
    const Parsed p = parse(file);
    ASSERT_TRUE(p.ok());
    const TransactionFields f = decode_transaction_fields(p.view());
    EXPECT_TRUE(f.ok()) << f.error;
    expect_same(f, one_by_one(p.view()), file.substr(0, file.find('\r')));
    ++compared;
  }
  EXPECT_GT(compared, 50u);
  EXPECT_GT(failing, 0u);  // the torture tests do exercise the error paths
}

}  // namespace
}  // namespace sipnic::sip
