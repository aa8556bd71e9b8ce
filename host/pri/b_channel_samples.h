// pri::BChannelSamples: a span's B-channel samples, 1 ms at a time: the seam
// the media path (the next issue) attaches to, the same for both backends.
//
// A block is tdm_mux's timeslot block (hls/tdm_mux/tdm_mux.h): position p
// (E1 timeslot p, T1 channel p + 1) at p * tdm::kFramesPerBlock, one G.711
// code per frame, 8 frames; kSampleBlockOctets in all (positions a T1 lacks
// are zero). Every millisecond the backend calls the span's callback with
// what arrived (`frames` of the 8 are valid: 0 while the line is out of frame
// or slipped, or no block came) and the block it sends next, which still
// holds what was sent last (the idle code of the line's law until written).
// Runs on the span's loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "tdm_mux/tdm_mux.h"

namespace sipnic::pri {

inline constexpr std::size_t kSampleBlockOctets = tdm_mux::kSpanTimeslotBytes;

// The octet of position `position`, frame `frame` in a block.
constexpr std::size_t sample_index(std::uint32_t position, std::uint32_t frame) {
  return std::size_t{position} * tdm::kFramesPerBlock + frame;
}

using BChannelSamples = std::function<void(std::span<const std::uint8_t> received, std::uint32_t frames,
                                           std::span<std::uint8_t> to_send)>;

}  // namespace sipnic::pri
