// Tests for host/media/sdp.cpp: SDP bodies as carriers and phones send them
// read into their parts, malformed ones refused with the line, and a body
// written out reading back the same.
#include "media/sdp.h"

#include <gtest/gtest.h>

namespace sipnic::media {
namespace {

// A typical carrier offer, LF line ends and a session-level c=.
constexpr std::string_view kCarrierOffer =
    "v=0\n"
    "o=- 3912312 3912313 IN IP4 198.51.100.7\n"
    "s=SBC call\n"
    "c=IN IP4 198.51.100.8\n"
    "b=AS:84\n"
    "t=0 0\n"
    "a=sendrecv\n"
    "m=audio 30000 RTP/AVP 18 0 8 101\n"
    "a=rtpmap:18 G729/8000\n"
    "a=fmtp:18 annexb=no\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=fmtp:101 0-15\n"
    "a=ptime:20\n"
    "a=maxptime:40\n"
    "a=silenceSupp:off - - - -\n";

TEST(Sdp, ReadsACarriersOfferIntoItsParts) {
  const ParsedSdp p = parse_sdp(kCarrierOffer);
  ASSERT_TRUE(p.ok()) << p.line << ": " << p.error;
  const SessionDescription& s = p.sdp;
  EXPECT_EQ(s.session_id, 3912312u);
  EXPECT_EQ(s.session_version, 3912313u);
  EXPECT_EQ(s.origin, (Connection{"IP4", "198.51.100.7"}));
  EXPECT_EQ(s.session_name, "SBC call");
  EXPECT_EQ(s.connection, (Connection{"IP4", "198.51.100.8"}));
  EXPECT_EQ(s.direction, Direction::kSendRecv);
  ASSERT_EQ(s.media.size(), 1u);
  const MediaDescription& m = s.media[0];
  EXPECT_EQ(m.port, 30000);
  EXPECT_EQ(m.protocol, "RTP/AVP");
  EXPECT_EQ(m.formats, (std::vector<std::string>{"18", "0", "8", "101"}));
  EXPECT_EQ(m.ptime, 20u);
  EXPECT_EQ(m.maxptime, 40u);
  EXPECT_EQ(m.rtpmap(101), (RtpMap{101, "telephone-event", 8000, 1}));
  EXPECT_EQ(m.rtpmap(0), (RtpMap{0, "PCMU", 8000, 1})) << "RFC 3551's static type without an rtpmap";
  EXPECT_EQ(m.rtpmap(8), (RtpMap{8, "PCMA", 8000, 1}));
  EXPECT_FALSE(m.rtpmap(96));
  ASSERT_EQ(m.fmtps.size(), 2u);
  EXPECT_EQ(m.fmtps[1], (std::pair<std::uint8_t, std::string>{101, "0-15"}));
  EXPECT_EQ(m.other, (std::vector<std::string>{"a=silenceSupp:off - - - -"}));
  EXPECT_EQ(s.connection_of(m)->address, "198.51.100.8");
  EXPECT_EQ(s.direction_of(m), Direction::kSendRecv);
}

TEST(Sdp, WritesCrlfInRfc4566OrderAndReadsBackTheSame) {
  const ParsedSdp p = parse_sdp(kCarrierOffer);
  ASSERT_TRUE(p.ok());
  const std::string written = format_sdp(p.sdp);
  EXPECT_EQ(written.find('\n'), written.find("\r\n") + 1) << "CRLF line ends";
  EXPECT_LT(written.find("c=IN IP4 198.51.100.8"), written.find("b=AS:84"));
  EXPECT_LT(written.find("b=AS:84"), written.find("t=0 0"));
  EXPECT_LT(written.find("t=0 0"), written.find("a=sendrecv"));
  const ParsedSdp again = parse_sdp(written);
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_EQ(again.sdp, p.sdp);
}

TEST(Sdp, AMediaLevelConnectionAndDirectionGoOverTheSessions) {
  const ParsedSdp p = parse_sdp(
      "v=0\r\no=alice 1 1 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\na=recvonly\r\n"
      "m=audio 4000 RTP/AVP 0\r\nc=IN IP6 2001:db8::2\r\na=inactive\r\n"
      "m=video 0 RTP/AVP 31\r\n"
      "m=audio 4002/2 RTP/SAVP 8\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n");
  ASSERT_TRUE(p.ok()) << p.line << ": " << p.error;
  const auto& s = p.sdp;
  ASSERT_EQ(s.media.size(), 3u);
  EXPECT_EQ(s.connection_of(s.media[0])->address, "2001:db8::2");
  EXPECT_EQ(s.direction_of(s.media[0]), Direction::kInactive);
  EXPECT_EQ(s.connection_of(s.media[1])->address, "192.0.2.1");
  EXPECT_EQ(s.direction_of(s.media[1]), Direction::kRecvOnly);
  EXPECT_EQ(s.media[1].port, 0);
  EXPECT_EQ(s.media[2].port_count, 2);
  EXPECT_EQ(s.media[2].crypto.size(), 1u);
  EXPECT_TRUE(s.media[2].is_rtp());
  EXPECT_EQ(parse_sdp(format_sdp(s)).sdp, s);
}

TEST(Sdp, AMalformedBodyIsRefusedNamingTheLine) {
  struct Bad {
    std::string_view body;
    int line;
    std::string_view says;
  };
  const std::string_view head = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n";
  const Bad cases[] = {
      {"", 0, "an empty body"},
      {"o=- 1 1 IN IP4 192.0.2.1\n", 1, "starts with v=0"},
      {"v=1\n", 1, "starts with v=0"},
      {"v=0\no=- x 1 IN IP4 192.0.2.1\n", 2, "o= needs"},
      {"v=0\no=- 1 1 IN IP4 192.0.2.1\nt=0 0\n", 3, "no s= line"},
      {"v=0\ns=-\n", 2, "no o= line"},
  };
  for (const Bad& b : cases) {
    const ParsedSdp p = parse_sdp(b.body);
    EXPECT_FALSE(p.ok()) << b.body;
    EXPECT_NE(p.error.find(b.says), std::string::npos) << p.error;
    EXPECT_EQ(p.line, b.line) << b.body;
  }
  const std::pair<std::string, std::string_view> media_cases[] = {
      {"m=audio 70000 RTP/AVP 0\n", "port is not 0..65535"},
      {"m=audio 4000\n", "m= needs"},
      {"m=audio 4000 RTP/AVP\n", "m= lists no format"},
      {"m=audio 4000 RTP/AVP 0 200\n", "payload type 0..127"},
      {"m=audio 4000 RTP/AVP 0\na=rtpmap:0 PCMU\n", "a=rtpmap needs"},
      {"m=audio 4000 RTP/AVP 96\na=rtpmap:96 opus/x/2\n", "a=rtpmap needs"},
      {"m=audio 4000 RTP/AVP 0\na=ptime:0\n", "a=ptime is not"},
      {"m=audio 4000 RTP/AVP 0\nc=IN IP5 x\n", "c= needs"},
      {"m=audio 4000 RTP/AVP 0\n\nm=audio 4 RTP/AVP 0\n", "an empty line"},
      {"m=audio 4000 RTP/AVP 0\nbogus\n", "not a type=value line"},
      {"m=audio 4000 RTP/AVP 0\ns=again\n", "s= is a session line"},
      {"o=- 2 2 IN IP4 192.0.2.1\n", "o= is a session line"},
  };
  for (const auto& [tail, says] : media_cases) {
    const ParsedSdp p = parse_sdp(std::string(head) + tail);
    EXPECT_FALSE(p.ok()) << tail;
    EXPECT_NE(p.error.find(says), std::string::npos) << tail << ": " << p.error;
    EXPECT_GE(p.line, 6) << tail;
  }
  const ParsedSdp no_address = parse_sdp("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n");
  EXPECT_NE(no_address.error.find("without a c= address"), std::string::npos);
}

TEST(Sdp, DirectionsAreAnsweredByTheirMirror) {
  EXPECT_EQ(answer_direction(Direction::kSendOnly), Direction::kRecvOnly);
  EXPECT_EQ(answer_direction(Direction::kRecvOnly), Direction::kSendOnly);
  EXPECT_EQ(answer_direction(Direction::kSendRecv), Direction::kSendRecv);
  EXPECT_EQ(answer_direction(Direction::kInactive), Direction::kInactive);
  EXPECT_EQ(direction_name(Direction::kRecvOnly), "recvonly");
}

}  // namespace
}  // namespace sipnic::media
