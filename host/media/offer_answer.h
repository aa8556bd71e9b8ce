// media offer/answer (RFC 3264) for a gateway leg: G.711 audio with RFC 4733
// telephone-events, one RTP stream per call (docs/media.md, "Offer and
// answer").
//
// The gateway offers PCMA and PCMU (the span's own law first: no
// transcoding when the far end takes it), telephone-event/8000 and its
// ptime. Answering an offer it takes the first audio stream it can use
// (RTP/AVP, a port, G.711 among the formats; RTP/SAVP waits for SRTP), the
// first G.711 format in the offerer's order of preference,
// answers every other stream with port 0 (RFC 3264 §6), keeps the offer's
// telephone-event payload type, and mirrors the direction. An offer with no
// usable audio stream gets no answer: the call is refused with 488.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "media/sdp.h"

namespace sipnic::media {

enum class G711Law : std::uint8_t { kALaw, kMuLaw };
inline constexpr std::uint8_t kPcmuPayloadType = 0;  // RFC 3551, static
inline constexpr std::uint8_t kPcmaPayloadType = 8;

// This side of a call's media.
struct LocalMedia {
  Connection address;          // where this side receives RTP
  std::uint16_t port = 0;      // its RTP port (RTCP: port + 1)
  G711Law preferred = G711Law::kALaw;  // the span's law
  std::uint32_t ptime_ms = 20;
  bool telephone_events = true;
  std::uint8_t telephone_event_payload_type = 101;  // what an offer of ours uses
  std::uint64_t session_id = 0;  // o= of this side's descriptions
  std::uint64_t session_version = 0;
};

// What both sides agreed.
struct NegotiatedAudio {
  G711Law law = G711Law::kALaw;
  std::uint8_t payload_type = kPcmaPayloadType;
  std::optional<std::uint8_t> telephone_event_payload_type;
  std::uint32_t ptime_ms = 20;  // what this side sends: the peer's ptime, else ours
  Connection remote_address;
  std::uint16_t remote_port = 0;
  Direction direction = Direction::kSendRecv;  // this side's
  std::size_t stream = 0;  // index of the m= line
  bool operator==(const NegotiatedAudio&) const = default;
};

SessionDescription make_offer(const LocalMedia& local);

struct Answer {
  SessionDescription sdp;
  NegotiatedAudio audio;
};
// nullopt: no audio stream of the offer can be used (488 Not Acceptable Here).
std::optional<Answer> answer_offer(const SessionDescription& offer, const LocalMedia& local);

// Reads the peer's answer to `offer` (one of make_offer's): nullopt when it
// takes none of what was offered.
std::optional<NegotiatedAudio> read_answer(const SessionDescription& offer, const SessionDescription& answer);

}  // namespace sipnic::media
