#include "sip/response_builder.h"

#include <gtest/gtest.h>

#include "offload/cpu_sip_parse_engine.h"

namespace sipnic::sip {
namespace {

SipMessage parse_one(const std::string& text) {
  offload::CpuSipParseEngine engine;
  offload::SipParseOutput out;
  offload::SegmentDescriptor seg{0, static_cast<std::uint32_t>(text.size()), 0};
  engine.parse({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, {&seg, 1}, out);
  EXPECT_EQ(out.segments[0].error, 0);
  EXPECT_EQ(out.segments[0].message_count, 1u);
  return SipMessage::from_batch(text, out.messages[0], out.headers);
}

const std::string kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776;rport\r\n"
    "v: SIP/2.0/UDP proxy.example.com:5070;branch=z9hG4bK2\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Alice\" <sip:alice@example.com>;tag=1928\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";

TEST(BuildResponse, CopiesViasFromToCallIdCSeqAndAddsTheToTag) {
  SipMessage req = parse_one(kInvite);
  auto src = core::SocketAddress::from_ip("192.0.2.4", 6000);
  std::string r = build_response(req, 486, {}, {.to_tag = "xyz", .source = &*src});
  EXPECT_EQ(r.substr(0, r.find("\r\n")), "SIP/2.0 486 Busy Here");
  EXPECT_NE(r.find("Via: SIP/2.0/UDP pc33.example.com;received=192.0.2.4;branch=z9hG4bK776;rport=6000\r\n"),
            std::string::npos) << r;
  EXPECT_NE(r.find("Via: SIP/2.0/UDP proxy.example.com:5070;branch=z9hG4bK2\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("From: \"Alice\" <sip:alice@example.com>;tag=1928\r\n"), std::string::npos);
  EXPECT_NE(r.find("To: <sip:bob@example.com>;tag=xyz\r\n"), std::string::npos);
  EXPECT_NE(r.find("Call-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\n"), std::string::npos);
  EXPECT_EQ(r.substr(r.size() - 21), "Content-Length: 0\r\n\r\n");
}

TEST(BuildResponse, TryingCarriesNoToTagAndExistingTagIsKept) {
  SipMessage req = parse_one(kInvite);
  std::string trying = build_response(req, 100, {}, {.to_tag = "xyz"});
  EXPECT_NE(trying.find("To: <sip:bob@example.com>\r\n"), std::string::npos);
  std::string in_dialog = kInvite;
  in_dialog.replace(in_dialog.find("To: <sip:bob@example.com>"), 25, "To: <sip:bob@example.com>;tag=old");
  SipMessage req2 = parse_one(in_dialog);
  std::string r = build_response(req2, 200, {}, {.to_tag = "new"});
  EXPECT_NE(r.find("To: <sip:bob@example.com>;tag=old\r\n"), std::string::npos) << r;
  EXPECT_EQ(r.find("tag=new"), std::string::npos);
}

TEST(BuildResponse, BodyGetsContentTypeAndLength) {
  SipMessage req = parse_one(kInvite);
  std::string r = build_response(req, 200, "OK", {.to_tag = "t", .content_type = "application/sdp", .body = "v=0\r\n"});
  EXPECT_NE(r.find("Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n"), std::string::npos) << r;
}

TEST(BuildResponseFromRaw, AnswersARequestTheParserRefused) {
  std::string raw = kInvite;
  raw.replace(raw.find("Content-Length: 0"), 17, "Content-Length: -5");
  auto r = build_response_from_raw(raw, 400, "Bad Request (bad Content-Length)", nullptr);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->substr(0, r->find("\r\n")), "SIP/2.0 400 Bad Request (bad Content-Length)");
  EXPECT_NE(r->find("Via: SIP/2.0/UDP proxy.example.com:5070;branch=z9hG4bK2\r\n"), std::string::npos);
  EXPECT_NE(r->find("Call-ID: a84b4c76e66710\r\n"), std::string::npos);
}

TEST(BuildResponseFromRaw, NeverAnswersResponsesAcksOrHeaderlessBytes) {
  EXPECT_FALSE(build_response_from_raw("SIP/2.0 200 OK\r\nVia: x\r\n\r\n", 400, {}, nullptr));
  std::string ack = kInvite;
  ack.replace(0, 6, "ACK   ");
  EXPECT_FALSE(build_response_from_raw(ack, 400, {}, nullptr));
  EXPECT_FALSE(build_response_from_raw("INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n", 400, {}, nullptr));
}

TEST(ViaWithReceived, LeavesMatchingSentByAloneAndFillsRport) {
  auto src = core::SocketAddress::from_ip("127.0.0.1", 5062);
  EXPECT_EQ(via_with_received("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx", *src),
            "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx");
  EXPECT_EQ(via_with_received("SIP/2.0/TCP 127.0.0.1;rport;branch=z9hG4bKx", *src),
            "SIP/2.0/TCP 127.0.0.1;rport=5062;branch=z9hG4bKx");
  auto v6 = core::SocketAddress::from_ip("::1", 5062);
  EXPECT_EQ(via_with_received("SIP/2.0/UDP [::1]:5060;branch=z9hG4bKx", *v6),
            "SIP/2.0/UDP [::1]:5060;branch=z9hG4bKx");
}

}  // namespace
}  // namespace sipnic::sip
