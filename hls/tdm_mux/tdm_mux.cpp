// hls/tdm_mux: both directions as one loop nest each, span by span, one
// octet per iteration.
#include "tdm_mux/tdm_mux.h"

namespace sipnic::tdm_mux {
namespace {

// What a span's layout means for its block.
struct SpanPlan {
  uint32_t octets;    // per frame; 0: the span is skipped
  uint32_t dchannel;  // the D-channel's position
  bool has_dchannel;
};

SpanPlan plan_of(const SpanLayout& layout) {
  const uint32_t octets = frame_octets(layout.type);
  return SpanPlan{octets, dchannel_position(layout.type), octets != 0 && layout.dchannel != 0};
}

}  // namespace

void demux_batch(const uint8_t* frames, const SpanLayout* spans, uint8_t* timeslots,
                 uint8_t* dchannels, uint32_t span_count) {
  if (span_count > kMaxSpans) {
    return;
  }
  for (uint32_t span = 0; span < span_count; ++span) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=kMaxSpans
    const SpanPlan plan = plan_of(spans[span]);
    const uint8_t* block = frames + span * kSpanFrameBytes;
    uint8_t* span_timeslots = timeslots + span * kSpanTimeslotBytes;
    for (uint32_t frame = 0; frame < kFramesPerBlock; ++frame) {
      for (uint32_t position = 0; position < kMaxTimeslots; ++position) {
#pragma HLS PIPELINE II=1
        const uint8_t octet = position < plan.octets ? block[frame * plan.octets + position] : 0;
        span_timeslots[position * kFramesPerBlock + frame] = octet;
        if (position == plan.dchannel) {
          dchannels[span * kFramesPerBlock + frame] = plan.has_dchannel ? octet : 0;
        }
      }
    }
  }
}

void mux_batch(const uint8_t* timeslots, const uint8_t* dchannels, const SpanLayout* spans,
               uint8_t* frames, uint32_t span_count) {
  if (span_count > kMaxSpans) {
    return;
  }
  for (uint32_t span = 0; span < span_count; ++span) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=kMaxSpans
    const SpanPlan plan = plan_of(spans[span]);
    const uint8_t* span_timeslots = timeslots + span * kSpanTimeslotBytes;
    uint8_t* block = frames + span * kSpanFrameBytes;
    // The block is written in order, its frames and then zeros; `frame`
    // and `position` follow the offset.
    const uint32_t used = kFramesPerBlock * plan.octets;
    uint32_t frame = 0;
    uint32_t position = 0;
    for (uint32_t offset = 0; offset < kSpanFrameBytes; ++offset) {
#pragma HLS PIPELINE II=1
      uint8_t octet = 0;
      if (offset < used) {
        octet = plan.has_dchannel && position == plan.dchannel
                    ? dchannels[span * kFramesPerBlock + frame]
                    : span_timeslots[position * kFramesPerBlock + frame];
        ++position;
        if (position == plan.octets) {
          position = 0;
          ++frame;
        }
      }
      block[offset] = octet;
    }
  }
}

}  // namespace sipnic::tdm_mux

extern "C" void tdm_mux(const uint8_t* receive_frames, uint8_t* receive_timeslots,
                        uint8_t* receive_dchannels, const uint8_t* transmit_timeslots,
                        const uint8_t* transmit_dchannels, uint8_t* transmit_frames,
                        const sipnic::tdm_mux::SpanLayout* spans, uint32_t span_count) {
#pragma HLS INTERFACE m_axi port=receive_frames offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=receive_timeslots offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=receive_dchannels offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=transmit_timeslots offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=transmit_dchannels offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=transmit_frames offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=spans offset=slave bundle=gmem
#pragma HLS INTERFACE s_axilite port=receive_frames
#pragma HLS INTERFACE s_axilite port=receive_timeslots
#pragma HLS INTERFACE s_axilite port=receive_dchannels
#pragma HLS INTERFACE s_axilite port=transmit_timeslots
#pragma HLS INTERFACE s_axilite port=transmit_dchannels
#pragma HLS INTERFACE s_axilite port=transmit_frames
#pragma HLS INTERFACE s_axilite port=spans
#pragma HLS INTERFACE s_axilite port=span_count
#pragma HLS INTERFACE s_axilite port=return
  sipnic::tdm_mux::demux_batch(receive_frames, spans, receive_timeslots, receive_dchannels, span_count);
  sipnic::tdm_mux::mux_batch(transmit_timeslots, transmit_dchannels, spans, transmit_frames, span_count);
}
