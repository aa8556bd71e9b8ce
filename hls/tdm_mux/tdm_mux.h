// hls/tdm_mux: TDM frames <-> per-timeslot sample blocks, for every span of
// a batch, both directions in one call. A block is kFramesPerBlock frames,
// 1 ms: what the `frames` span backend carries in one B-channel datagram and
// what the framer delivers per span per millisecond. Formats:
// docs/kernels.md, "tdm_mux".
#pragma once

#include <cstdint>

#include "tdm_format.h"

namespace sipnic::tdm_mux {

// The block, frame sizes, batch size and span type: hls/tdm_format.h.
using tdm::kE1;
using tdm::kE1Timeslots;
using tdm::kFramesPerBlock;
using tdm::kMaxSpans;
using tdm::kT1;
using tdm::kT1Channels;
using tdm::SpanType;
constexpr uint32_t kMaxTimeslots = tdm::kMaxFrameOctets;
// The D-channel's position on a PRI span: E1 timeslot 16, T1 channel 24.
constexpr uint32_t kE1DchannelTimeslot = 16;
constexpr uint32_t kT1DchannelPosition = kT1Channels - 1;
// Bytes per span in the frames buffer (an E1 block; a T1 block uses the
// first kFramesPerBlock * kT1Channels) and in the timeslots buffer.
constexpr uint32_t kSpanFrameBytes = kFramesPerBlock * kMaxTimeslots;
constexpr uint32_t kSpanTimeslotBytes = kMaxTimeslots * kFramesPerBlock;

static_assert(kE1DchannelTimeslot < kE1Timeslots && kT1DchannelPosition < kT1Channels, "tdm_mux: D-channel inside the frame");

// One span of the batch.
struct SpanLayout {
  uint8_t type;      // SpanType; another value: the span is skipped, its outputs zeroed
  uint8_t dchannel;  // 1: its D-channel position carries a D-channel (PRI; not an NFAS span without one)
  uint8_t reserved[2];
};
static_assert(sizeof(SpanLayout) == 4, "tdm_mux: SpanLayout as docs/kernels.md gives it");

constexpr uint32_t frame_octets(uint8_t type) {
  return type == kE1 ? kE1Timeslots : type == kT1 ? kT1Channels : 0;
}
constexpr uint32_t dchannel_position(uint8_t type) {
  return type == kE1 ? kE1DchannelTimeslot : kT1DchannelPosition;
}

// Frames -> blocks: span s's block of frames at frames[s * kSpanFrameBytes],
// frame f at + f * frame_octets(type); its position p (E1 timeslot p, T1
// channel p + 1) goes to timeslots[s * kSpanTimeslotBytes + p * kFramesPerBlock + f]
// (positions a T1 frame lacks: zero); a span with a D-channel also gives
// that position's octets to dchannels[s * kFramesPerBlock + f] (zero for the others).
void demux_batch(const uint8_t* frames, const SpanLayout* spans, uint8_t* timeslots,
                 uint8_t* dchannels, uint32_t span_count);

// Blocks -> frames, the inverse: every position from timeslots, but the
// D-channel position of a span with a D-channel, which comes from dchannels.
// E1 timeslot 0 is taken as given (the framer writes its own); the bytes
// of a span's frames block after its last frame are zeroed.
void mux_batch(const uint8_t* timeslots, const uint8_t* dchannels, const SpanLayout* spans,
               uint8_t* frames, uint32_t span_count);

}  // namespace sipnic::tdm_mux

// The kernel: one call is 1 ms of every span, both directions: the received
// frames demultiplexed and the blocks to send multiplexed. A span_count above
// kMaxSpans does nothing.
extern "C" void tdm_mux(const uint8_t* receive_frames, uint8_t* receive_timeslots,
                        uint8_t* receive_dchannels, const uint8_t* transmit_timeslots,
                        const uint8_t* transmit_dchannels, uint8_t* transmit_frames,
                        const sipnic::tdm_mux::SpanLayout* spans, uint32_t span_count);
