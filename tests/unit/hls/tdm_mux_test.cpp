// hls/tdm_mux: every timeslot's octets land at their exact block positions,
// E1 and T1, with and without a D-channel, and muxing inverts demuxing.
#include "tdm_mux/tdm_mux.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

namespace tdm = sipnic::tdm_mux;
using Bytes = std::vector<uint8_t>;

// A recognisable octet for span, frame and position.
uint8_t octet_of(uint32_t span, uint32_t frame, uint32_t position) {
  return static_cast<uint8_t>(span * 61 + frame * 37 + position * 5 + 1);
}

// The block of frames a span backend or framer hands over: frame after
// frame, each position after position.
Bytes frames_of(const std::vector<tdm::SpanLayout>& spans) {
  Bytes frames(spans.size() * tdm::kSpanFrameBytes, 0);
  for (uint32_t span = 0; span < spans.size(); ++span) {
    const uint32_t octets = spans[span].type == tdm::kE1 ? 32 : 24;
    for (uint32_t frame = 0; frame < 8; ++frame) {
      for (uint32_t position = 0; position < octets; ++position) {
        frames[span * tdm::kSpanFrameBytes + frame * octets + position] = octet_of(span, frame, position);
      }
    }
  }
  return frames;
}

const std::vector<tdm::SpanLayout> kMixedSpans = {
    {tdm::kE1, 1, {0, 0}},  // E1 PRI: D on timeslot 16
    {tdm::kT1, 1, {0, 0}},  // T1 PRI: D on channel 24
    {tdm::kT1, 0, {0, 0}},  // T1 of an NFAS group: channel 24 is a B-channel
    {tdm::kE1, 0, {0, 0}},
};

TEST(TdmDemux, EveryTimeslotLandsInItsOwnBlockInFrameOrder) {
  const Bytes frames = frames_of(kMixedSpans);
  Bytes timeslots(kMixedSpans.size() * tdm::kSpanTimeslotBytes, 0xEE);
  Bytes dchannels(kMixedSpans.size() * tdm::kFramesPerBlock, 0xEE);
  tdm::demux_batch(frames.data(), kMixedSpans.data(), timeslots.data(), dchannels.data(),
                   static_cast<uint32_t>(kMixedSpans.size()));
  for (uint32_t span = 0; span < kMixedSpans.size(); ++span) {
    const bool e1 = kMixedSpans[span].type == tdm::kE1;
    for (uint32_t position = 0; position < 32; ++position) {
      for (uint32_t frame = 0; frame < 8; ++frame) {
        const uint8_t expected = (e1 || position < 24) ? octet_of(span, frame, position) : 0;
        ASSERT_EQ(timeslots[span * 256 + position * 8 + frame], expected)
            << "span " << span << " position " << position << " frame " << frame;
      }
    }
    for (uint32_t frame = 0; frame < 8; ++frame) {
      const uint32_t dchannel = e1 ? 16 : 23;
      const uint8_t expected = kMixedSpans[span].dchannel != 0 ? octet_of(span, frame, dchannel) : 0;
      EXPECT_EQ(dchannels[span * 8 + frame], expected) << "span " << span << " frame " << frame;
    }
  }
}

TEST(TdmDemux, E1TimeslotsAreB1To15TheDChannelAndB17To31) {
  // One E1 PRI span whose frames carry the timeslot number in every octet.
  const std::vector<tdm::SpanLayout> spans = {{tdm::kE1, 1, {0, 0}}};
  Bytes frames(tdm::kSpanFrameBytes);
  for (uint32_t index = 0; index < frames.size(); ++index) frames[index] = static_cast<uint8_t>(index % 32);
  Bytes timeslots(tdm::kSpanTimeslotBytes);
  Bytes dchannels(tdm::kFramesPerBlock);
  tdm::demux_batch(frames.data(), spans.data(), timeslots.data(), dchannels.data(), 1);
  for (uint32_t timeslot = 0; timeslot < 32; ++timeslot) {
    for (uint32_t frame = 0; frame < 8; ++frame) EXPECT_EQ(timeslots[timeslot * 8 + frame], timeslot);
  }
  for (const uint8_t octet : dchannels) EXPECT_EQ(octet, 16);
}

TEST(TdmDemux, T1ChannelNIsAtPositionNMinusOneAndChannel24IsTheDChannel) {
  const std::vector<tdm::SpanLayout> spans = {{tdm::kT1, 1, {0, 0}}};
  Bytes frames(tdm::kSpanFrameBytes, 0xEE);
  for (uint32_t index = 0; index < 8 * 24; ++index) frames[index] = static_cast<uint8_t>(index % 24 + 1);
  Bytes timeslots(tdm::kSpanTimeslotBytes);
  Bytes dchannels(tdm::kFramesPerBlock);
  tdm::demux_batch(frames.data(), spans.data(), timeslots.data(), dchannels.data(), 1);
  for (uint32_t channel = 1; channel <= 24; ++channel) {
    for (uint32_t frame = 0; frame < 8; ++frame) EXPECT_EQ(timeslots[(channel - 1) * 8 + frame], channel);
  }
  for (const uint8_t octet : dchannels) EXPECT_EQ(octet, 24);
}

TEST(TdmMux, MuxOfTheDemuxedBlocksGivesTheFramesBackE1AndT1) {
  const Bytes frames = frames_of(kMixedSpans);
  const uint32_t count = static_cast<uint32_t>(kMixedSpans.size());
  Bytes timeslots(count * tdm::kSpanTimeslotBytes);
  Bytes dchannels(count * tdm::kFramesPerBlock);
  tdm::demux_batch(frames.data(), kMixedSpans.data(), timeslots.data(), dchannels.data(), count);
  Bytes again(frames.size(), 0xEE);
  tdm::mux_batch(timeslots.data(), dchannels.data(), kMixedSpans.data(), again.data(), count);
  EXPECT_EQ(again, frames);  // T1 blocks' unused tail zero on both sides
}

TEST(TdmMux, TheDChannelOfAPriSpanComesFromTheDChannelBlocks) {
  const std::vector<tdm::SpanLayout> spans = {{tdm::kE1, 1, {0, 0}}, {tdm::kT1, 1, {0, 0}},
                                              {tdm::kT1, 0, {0, 0}}};
  Bytes timeslots(spans.size() * tdm::kSpanTimeslotBytes);
  for (uint32_t index = 0; index < timeslots.size(); ++index) timeslots[index] = static_cast<uint8_t>(index);
  Bytes dchannels(spans.size() * tdm::kFramesPerBlock);
  for (uint32_t index = 0; index < dchannels.size(); ++index) dchannels[index] = static_cast<uint8_t>(0xD0 + index);
  Bytes frames(spans.size() * tdm::kSpanFrameBytes);
  tdm::mux_batch(timeslots.data(), dchannels.data(), spans.data(), frames.data(), 3);
  for (uint32_t frame = 0; frame < 8; ++frame) {
    EXPECT_EQ(frames[frame * 32 + 16], 0xD0 + frame);                  // E1 timeslot 16
    EXPECT_EQ(frames[frame * 32 + 15], timeslots[15 * 8 + frame]);     // E1 timeslot 15
    EXPECT_EQ(frames[frame * 32 + 0], timeslots[frame]);               // E1 timeslot 0, as given
    EXPECT_EQ(frames[256 + frame * 24 + 23], 0xD8 + frame);            // T1 PRI channel 24
    EXPECT_EQ(frames[256 + frame * 24 + 22], timeslots[256 + 22 * 8 + frame]);
    EXPECT_EQ(frames[512 + frame * 24 + 23],                           // NFAS T1: a B-channel
              timeslots[512 + 23 * 8 + frame]);
  }
  for (uint32_t offset = 8 * 24; offset < 256; ++offset) {
    EXPECT_EQ(frames[256 + offset], 0) << offset;  // past a T1 block's frames
  }
}

TEST(TdmMux, AnUnknownSpanTypeIsZeroedAndItsNeighboursAreNotDisturbed) {
  const std::vector<tdm::SpanLayout> spans = {{7, 1, {0, 0}}, {tdm::kE1, 1, {0, 0}}};
  Bytes frames(2 * tdm::kSpanFrameBytes, 0x33);
  Bytes timeslots(2 * tdm::kSpanTimeslotBytes, 0xEE);
  Bytes dchannels(2 * tdm::kFramesPerBlock, 0xEE);
  tdm::demux_batch(frames.data(), spans.data(), timeslots.data(), dchannels.data(), 2);
  for (uint32_t index = 0; index < 256; ++index) ASSERT_EQ(timeslots[index], 0);
  for (uint32_t index = 256; index < 512; ++index) ASSERT_EQ(timeslots[index], 0x33);
  for (uint32_t index = 0; index < 8; ++index) EXPECT_EQ(dchannels[index], 0);
  Bytes again(2 * tdm::kSpanFrameBytes, 0xEE);
  tdm::mux_batch(timeslots.data(), dchannels.data(), spans.data(), again.data(), 2);
  for (uint32_t index = 0; index < 256; ++index) ASSERT_EQ(again[index], 0);
  for (uint32_t index = 256; index < 512; ++index) ASSERT_EQ(again[index], 0x33);
}

TEST(TdmMuxKernel, OneCallDemuxesTheReceivedAndMuxesTheTransmittedFrames) {
  const uint32_t count = static_cast<uint32_t>(kMixedSpans.size());
  const Bytes received = frames_of(kMixedSpans);
  Bytes receive_timeslots(count * tdm::kSpanTimeslotBytes);
  Bytes receive_dchannels(count * tdm::kFramesPerBlock);
  // Send back what came in: the transmit blocks are a demux of the same frames.
  Bytes transmit_timeslots(count * tdm::kSpanTimeslotBytes);
  Bytes transmit_dchannels(count * tdm::kFramesPerBlock);
  tdm::demux_batch(received.data(), kMixedSpans.data(), transmit_timeslots.data(),
                   transmit_dchannels.data(), count);
  Bytes transmitted(received.size(), 0xEE);
  tdm_mux(received.data(), receive_timeslots.data(), receive_dchannels.data(), transmit_timeslots.data(),
          transmit_dchannels.data(), transmitted.data(), kMixedSpans.data(), count);
  EXPECT_EQ(receive_timeslots, transmit_timeslots);
  EXPECT_EQ(receive_dchannels, transmit_dchannels);
  EXPECT_EQ(transmitted, received);
}

TEST(TdmMuxKernel, TooManySpansDoesNothing) {
  Bytes untouched(16, 0xEE);
  const std::vector<tdm::SpanLayout> spans(1, {tdm::kE1, 1, {0, 0}});
  tdm_mux(untouched.data(), untouched.data(), untouched.data(), untouched.data(), untouched.data(),
          untouched.data(), spans.data(), tdm::kMaxSpans + 1);
  for (const uint8_t octet : untouched) EXPECT_EQ(octet, 0xEE);
}

}  // namespace
