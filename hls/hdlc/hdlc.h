// hls/hdlc: HDLC for D-channels (Q.921 frames in a 64 kbit/s timeslot),
// every channel of a batch per call, both directions. Formats, ports and
// behaviour: docs/kernels.md, "hdlc".
//
// Bit order: a frame's octets go on the line least significant bit first
// (Q.921 §2.8, ISO/IEC 13239); the timeslot octets that carry the bit stream
// go most significant bit first (G.704 sends bit 1, the MSB, first). So the
// first line bit of a call is bit 7 of the channel's first timeslot octet.
#pragma once

#include <cstdint>

namespace sipnic::hdlc {

// Timeslot octets of one channel per call: 1 ms at 64 kbit/s.
constexpr uint32_t kOctetsPerChannel = 8;
constexpr uint32_t kBitsPerChannel = kOctetsPerChannel * 8;
// Channels of one batch (every D-channel of a worker's spans).
constexpr uint32_t kMaxChannels = 512;
// Longest frame, FCS excluded, that the kernel receives or sends (Q.921's
// longest: N201 = 260 octets of information, 4 of address and control).
constexpr uint32_t kMaxFrameLength = 512;
// The lowest legal min_frame_length: address and control, 3 octets, is
// Q.921's shortest frame.
constexpr uint32_t kMinFrameLengthFloor = 3;
constexpr uint32_t kFcsLength = 2;
// Frames that can end in one channel's bits of one call: the first may have
// begun in an earlier call, each further one needs at least its shortest
// content, FCS and closing flag in this call.
constexpr uint32_t kMaxFramesPerChannel =
    1 + kBitsPerChannel / ((kMinFrameLengthFloor + kFcsLength + 1) * 8);
// The defaults Q.921 implies (frame lengths, FCS excluded).
constexpr uint32_t kQ921MinFrameLength = 3;
constexpr uint32_t kQ921MaxFrameLength = 264;

static_assert(kOctetsPerChannel >= 1 && kOctetsPerChannel <= 64, "hdlc: 1..64 octets per channel per call");
static_assert(kMaxChannels >= 1 && kMaxChannels <= 65535, "hdlc: channel numbers are 16 bits");
static_assert(kMaxFrameLength >= kMinFrameLengthFloor && kMaxFrameLength + kFcsLength <= 65535,
              "hdlc: frame lengths are 16 bits");
static_assert(kMinFrameLengthFloor >= 1, "hdlc: a frame has at least one octet before its FCS");
static_assert(kMaxFramesPerChannel == 2, "hdlc: formats assume at most two frames per channel per call");
static_assert(kQ921MinFrameLength >= kMinFrameLengthFloor && kQ921MaxFrameLength <= kMaxFrameLength,
              "hdlc: the Q.921 defaults are legal limits");

// The flag, 01111110: the same in either bit order.
constexpr uint8_t kFlag = 0x7E;

// FCS-16 of RFC 1662 §C.2 (ISO 3309): x^16 + x^12 + x^5 + 1, reflected
// (0x8408), initial value 0xFFFF, sent complemented, low octet first; the FCS
// over a frame and its FCS is the good residue 0xF0B8.
constexpr uint16_t kFcsPolynomial = 0x8408;
constexpr uint16_t kFcsInitial = 0xFFFF;
constexpr uint16_t kFcsGoodResidue = 0xF0B8;

struct FcsTable {
  uint16_t entry[256];
};

constexpr FcsTable make_fcs_table() {
  FcsTable table{};
  for (uint32_t index = 0; index < 256; ++index) {
    uint16_t value = static_cast<uint16_t>(index);
    for (uint32_t bit = 0; bit < 8; ++bit) {
      value = static_cast<uint16_t>((value & 1) ? (value >> 1) ^ kFcsPolynomial : value >> 1);
    }
    table.entry[index] = value;
  }
  return table;
}

inline constexpr FcsTable kFcsTable = make_fcs_table();

constexpr uint16_t fcs_update(uint16_t fcs, uint8_t octet) {
  return static_cast<uint16_t>((fcs >> 8) ^ kFcsTable.entry[(fcs ^ octet) & 0xFF]);
}

// Kernel status (ReceiveSummary::status).
enum Status : uint32_t {
  kOk = 0,
  kBadArguments = 1,  // channel_count or a frame length out of range: nothing done
};

// --- receive ---------------------------------------------------------------

struct ReceiveCounters {
  uint32_t frames;       // good frames delivered
  uint32_t fcs_errors;   // whole octets between flags, FCS not the good residue
  uint32_t aborts;       // seven or more ones inside a frame
  uint32_t too_long;     // more than max_frame_length octets before the FCS
  uint32_t too_short;    // fewer than min_frame_length octets before the FCS
  uint32_t misaligned;   // not a whole number of octets between flags
  uint32_t dropped;      // good frames the batch's output had no room for
  uint32_t reserved;
};

// One channel's receiver between calls. All zero is the start: hunting for
// a flag, counters zero.
struct ReceiveState {
  uint8_t octets[kMaxFrameLength + kFcsLength];  // the frame so far, FCS included
  uint32_t data;       // destuffed bits not yet an octet, oldest in bit 0
  uint16_t length;     // octets in `octets`
  uint16_t fcs;        // FCS over `octets`
  uint8_t data_bits;   // bits in `data`
  uint8_t ones;        // consecutive ones on the line (saturates at 7)
  uint8_t in_frame;    // 1 after a flag, 0 while hunting for one
  uint8_t reserved;
  ReceiveCounters counters;
};
static_assert(sizeof(ReceiveCounters) == 32 && sizeof(ReceiveState) == 560, "hdlc: ReceiveState as docs/kernels.md gives it");

// A good frame delivered by a call: its octets (address, control,
// information; FCS removed) at `offset` in the call's frame octets.
struct ReceivedFrame {
  uint32_t offset;
  uint16_t length;
  uint16_t channel;
};
static_assert(sizeof(ReceivedFrame) == 8, "hdlc: ReceivedFrame as docs/kernels.md gives it");

struct ReceiveSummary {
  uint32_t status;        // Status
  uint32_t frame_count;   // ReceivedFrame records written
  uint32_t octet_count;   // frame octets written
  uint32_t reserved;
};
static_assert(sizeof(ReceiveSummary) == 16, "hdlc: ReceiveSummary as docs/kernels.md gives it");

// Output sizes that always suffice for a call on channel_count channels.
constexpr uint32_t receive_frame_capacity(uint32_t channel_count) {
  return channel_count * kMaxFramesPerChannel;
}
constexpr uint32_t receive_octet_capacity(uint32_t channel_count, uint32_t max_frame_length) {
  return channel_count * (max_frame_length + kOctetsPerChannel);
}

// Receives kOctetsPerChannel timeslot octets of each channel (channel c's at
// line[c * kOctetsPerChannel]), advancing states[c]; good frames are written
// in channel order, each channel's in line order.
void receive_batch(const uint8_t* line, ReceiveState* states, ReceivedFrame* frames,
                   uint8_t* frame_octets, ReceiveSummary* summary, uint32_t channel_count,
                   uint32_t min_frame_length, uint32_t max_frame_length,
                   uint32_t frame_capacity, uint32_t octet_capacity);

// --- transmit --------------------------------------------------------------

// A frame offered to one channel in one call (FCS excluded; the kernel adds
// it): `length` octets at `offset` in the call's transmit octets; length 0
// offers nothing.
struct TransmitRequest {
  uint32_t offset;
  uint16_t length;
  uint16_t reserved;
};
static_assert(sizeof(TransmitRequest) == 8, "hdlc: TransmitRequest as docs/kernels.md gives it");

// What a call did with a channel's TransmitRequest (transmit_status[c]).
enum TransmitStatus : uint8_t {
  kNothingOffered = 0,
  kAccepted = 1,  // queued; it goes on the line after the frames before it
  kBusy = 2,      // two frames already queued: offer it again next call
  kRejected = 3,  // longer than kMaxFrameLength or outside the transmit octets
};

struct TransmitCounters {
  uint32_t frames;    // frames sent, closing flag included
  uint32_t rejected;  // requests answered kRejected
};

constexpr uint32_t kTransmitSlots = 2;

// One channel's transmitter between calls. All zero is the start: nothing
// queued, flags go out.
struct TransmitState {
  uint8_t octets[kTransmitSlots][kMaxFrameLength];  // queued frames
  uint16_t length[kTransmitSlots];
  uint16_t position;     // octets of the current frame sent (its FCS counts 2)
  uint16_t fcs;          // FCS over the octets sent
  uint8_t current;       // slot of the frame being sent, or to be sent next
  uint8_t queued;        // frames held, 0..kTransmitSlots
  uint8_t sending;       // 1 from the current frame's first octet to its closing flag
  uint8_t shift;         // bits of the unit (octet or flag) being sent, next in bit 0
  uint8_t shift_bits;    // bits left in `shift`
  uint8_t ones;          // consecutive ones sent in frame data
  uint8_t stuffing;      // 1 while the unit is frame data (zero insertion applies)
  uint8_t after_flag;    // 1 when the last unit sent was a flag
  TransmitCounters counters;
};
static_assert(sizeof(TransmitState) == 1048, "hdlc: TransmitState as docs/kernels.md gives it");

// Sends kOctetsPerChannel timeslot octets of each channel into
// line[c * kOctetsPerChannel]: first takes requests[c] if it can (status in
// transmit_status[c]), then flags, frames with zero-bit insertion and FCS,
// back-to-back frames sharing one flag, flags again when nothing is queued.
void transmit_batch(const TransmitRequest* requests, const uint8_t* transmit_octets,
                    TransmitState* states, uint8_t* line, uint8_t* transmit_status,
                    uint32_t channel_count, uint32_t transmit_octet_bytes);

}  // namespace sipnic::hdlc

// The kernel: one call is 1 ms of every channel, both directions (receive
// then transmit, independent of each other). Bad arguments
// (ReceiveSummary::status kBadArguments) make it do nothing else.
extern "C" void hdlc(const uint8_t* receive_line, sipnic::hdlc::ReceiveState* receive_states,
                     sipnic::hdlc::ReceivedFrame* received_frames, uint8_t* received_octets,
                     sipnic::hdlc::ReceiveSummary* receive_summary,
                     const sipnic::hdlc::TransmitRequest* transmit_requests,
                     const uint8_t* transmit_octets, sipnic::hdlc::TransmitState* transmit_states,
                     uint8_t* transmit_line, uint8_t* transmit_status, uint32_t channel_count,
                     uint32_t min_frame_length, uint32_t max_frame_length,
                     uint32_t frame_capacity, uint32_t octet_capacity,
                     uint32_t transmit_octet_bytes);
