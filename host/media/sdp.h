// media::SessionDescription: an SDP body (RFC 4566) as the gateway reads and
// writes it: the origin, the session's connection and direction, and each
// media description's port, protocol, formats and the attributes RTP audio
// needs (rtpmap, fmtp, ptime, maxptime, direction, crypto). Other lines and
// attributes are kept in order, uninterpreted, so that nothing an answer
// must mirror is lost (docs/media.md, "SDP").
//
// parse_sdp is strict where a wrong value would mislead the gateway (a port,
// a payload type, an rtpmap, a c= address type) and names the line; it
// accepts LF as well as CRLF line ends, as RFC 4566 §5 asks of receivers.
// format_sdp writes CRLF and the lines in RFC 4566's order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipnic::media {

enum class Direction : std::uint8_t { kSendRecv, kSendOnly, kRecvOnly, kInactive };
std::string_view direction_name(Direction d);  // "sendrecv", ...
// The direction an answer gives to an offered one (RFC 3264 §6.1).
Direction answer_direction(Direction offered);

struct RtpMap {
  std::uint8_t payload_type = 0;  // 0..127
  std::string encoding;           // "PCMU", "telephone-event", as written
  std::uint32_t clock_rate = 0;
  std::uint8_t channels = 1;
  bool operator==(const RtpMap&) const = default;
};

struct Connection {
  std::string address_type = "IP4";  // IP4 or IP6
  std::string address;
  bool operator==(const Connection&) const = default;
};

struct MediaDescription {
  std::string media = "audio";
  std::uint16_t port = 0;          // 0: a rejected or disabled stream
  std::uint16_t port_count = 1;
  std::string protocol = "RTP/AVP";
  std::vector<std::string> formats;  // as listed; for RTP/AVP and RTP/SAVP payload types in decimal
  std::optional<Connection> connection;
  std::vector<RtpMap> rtpmaps;
  std::vector<std::pair<std::uint8_t, std::string>> fmtps;  // a=fmtp:PT params
  std::optional<std::uint32_t> ptime;     // ms
  std::optional<std::uint32_t> maxptime;  // ms
  std::optional<Direction> direction;
  std::vector<std::string> crypto;  // a=crypto values (RFC 4568), as written
  std::vector<std::string> other;   // other lines of the media, "x=..." as written (i=, b=, k=, a=...)
  bool is_rtp() const { return protocol == "RTP/AVP" || protocol == "RTP/SAVP"; }
  // The rtpmap for a payload type: the one given, else RFC 3551's static
  // assignment (0 PCMU, 8 PCMA, ... at 8000 Hz); nullopt if neither.
  std::optional<RtpMap> rtpmap(std::uint8_t payload_type) const;
  bool operator==(const MediaDescription&) const = default;
};

struct SessionDescription {
  std::string origin_user = "-";
  std::uint64_t session_id = 0;
  std::uint64_t session_version = 0;
  Connection origin;  // o= network type IN, address type and address
  std::string session_name = "-";
  std::optional<Connection> connection;
  std::optional<Direction> direction;
  std::vector<std::string> other;  // other session lines before the first m=, as written
  std::vector<MediaDescription> media;
  // The connection a media description is reached at: its own, else the session's.
  const Connection* connection_of(const MediaDescription& m) const {
    return m.connection ? &*m.connection : connection ? &*connection : nullptr;
  }
  Direction direction_of(const MediaDescription& m) const {
    return m.direction.value_or(direction.value_or(Direction::kSendRecv));
  }
  bool operator==(const SessionDescription&) const = default;
};

struct ParsedSdp {
  SessionDescription sdp;
  std::string error;  // "" = ok; else what is wrong, with `line`
  int line = 0;       // 1-based
  bool ok() const { return error.empty(); }
};
ParsedSdp parse_sdp(std::string_view text);
std::string format_sdp(const SessionDescription& sdp);

}  // namespace sipnic::media
