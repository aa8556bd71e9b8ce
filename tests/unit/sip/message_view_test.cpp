// MessageView over a parse batch: start line, header lookups by id and name,
// all instances, body; views of later messages of a stream segment.
#include "sip/message_view.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "offload/cpu_sip_parse_engine.h"

namespace sipnic::sip {
namespace {

using offload::HeaderId;

const std::string kStream =
    "\r\n"
    "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/TCP a;branch=z9hG4bK1\r\nv: SIP/2.0/TCP b;branch=z9hG4bK2\r\n"
    "To: <sip:b@x>;tag=9\r\nX-Custom: one\r\nx-custom: two\r\nContent-Length: 0\r\n\r\n"
    "MESSAGE sip:b@x SIP/2.0\r\nl: 5\r\nSubject:\r\nCall-ID: c1\r\n\r\nhello";

struct Batch {
  offload::SipParseOutput out;
  MessageView view(std::size_t i) const { return MessageView::from_batch(kStream, out.messages.at(i), out.headers); }
};

Batch parse_stream() {
  Batch b;
  offload::CpuSipParseEngine engine;
  const offload::SegmentDescriptor d{0, static_cast<std::uint32_t>(kStream.size()), offload::kSegmentStream};
  engine.parse({reinterpret_cast<const std::uint8_t*>(kStream.data()), kStream.size()}, {&d, 1}, b.out);
  EXPECT_EQ(b.out.segments[0].message_count, 2u);
  return b;
}

TEST(MessageView, ExposesStartLineOfResponsesAndRequests) {
  const Batch b = parse_stream();
  const MessageView r = b.view(0);
  EXPECT_FALSE(r.is_request());
  EXPECT_EQ(r.status(), 180);
  EXPECT_EQ(r.reason(), "Ringing");
  EXPECT_EQ(r.version(), "SIP/2.0");
  const MessageView q = b.view(1);
  EXPECT_TRUE(q.is_request());
  EXPECT_EQ(q.method(), "MESSAGE");
  EXPECT_EQ(q.uri(), "sip:b@x");
  EXPECT_EQ(q.body(), "hello");
  EXPECT_TRUE(q.has_content_length());
  EXPECT_EQ(q.bytes().substr(0, 7), "MESSAGE");
}

TEST(MessageView, FindsFirstAndAllInstancesById) {
  const Batch b = parse_stream();
  const MessageView r = b.view(0);
  EXPECT_EQ(r.header(HeaderId::kVia), "SIP/2.0/TCP a;branch=z9hG4bK1");
  std::vector<std::string_view> vias;
  for (const auto& h : r.all(HeaderId::kVia)) vias.push_back(r.value(h));
  EXPECT_EQ(vias, (std::vector<std::string_view>{"SIP/2.0/TCP a;branch=z9hG4bK1", "SIP/2.0/TCP b;branch=z9hG4bK2"}));
  EXPECT_EQ(r.count(HeaderId::kVia), 2u);
  EXPECT_EQ(r.find(HeaderId::kContact), nullptr);
  EXPECT_EQ(r.header(HeaderId::kContact), "");
}

TEST(MessageView, FindsByNameCaseInsensitivelyIncludingCompactForms) {
  const Batch b = parse_stream();
  const MessageView r = b.view(0);
  EXPECT_EQ(r.header("X-CUSTOM"), "one");
  EXPECT_EQ(r.header("v"), "SIP/2.0/TCP a;branch=z9hG4bK1");
  EXPECT_EQ(r.header("to"), "<sip:b@x>;tag=9");
  EXPECT_EQ(r.find("X-Missing"), nullptr);
  const MessageView q = b.view(1);
  EXPECT_EQ(q.header("Content-Length"), "5");
  ASSERT_NE(q.find(HeaderId::kSubject), nullptr);
  EXPECT_EQ(q.header(HeaderId::kSubject), "");
  EXPECT_EQ(q.find(HeaderId::kSubject)->flags & offload::kHeaderEmptyValue, offload::kHeaderEmptyValue);
  EXPECT_EQ(q.name(*q.find(HeaderId::kContentLength)), "l");
}

}  // namespace
}  // namespace sipnic::sip
