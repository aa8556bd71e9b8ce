// Tests for host/media/rtp_packet.cpp: RTP packets (RFC 3550 §5.1) written
// and read back, every optional part read as its own view, malformed
// datagrams refused with the reason, and sequence numbers compared across
// their wrap.
#include "media/rtp_packet.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace sipnic::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(RtpPacket, AWrittenPacketReadsBackItsHeaderAndPayload) {
  const Bytes payload(160, 0xD5);  // 20 ms of A-law silence
  std::array<std::uint8_t, 200> buffer{};
  const RtpHeader h{true, 8, 0xFFFE, 0x12345678, 0xCAFEF00D};
  const std::size_t n = write_rtp(h, payload, buffer);
  ASSERT_EQ(n, 172u);
  EXPECT_EQ(buffer[0], 0x80);
  EXPECT_EQ(buffer[1], 0x88);  // marker and payload type 8
  const auto p = read_rtp(std::span(buffer.data(), n));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->header.marker);
  EXPECT_EQ(p->header.payload_type, 8);
  EXPECT_EQ(p->header.sequence, 0xFFFE);
  EXPECT_EQ(p->header.timestamp, 0x12345678u);
  EXPECT_EQ(p->header.ssrc, 0xCAFEF00Du);
  EXPECT_EQ(Bytes(p->payload.begin(), p->payload.end()), payload);
  EXPECT_EQ(write_rtp(h, payload, std::span(buffer.data(), 171)), 0u) << "a buffer too small";
}

TEST(RtpPacket, CsrcsExtensionAndPaddingAreReadAsTheirOwnParts) {
  // V=2 P=1 X=1 CC=2, M=0 PT=0, seq 1, ts 160, ssrc 7; 2 CSRCs; extension
  // 0xBEDE with one word; payload 3 octets; 5 octets of padding.
  const Bytes d = {0xB2, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x07,  // header
                   0x00, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x0B,                          // CSRCs
                   0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0x00, 0x00,                          // extension
                   0x01, 0x02, 0x03,                                                        // payload
                   0x00, 0x00, 0x00, 0x00, 0x05};                                           // padding
  const auto p = read_rtp(d);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->csrc_count, 2);
  EXPECT_EQ(p->csrcs.size(), 8u);
  EXPECT_EQ(p->extension_profile, 0xBEDE);
  EXPECT_EQ(p->extension.size(), 4u);
  EXPECT_EQ(Bytes(p->payload.begin(), p->payload.end()), (Bytes{1, 2, 3}));
}

TEST(RtpPacket, AMalformedDatagramIsRefusedWithTheReason) {
  auto error_of = [](Bytes d) {
    RtpError e = RtpError::kNone;
    EXPECT_FALSE(read_rtp(d, &e));
    return e;
  };
  const Bytes header = {0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(error_of(Bytes(header.begin(), header.end() - 1)), RtpError::kTooShort);
  Bytes v1 = header;
  v1[0] = 0x40;
  EXPECT_EQ(error_of(v1), RtpError::kNotVersion2);
  Bytes csrcs = header;
  csrcs[0] = 0x83;  // three CSRCs, none there
  EXPECT_EQ(error_of(csrcs), RtpError::kCsrcsPastEnd);
  Bytes ext = header;
  ext[0] = 0x90;
  ext.insert(ext.end(), {0xBE, 0xDE, 0x00, 0x02, 0, 0, 0, 0});  // two words promised, one there
  EXPECT_EQ(error_of(ext), RtpError::kExtensionPastEnd);
  Bytes pad = header;
  pad[0] = 0xA0;
  pad.insert(pad.end(), {0x01, 0x09});  // 9 octets of padding in a 2-octet payload
  EXPECT_EQ(error_of(pad), RtpError::kBadPadding);
  Bytes zero_pad = header;
  zero_pad[0] = 0xA0;
  zero_pad.push_back(0x00);
  EXPECT_EQ(error_of(zero_pad), RtpError::kBadPadding);
  EXPECT_EQ(rtp_error_text(RtpError::kBadPadding), "padding count past the payload");
  // A header alone is a packet with an empty payload.
  const auto empty = read_rtp(header);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->payload.empty());
}

TEST(RtpPacket, SequenceNumbersCompareAcrossTheirWrap) {
  EXPECT_TRUE(sequence_before(1, 2));
  EXPECT_TRUE(sequence_before(0xFFFF, 0));
  EXPECT_TRUE(sequence_before(0xFFF0, 0x0010));
  EXPECT_FALSE(sequence_before(2, 1));
  EXPECT_FALSE(sequence_before(0, 0xFFFF));
  EXPECT_FALSE(sequence_before(5, 5));
}

}  // namespace
}  // namespace sipnic::media
