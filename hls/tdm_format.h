// The TDM facts every TDM kernel shares (tdm_framer, tdm_mux; hdlc reads the
// D-channel blocks tdm_mux gathers): the block of frames one call handles,
// the frame sizes of E1 and T1, the largest batch, and the span type code.
// One source: the kernels' headers take these names from here.
#pragma once

#include <cstdint>

namespace sipnic::tdm {

// Frames per block: 1 ms at 8000 frames per second, one datagram of a span.
inline constexpr std::uint32_t kFramesPerBlock = 8;
// Octets of one frame's payload: E1 (G.704) timeslots 0..31; T1 channels
// 1..24 at positions 0..23 (the 193rd bit, framing, is the framer's).
inline constexpr std::uint32_t kE1Timeslots = 32;
inline constexpr std::uint32_t kT1Channels = 24;
inline constexpr std::uint32_t kMaxFrameOctets = 32;
// Spans of one batch (a larger span_count does nothing).
inline constexpr std::uint32_t kMaxSpans = 256;

static_assert(kFramesPerBlock >= 1 && kFramesPerBlock <= 64, "tdm: 1..64 frames per block");
static_assert(kE1Timeslots <= kMaxFrameOctets && kT1Channels <= kMaxFrameOctets, "tdm: frames fit kMaxFrameOctets");
static_assert(kMaxSpans >= 1 && kMaxSpans <= 4096, "tdm: 1..4096 spans per call");

// A span's line type as the kernels' control structs carry it.
enum SpanType : std::uint8_t {
  kE1 = 0,
  kT1 = 1,
};

}  // namespace sipnic::tdm
