#include "media/rtp_packet.h"

namespace sipnic::media {

namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

}  // namespace

std::string_view rtp_error_text(RtpError e) {
  switch (e) {
    case RtpError::kNone: return "ok";
    case RtpError::kTooShort: return "shorter than an RTP header";
    case RtpError::kNotVersion2: return "not RTP version 2";
    case RtpError::kCsrcsPastEnd: return "CSRC list past the end";
    case RtpError::kExtensionPastEnd: return "header extension past the end";
    case RtpError::kBadPadding: return "padding count past the payload";
  }
  return "?";
}

std::optional<RtpPacket> read_rtp(std::span<const std::uint8_t> d, RtpError* error) {
  auto fail = [error](RtpError e) -> std::optional<RtpPacket> {
    if (error) *error = e;
    return std::nullopt;
  };
  if (d.size() < kRtpHeaderBytes) return fail(RtpError::kTooShort);
  if ((d[0] >> 6) != 2) return fail(RtpError::kNotVersion2);
  RtpPacket p;
  const bool padding = (d[0] & 0x20) != 0;
  const bool extension = (d[0] & 0x10) != 0;
  p.csrc_count = d[0] & 0x0F;
  p.header.marker = (d[1] & 0x80) != 0;
  p.header.payload_type = d[1] & 0x7F;
  p.header.sequence = be16(&d[2]);
  p.header.timestamp = be32(&d[4]);
  p.header.ssrc = be32(&d[8]);
  std::size_t at = kRtpHeaderBytes;
  const std::size_t csrc_bytes = std::size_t{p.csrc_count} * 4;
  if (d.size() < at + csrc_bytes) return fail(RtpError::kCsrcsPastEnd);
  p.csrcs = d.subspan(at, csrc_bytes);
  at += csrc_bytes;
  if (extension) {
    if (d.size() < at + 4) return fail(RtpError::kExtensionPastEnd);
    p.extension_profile = be16(&d[at]);
    const std::size_t words = be16(&d[at + 2]);
    at += 4;
    if (d.size() < at + words * 4) return fail(RtpError::kExtensionPastEnd);
    p.extension = d.subspan(at, words * 4);
    at += words * 4;
  }
  std::size_t end = d.size();
  if (padding) {
    // The last octet counts the padding, itself included.
    const std::size_t count = d.back();
    if (count == 0 || count > end - at) return fail(RtpError::kBadPadding);
    end -= count;
  }
  p.payload = d.subspan(at, end - at);
  if (error) *error = RtpError::kNone;
  return p;
}

std::size_t write_rtp(const RtpHeader& h, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out) {
  const std::size_t n = kRtpHeaderBytes + payload.size();
  if (out.size() < n) return 0;
  out[0] = 0x80;  // version 2, no padding, no extension, no CSRC
  out[1] = static_cast<std::uint8_t>((h.marker ? 0x80 : 0) | (h.payload_type & 0x7F));
  out[2] = static_cast<std::uint8_t>(h.sequence >> 8);
  out[3] = static_cast<std::uint8_t>(h.sequence);
  for (int i = 0; i < 4; ++i) {
    out[4 + i] = static_cast<std::uint8_t>(h.timestamp >> (24 - 8 * i));
    out[8 + i] = static_cast<std::uint8_t>(h.ssrc >> (24 - 8 * i));
  }
  std::copy(payload.begin(), payload.end(), out.begin() + kRtpHeaderBytes);
  return n;
}

}  // namespace sipnic::media
