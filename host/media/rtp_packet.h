// media RTP packets (RFC 3550 §5.1): the fixed header, CSRCs, the header
// extension and padding, read from a datagram as views into it and written
// into a caller's buffer (no allocation on the packet path). What arrives
// from the network is checked before anything reads it: version 2, lengths
// that fit the datagram (CSRC count, extension length, padding count).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sipnic::media {

inline constexpr std::size_t kRtpHeaderBytes = 12;

struct RtpHeader {
  bool marker = false;
  std::uint8_t payload_type = 0;  // 0..127
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
};

// A received packet: its header and views of its parts.
struct RtpPacket {
  RtpHeader header;
  std::uint8_t csrc_count = 0;
  std::span<const std::uint8_t> csrcs;      // csrc_count x 4 octets
  std::optional<std::uint16_t> extension_profile;
  std::span<const std::uint8_t> extension;  // its data, without the 4-octet extension header
  std::span<const std::uint8_t> payload;    // padding removed
};

enum class RtpError : std::uint8_t { kNone, kTooShort, kNotVersion2, kCsrcsPastEnd, kExtensionPastEnd, kBadPadding };
std::string_view rtp_error_text(RtpError e);

// nullopt with `error` set for a datagram that is not a well-formed RTP
// packet (RTCP is told apart by the caller, RFC 5761, before this).
std::optional<RtpPacket> read_rtp(std::span<const std::uint8_t> datagram, RtpError* error = nullptr);

// Writes a packet without CSRCs, extension or padding: the header and
// `payload`, into `out`; returns the octets written, 0 if `out` is too small.
std::size_t write_rtp(const RtpHeader& header, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out);

// RFC 3550 §A.1: sequence numbers compared across their wrap: a before b.
constexpr bool sequence_before(std::uint16_t a, std::uint16_t b) {
  return a != b && static_cast<std::uint16_t>(b - a) < 0x8000;
}

}  // namespace sipnic::media
