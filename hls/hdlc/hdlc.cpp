// hls/hdlc: the receiver and transmitter of every D-channel of a batch.
// Each channel's state is loaded into locals, its kBitsPerChannel line bits
// run through a loop with one bit per iteration, and the state is stored
// back; a good frame is copied out at its closing flag.
#include "hdlc/hdlc.h"

namespace sipnic::hdlc {
namespace {

bool arguments_valid(uint32_t channel_count, uint32_t min_frame_length, uint32_t max_frame_length) {
  return channel_count <= kMaxChannels && min_frame_length >= kMinFrameLengthFloor &&
         max_frame_length <= kMaxFrameLength && min_frame_length <= max_frame_length;
}

// The receiver's registers while one channel's bits run.
struct Receiver {
  uint32_t data;
  uint32_t data_bits;
  uint32_t length;
  uint32_t ones;
  uint16_t fcs;
  bool in_frame;
};

// A destuffed bit joins the frame. An octet is taken only once 6 more bits
// follow it, because a closing flag's first 6 bits (0 and five ones) look
// like data until its sixth one arrives; so no octet ever holds flag bits.
inline void receive_data_bit(Receiver& receiver, uint32_t bit, ReceiveState& state,
                             uint32_t octet_limit) {
  receiver.data |= bit << receiver.data_bits;
  ++receiver.data_bits;
  if (receiver.data_bits == 14) {
    const uint8_t octet = static_cast<uint8_t>(receiver.data & 0xFF);
    receiver.data >>= 8;
    receiver.data_bits = 6;
    if (receiver.length == octet_limit) {
      ++state.counters.too_long;
      receiver.in_frame = false;
    } else {
      state.octets[receiver.length] = octet;
      ++receiver.length;
      receiver.fcs = fcs_update(receiver.fcs, octet);
    }
  }
}

void receive_channel(const uint8_t* line, ReceiveState& state, uint32_t channel,
                     uint32_t min_frame_length, uint32_t max_frame_length, ReceivedFrame* frames,
                     uint8_t* frame_octets, uint32_t frame_capacity, uint32_t octet_capacity,
                     uint32_t& frame_count, uint32_t& octet_count) {
  Receiver receiver{state.data, state.data_bits, state.length, state.ones, state.fcs,
                    state.in_frame != 0};
  const uint32_t octet_limit = max_frame_length + kFcsLength;
  for (uint32_t bit_index = 0; bit_index < kBitsPerChannel; ++bit_index) {
#pragma HLS PIPELINE II=1
    const uint32_t bit = (line[bit_index / 8] >> (7 - bit_index % 8)) & 1;
    if (bit != 0) {
      if (receiver.ones < 7) {
        ++receiver.ones;
      }
      if (receiver.ones == 7) {
        // Abort: the frame ends unfinished (the five ones before the sixth
        // were taken as data; anything before them was content).
        if (receiver.in_frame && receiver.length * 8 + receiver.data_bits > 5) {
          ++state.counters.aborts;
        }
        receiver.in_frame = false;
      } else if (receiver.ones <= 5 && receiver.in_frame) {
        receive_data_bit(receiver, 1, state, octet_limit);
      }
      continue;
    }
    if (receiver.ones == 6) {
      // A flag: it closes the frame before it and opens the next. Its first
      // 6 bits were taken as data (5 when it shares its 0 with a flag
      // before it), so content is what came before them.
      if (receiver.in_frame && receiver.length * 8 + receiver.data_bits > 6) {
        const uint32_t length = receiver.length;
        if (receiver.data_bits != 6) {
          ++state.counters.misaligned;
        } else if (length < min_frame_length + kFcsLength) {
          ++state.counters.too_short;
        } else if (receiver.fcs != kFcsGoodResidue) {
          ++state.counters.fcs_errors;
        } else {
          const uint32_t frame_length = length - kFcsLength;
          if (frame_count < frame_capacity && frame_length <= octet_capacity - octet_count) {
            for (uint32_t index = 0; index < frame_length; ++index) {
#pragma HLS LOOP_TRIPCOUNT min=kMinFrameLengthFloor max=kMaxFrameLength
              frame_octets[octet_count + index] = state.octets[index];
            }
            frames[frame_count] = ReceivedFrame{octet_count, static_cast<uint16_t>(frame_length),
                                                static_cast<uint16_t>(channel)};
            ++frame_count;
            octet_count += frame_length;
            ++state.counters.frames;
          } else {
            ++state.counters.dropped;
          }
        }
      }
      receiver.in_frame = true;
      receiver.length = 0;
      receiver.data = 0;
      receiver.data_bits = 0;
      receiver.fcs = kFcsInitial;
    } else if (receiver.ones != 5 && receiver.in_frame) {
      receive_data_bit(receiver, 0, state, octet_limit);
    }
    // (A 0 after five ones is a stuffed zero: dropped.)
    receiver.ones = 0;
  }
  state.data = receiver.data;
  state.data_bits = static_cast<uint8_t>(receiver.data_bits);
  state.length = static_cast<uint16_t>(receiver.length);
  state.ones = static_cast<uint8_t>(receiver.ones);
  state.fcs = receiver.fcs;
  state.in_frame = receiver.in_frame ? 1 : 0;
}

// The transmitter's registers while one channel's bits run.
struct Transmitter {
  uint32_t position;
  uint32_t current;
  uint32_t queued;
  uint32_t shift;
  uint32_t shift_bits;
  uint32_t ones;
  uint16_t fcs;
  bool sending;
  bool stuffing;
  bool after_flag;
};

inline void load_flag(Transmitter& transmitter) {
  transmitter.shift = kFlag;
  transmitter.shift_bits = 8;
  transmitter.stuffing = false;
  transmitter.ones = 0;
  transmitter.after_flag = true;
}

inline void load_data(Transmitter& transmitter, uint8_t octet) {
  transmitter.shift = octet;
  transmitter.shift_bits = 8;
  transmitter.stuffing = true;
  transmitter.after_flag = false;
  ++transmitter.position;
}

// The next unit on the line: the current frame's next octet or FCS octet,
// its closing flag, or an idle flag; a queued frame starts right after any
// flag, so back-to-back frames share one.
inline void load_next_unit(Transmitter& transmitter, TransmitState& state) {
  if (!transmitter.sending && transmitter.queued > 0 && transmitter.after_flag) {
    transmitter.sending = true;
    transmitter.position = 0;
    transmitter.fcs = kFcsInitial;
  }
  if (!transmitter.sending) {
    load_flag(transmitter);
    return;
  }
  const uint32_t length = state.length[transmitter.current];
  if (transmitter.position < length) {
    const uint8_t octet = state.octets[transmitter.current][transmitter.position];
    transmitter.fcs = fcs_update(transmitter.fcs, octet);
    load_data(transmitter, octet);
  } else if (transmitter.position < length + kFcsLength) {
    const uint16_t sent = static_cast<uint16_t>(transmitter.fcs ^ 0xFFFF);
    load_data(transmitter, static_cast<uint8_t>(transmitter.position == length ? sent & 0xFF : sent >> 8));
  } else {
    ++state.counters.frames;
    transmitter.sending = false;
    --transmitter.queued;
    transmitter.current ^= 1;
    load_flag(transmitter);
  }
}

uint8_t accept_request(const TransmitRequest& request, const uint8_t* transmit_octets,
                       uint32_t transmit_octet_bytes, TransmitState& state) {
  if (request.length == 0) {
    return kNothingOffered;
  }
  if (request.length > kMaxFrameLength || request.offset > transmit_octet_bytes ||
      request.length > transmit_octet_bytes - request.offset) {
    ++state.counters.rejected;
    return kRejected;
  }
  if (state.queued >= kTransmitSlots) {
    return kBusy;
  }
  const uint32_t slot = (state.current + state.queued) % kTransmitSlots;
  for (uint32_t index = 0; index < request.length; ++index) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=kMaxFrameLength
    state.octets[slot][index] = transmit_octets[request.offset + index];
  }
  state.length[slot] = request.length;
  ++state.queued;
  return kAccepted;
}

void transmit_channel(TransmitState& state, uint8_t* line) {
  Transmitter transmitter{state.position, state.current,    state.queued,   state.shift,
                          state.shift_bits, state.ones,     state.fcs,      state.sending != 0,
                          state.stuffing != 0, state.after_flag != 0};
  uint32_t octet = 0;
  for (uint32_t bit_index = 0; bit_index < kBitsPerChannel; ++bit_index) {
#pragma HLS PIPELINE II=1
    uint32_t bit = 0;
    if (transmitter.stuffing && transmitter.ones == 5) {
      transmitter.ones = 0;  // zero-bit insertion after five ones of data
    } else {
      if (transmitter.shift_bits == 0) {
        load_next_unit(transmitter, state);
      }
      bit = transmitter.shift & 1;
      transmitter.shift >>= 1;
      --transmitter.shift_bits;
      if (transmitter.stuffing) {
        transmitter.ones = bit != 0 ? transmitter.ones + 1 : 0;
      }
    }
    octet |= bit << (7 - bit_index % 8);
    if (bit_index % 8 == 7) {
      line[bit_index / 8] = static_cast<uint8_t>(octet);
      octet = 0;
    }
  }
  state.position = static_cast<uint16_t>(transmitter.position);
  state.current = static_cast<uint8_t>(transmitter.current);
  state.queued = static_cast<uint8_t>(transmitter.queued);
  state.shift = static_cast<uint8_t>(transmitter.shift);
  state.shift_bits = static_cast<uint8_t>(transmitter.shift_bits);
  state.ones = static_cast<uint8_t>(transmitter.ones);
  state.fcs = transmitter.fcs;
  state.sending = transmitter.sending ? 1 : 0;
  state.stuffing = transmitter.stuffing ? 1 : 0;
  state.after_flag = transmitter.after_flag ? 1 : 0;
}

}  // namespace

void receive_batch(const uint8_t* line, ReceiveState* states, ReceivedFrame* frames,
                   uint8_t* frame_octets, ReceiveSummary* summary, uint32_t channel_count,
                   uint32_t min_frame_length, uint32_t max_frame_length,
                   uint32_t frame_capacity, uint32_t octet_capacity) {
  if (!arguments_valid(channel_count, min_frame_length, max_frame_length)) {
    *summary = ReceiveSummary{kBadArguments, 0, 0, 0};
    return;
  }
  uint32_t frame_count = 0;
  uint32_t octet_count = 0;
  for (uint32_t channel = 0; channel < channel_count; ++channel) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=kMaxChannels
    receive_channel(line + channel * kOctetsPerChannel, states[channel], channel,
                    min_frame_length, max_frame_length, frames, frame_octets, frame_capacity,
                    octet_capacity, frame_count, octet_count);
  }
  *summary = ReceiveSummary{kOk, frame_count, octet_count, 0};
}

void transmit_batch(const TransmitRequest* requests, const uint8_t* transmit_octets,
                    TransmitState* states, uint8_t* line, uint8_t* transmit_status,
                    uint32_t channel_count, uint32_t transmit_octet_bytes) {
  if (channel_count > kMaxChannels) {
    return;
  }
  for (uint32_t channel = 0; channel < channel_count; ++channel) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=kMaxChannels
    transmit_status[channel] =
        accept_request(requests[channel], transmit_octets, transmit_octet_bytes, states[channel]);
    transmit_channel(states[channel], line + channel * kOctetsPerChannel);
  }
}

}  // namespace sipnic::hdlc

extern "C" void hdlc(const uint8_t* receive_line, sipnic::hdlc::ReceiveState* receive_states,
                     sipnic::hdlc::ReceivedFrame* received_frames, uint8_t* received_octets,
                     sipnic::hdlc::ReceiveSummary* receive_summary,
                     const sipnic::hdlc::TransmitRequest* transmit_requests,
                     const uint8_t* transmit_octets, sipnic::hdlc::TransmitState* transmit_states,
                     uint8_t* transmit_line, uint8_t* transmit_status, uint32_t channel_count,
                     uint32_t min_frame_length, uint32_t max_frame_length,
                     uint32_t frame_capacity, uint32_t octet_capacity,
                     uint32_t transmit_octet_bytes) {
#pragma HLS INTERFACE m_axi port=receive_line offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=receive_states offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=received_frames offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=received_octets offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=receive_summary offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=transmit_requests offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=transmit_octets offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=transmit_states offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=transmit_line offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=transmit_status offset=slave bundle=gmem
#pragma HLS INTERFACE s_axilite port=receive_line
#pragma HLS INTERFACE s_axilite port=receive_states
#pragma HLS INTERFACE s_axilite port=received_frames
#pragma HLS INTERFACE s_axilite port=received_octets
#pragma HLS INTERFACE s_axilite port=receive_summary
#pragma HLS INTERFACE s_axilite port=transmit_requests
#pragma HLS INTERFACE s_axilite port=transmit_octets
#pragma HLS INTERFACE s_axilite port=transmit_states
#pragma HLS INTERFACE s_axilite port=transmit_line
#pragma HLS INTERFACE s_axilite port=transmit_status
#pragma HLS INTERFACE s_axilite port=channel_count
#pragma HLS INTERFACE s_axilite port=min_frame_length
#pragma HLS INTERFACE s_axilite port=max_frame_length
#pragma HLS INTERFACE s_axilite port=frame_capacity
#pragma HLS INTERFACE s_axilite port=octet_capacity
#pragma HLS INTERFACE s_axilite port=transmit_octet_bytes
#pragma HLS INTERFACE s_axilite port=return
  using namespace sipnic::hdlc;
  receive_batch(receive_line, receive_states, received_frames, received_octets, receive_summary,
                channel_count, min_frame_length, max_frame_length, frame_capacity, octet_capacity);
  if (!arguments_valid(channel_count, min_frame_length, max_frame_length)) {
    return;
  }
  transmit_batch(transmit_requests, transmit_octets, transmit_states, transmit_line,
                 transmit_status, channel_count, transmit_octet_bytes);
}
