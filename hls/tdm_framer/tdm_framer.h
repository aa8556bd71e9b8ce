// tdm_framer: the E1/T1 framer of a TDM card, as an HLS kernel (docs/kernels.md,
// "tdm_framer"). One call frames and deframes 1 ms of line for each span of a
// batch: transmit payload -> line (frame alignment words, CRC-4 / CRC-6, E-bits,
// remote alarm), line -> receive payload (alignment at any bit offset, loss and
// recovery, LOS / LOF / AIS / RAI, CRC, E-bit and framing-error counters).
//
//   E1: ITU-T G.704 §2.3 frames (32 timeslots, TS0 FAS / NFAS words), the CRC-4
//       multiframe, alignment and its loss per G.706, AIS per G.775.
//   T1: G.704 §2.1 / ANSI T1.403 193-bit frames in the 24-frame extended
//       superframe (ESF: FPS 001011, CRC-6, the FDL), yellow alarm on the FDL.
//
// The line: a span's bit stream cut into 1 ms blocks (8 frames: E1 256 octets,
// T1 1544 bits = 193 octets), bit-packed MSB first — the first bit on the line
// is bit 7 of octet 0, as G.704 sends bit 1 of a timeslot first. Transmit blocks
// start at a frame boundary; received blocks may start at any bit.
//
// Every struct here is a fixed-size little-endian POD, natural alignment,
// reserved bytes zero: the kernel reads and writes them as they are. Vitis HLS
// C++ subset (hls/README.md); built with g++ it is the kernel's C simulation.
#pragma once

#include <cstdint>

#include "tdm_format.h"

namespace sipnic::tdm_framer {

// ---- the line and the payload ------------------------------------------------

// The block, frame sizes, batch size and span type: hls/tdm_format.h.
using tdm::kE1;
using tdm::kE1Timeslots;
using tdm::kFramesPerBlock;
using tdm::kMaxFrameOctets;
using tdm::kMaxSpans;
using tdm::kT1;
using tdm::kT1Channels;
using tdm::SpanType;
inline constexpr std::uint32_t kE1FrameBits = 256;
inline constexpr std::uint32_t kE1FramesPerMultiframe = 16;  // CRC-4 multiframe
inline constexpr std::uint32_t kT1FrameBits = 193;
inline constexpr std::uint32_t kT1FramesPerMultiframe = 24;  // ESF
inline constexpr std::uint32_t kE1BlockOctets = kFramesPerBlock * kE1FrameBits / 8;  // 256
inline constexpr std::uint32_t kT1BlockOctets = kFramesPerBlock * kT1FrameBits / 8;  // 193
static_assert(kFramesPerBlock * kT1FrameBits % 8 == 0, "a T1 block is whole octets");

// A span's slot in the line buffers: E1 fills it, T1 uses the first 193
// octets (the kernel writes the rest zero and ignores it on input).
inline constexpr std::uint32_t kLineBlockOctets = 256;
// A span's slot in the payload buffers: its 8 frames one after another, each
// frame its octets in order (tdm_mux's frames block): E1 32 octets, timeslot
// t at t (TS0 ignored on transmit; on receive the TS0 word as received); T1
// 24 octets, channel c at c - 1, in the first 192 bytes (the rest ignored on
// transmit, zero on receive).
inline constexpr std::uint32_t kPayloadBlockOctets = kFramesPerBlock * kMaxFrameOctets;
static_assert(kE1BlockOctets <= kLineBlockOctets && kT1BlockOctets <= kLineBlockOctets);
static_assert(kE1Timeslots <= kMaxFrameOctets && kT1Channels <= kMaxFrameOctets);


// ---- per span, host -> kernel ------------------------------------------------

// Payload octets of one frame of the type (0 for another value).
constexpr std::uint32_t frame_octets(std::uint8_t type) {
  return type == kE1 ? kE1Timeslots : type == kT1 ? kT1Channels : 0;
}

inline constexpr std::uint8_t kOptionCrc4 = 1u << 0;             // E1: CRC-4 multiframe (ignored on T1)
inline constexpr std::uint8_t kOptionSendRemoteAlarm = 1u << 1;  // send RAI / yellow without a local alarm
inline constexpr std::uint8_t kOptionSendAis = 1u << 2;          // send unframed all ones instead of frames
// No receive line block this call (the host's elastic store ran dry: a slip).
// The receiver's state is kept as it is, the receive payload is all ones
// (idle on a D-channel, where it aborts a frame in progress) and
// received_frames is 0; the transmit side runs as ever.
inline constexpr std::uint8_t kOptionSkipReceive = 1u << 3;

// 8 bytes. A type other than E1 or T1 turns the span off (zero output,
// kStatusBadControl). A change of type or of kOptionCrc4 resets the span.
struct SpanControl {
  std::uint8_t type;     // SpanType
  std::uint8_t options;  // kOption*
  std::uint8_t reserved[6];
};
static_assert(sizeof(SpanControl) == 8);

// ---- per span, kernel -> host ------------------------------------------------

inline constexpr std::uint32_t kStatusAligned = 1u << 0;          // in frame: the receive payload is valid
inline constexpr std::uint32_t kStatusLossOfSignal = 1u << 1;     // LOS: no ones for kLossOfSignalZeros bits (out of frame)
inline constexpr std::uint32_t kStatusLossOfFrame = 1u << 2;      // LOF (red): not aligned
inline constexpr std::uint32_t kStatusAlarmIndication = 1u << 3;  // AIS (blue): all ones (out of frame)
inline constexpr std::uint32_t kStatusRemoteAlarm = 1u << 4;      // RAI (yellow) from the far end
inline constexpr std::uint32_t kStatusSendingRemoteAlarm = 1u << 5;  // this block carried RAI / yellow
inline constexpr std::uint32_t kStatusBadControl = 1u << 6;       // unknown type: span off

// 32 bytes. The counters are totals since the span's state was reset and wrap
// at 2^32; the host takes differences.
struct SpanStatus {
  std::uint32_t flags;                 // kStatus*
  std::uint32_t received_frames;       // frames of receive payload valid this call, 0..8
  std::uint32_t crc_errors;            // E1 CRC-4 sub-multiframes / T1 CRC-6 superframes received in error
  std::uint32_t far_end_block_errors;  // E1: E-bits received as 0 (the far end's CRC-4 errors)
  std::uint32_t framing_errors;        // E1 FAS words / T1 FPS bits received in error while aligned
  std::uint32_t alignment_losses;      // times the receiver fell out of frame
  std::uint32_t reserved[2];
};
static_assert(sizeof(SpanStatus) == 32);

// ---- thresholds (the standards' figures; docs/kernels.md) ----------------------

// LOS: this many consecutive zeros (G.775: 10..255; T1.231: 175 +/- 75).
// Cleared by a block without such a run and with at least 12.5 % ones.
inline constexpr std::uint32_t kLossOfSignalZeros = 192;
static_assert(kLossOfSignalZeros >= 100 && kLossOfSignalZeros <= 250, "kLossOfSignalZeros: G.775 and T1.231");

// E1 (G.706 §4.1.1): out of frame after this many consecutive wrong FAS words.
inline constexpr std::uint32_t kE1FasErrorsForLoss = 3;
static_assert(kE1FasErrorsForLoss >= 3 && kE1FasErrorsForLoss <= 4, "kE1FasErrorsForLoss: G.706 says 3");
// E1 (G.706 §4.2): CRC-4 multiframe alignment must follow basic frame alignment
// within this many frames (8 ms), else the FAS was spurious and the search restarts.
inline constexpr std::uint32_t kE1Crc4SearchFrames = 64;
static_assert(kE1Crc4SearchFrames >= 32 && kE1Crc4SearchFrames <= 255, "kE1Crc4SearchFrames: 4..32 ms");
// E1 (G.706 §4.3.2): 915 or more errored CRC-4 blocks of 1000 restart the search
// (counted in consecutive windows of 1000, not a sliding one).
inline constexpr std::uint32_t kE1Crc4Window = 1000;
inline constexpr std::uint32_t kE1Crc4ErrorsForLoss = 915;
static_assert(kE1Crc4ErrorsForLoss <= kE1Crc4Window && kE1Crc4Window <= 65535);
// E1 RAI: the A bit the same in this many consecutive NFAS words sets or clears it.
inline constexpr std::uint32_t kE1RemoteAlarmWords = 3;
static_assert(kE1RemoteAlarmWords >= 1 && kE1RemoteAlarmWords <= 255);
// E1 AIS (G.775): at most kE1AisMaxZeros zeros in each of kE1AisPeriods
// consecutive 512-bit periods; cleared by as many periods with more zeros.
inline constexpr std::uint32_t kE1AisPeriodOctets = 64;
inline constexpr std::uint32_t kE1AisMaxZeros = 2;
inline constexpr std::uint32_t kE1AisPeriods = 2;
static_assert(kE1BlockOctets % kE1AisPeriodOctets == 0);

// T1 ESF alignment: this many FPS bits (4 superframes, 12 ms) in a row at one
// bit position before the framer goes in frame (T1.403: reframe within 15 ms).
inline constexpr std::uint32_t kT1FpsBitsToAlign = 24;
static_assert(kT1FpsBitsToAlign >= 6 && kT1FpsBitsToAlign <= 30, "kT1FpsBitsToAlign: 1..5 superframes");
// T1 (T1.231): out of frame when 2 of the last 4 FPS bits are wrong.
inline constexpr std::uint32_t kT1FpsErrorsForLoss = 2;
// T1 AIS: at most 5 zeros in a 3 ms window (99.9 % ones); 6 or more clear it.
inline constexpr std::uint32_t kT1AisPeriodOctets = 3 * kT1BlockOctets;
inline constexpr std::uint32_t kT1AisMaxZeros = 5;
inline constexpr std::uint32_t kT1AisPeriods = 1;
// T1 yellow on ESF: the FDL's repeating 11111111 00000000 in at least
// kT1YellowWordsForAlarm of the last kT1YellowWords 16-bit FDL words.
inline constexpr std::uint32_t kT1YellowWords = 10;
inline constexpr std::uint32_t kT1YellowWordsForAlarm = 8;
static_assert(kT1YellowWordsForAlarm <= kT1YellowWords && kT1YellowWords <= 16);

// ---- per span, kernel state (host allocates, zeroes to reset, never reads) ----

// The receiver keeps the line bits it could not use yet: the tail of a frame,
// or while hunting the bits a candidate alignment still needs to be checked
// (T1: kT1FpsBitsToAlign FPS bits, 772 bits apart).
inline constexpr std::uint32_t kE1HuntBits = 2 * kE1FrameBits + 8;  // FAS, NFAS, FAS (G.706 §4.1.2)
inline constexpr std::uint32_t kT1HuntBits = (kT1FpsBitsToAlign - 1) * 4 * kT1FrameBits + 1;
inline constexpr std::uint32_t kHuntBitsMax = kT1HuntBits > kE1HuntBits ? kT1HuntBits : kE1HuntBits;
// Fewer than kHuntBitsMax bits, starting at any bit of the first octet.
inline constexpr std::uint32_t kHistoryOctets = (kHuntBitsMax - 1 + 7 + 7) / 8;

struct ReceiveState {
  std::uint16_t history_octets;     // octets held in SpanState::history
  std::uint16_t zero_run;           // LOS: zeros in a row (saturates)
  std::uint16_t ais_period_octets;  // AIS: octets into the current period
  std::uint16_t ais_period_zeros;   // AIS: zeros in the current period
  std::uint16_t multiframe_phases;  // E1 CRC-4 search: frame phases (mod 16) where an MFAS ended
  std::uint16_t crc_window_blocks;  // E1: CRC-4 blocks checked in this window of 1000
  std::uint16_t crc_window_errors;  // E1: of which in error
  std::uint16_t fdl_word;           // T1: the last 16 FDL bits
  std::uint16_t yellow_words;       // T1: the last kT1YellowWords FDL words, 1 = yellow pattern
  std::uint8_t history_first_bit;   // the first held bit is bit (7 - this) of history[0]
  std::uint8_t phase;               // hunting / E1 CRC-4 search / in frame
  std::uint8_t frame;               // next frame's number in the multiframe (E1 0..15, T1 0..23)
  std::uint8_t framing_errors_run;  // E1: wrong FAS words in a row; T1: last 4 FPS bits, 1 = wrong
  std::uint8_t crc_running;         // CRC of the current block so far
  std::uint8_t crc_expected;        // CRC of the previous block
  std::uint8_t crc_received;        // C bits of the current block so far
  std::uint8_t crc_valid;           // bit 0: running covers the whole block; bit 1: expected does
  std::uint8_t multiframe_register; // E1 CRC-4 search: the last 6 Si bits of NFAS words
  std::uint8_t search_frames;       // E1 CRC-4 search: frames since basic frame alignment
  std::uint8_t fdl_bits;            // T1: bits into the current FDL word
  std::uint8_t remote_alarm_run;    // E1: NFAS words in a row whose A bit disagrees with the RAI state
  std::uint8_t ais_run;             // periods in a row that disagree with the AIS state
  std::uint8_t alarms;              // LOS, AIS, RAI as detected
  std::uint8_t reserved[2];
};
static_assert(sizeof(ReceiveState) == 34);

struct TransmitState {
  std::uint16_t pending_e_bits;  // E1: received CRC-4 errors not yet reported back in an E-bit
  std::uint8_t frame;            // next frame's number (0 or 8 / 0, 8 or 16 at a block start)
  std::uint8_t crc_running;      // CRC of the block being sent
  std::uint8_t crc_previous;     // CRC of the block sent before: this block's C bits
  std::uint8_t fdl_position;     // T1: bit of the 16-bit FDL word sent next
  std::uint8_t reserved[2];
};
static_assert(sizeof(TransmitState) == 8);

struct Counters {
  std::uint32_t crc_errors;
  std::uint32_t far_end_block_errors;
  std::uint32_t framing_errors;
  std::uint32_t alignment_losses;
};

// An all-zero SpanState is a span just reset: the kernel initialises it on
// its first call, as it does a state made for another type or with a field
// out of its range (corrupt memory), so that no index leaves its array.
struct SpanState {
  std::uint8_t configuration;  // type and kOptionCrc4 this state was made for; 0 = reset
  std::uint8_t reserved[3];
  Counters counters;
  ReceiveState receive;
  TransmitState transmit;
  std::uint8_t history[kHistoryOctets];
};
static_assert(sizeof(SpanState) == 2284, "SpanState as docs/kernels.md gives it");

// ---- CRC-4 and CRC-6 ------------------------------------------------------------

// The remainder of M(x) * x^W divided by the generator, bit by bit, MSB first:
// the check bits of G.704 (CRC-4: x^4 + x + 1, §2.3.3.5.2; CRC-6: x^6 + x + 1,
// §2.1.3.1.3; C1 is the remainder's most significant bit).
inline constexpr std::uint8_t kCrc4Width = 4;
inline constexpr std::uint8_t kCrc4Generator = 0x03;  // x + 1, beside x^4
inline constexpr std::uint8_t kCrc6Width = 6;
inline constexpr std::uint8_t kCrc6Generator = 0x03;  // x + 1, beside x^6

constexpr std::uint8_t crc_next_bit(std::uint8_t remainder, std::uint32_t bit, std::uint8_t width,
                                    std::uint8_t generator) {
  const std::uint32_t mask = (1u << width) - 1;
  const std::uint32_t feedback = ((remainder >> (width - 1)) ^ bit) & 1u;
  std::uint32_t next = (static_cast<std::uint32_t>(remainder) << 1) & mask;
  if (feedback != 0) next ^= generator;
  return static_cast<std::uint8_t>(next);
}

// Four octets at a time ("slicing by 4"): slice[k][v] is v * x^(8k + W)
// mod the generator, so that
//   after octet b:            remainder' = slice[0][(remainder << (8 - W)) ^ b]
//   after octets b0 b1 b2 b3: remainder' = slice[3][(remainder << (8 - W)) ^ b0]
//                                          ^ slice[2][b1] ^ slice[1][b2] ^ slice[0][b3]
// Four lookups of which only one waits for the last remainder: four ROMs in
// the kernel, four independent loads in the C simulation.
inline constexpr std::uint32_t kCrcSlices = 4;

struct CrcTables {
  std::uint8_t slice[kCrcSlices][256];
};

constexpr CrcTables make_crc_tables(std::uint8_t width, std::uint8_t generator) {
  CrcTables tables{};
  for (std::uint32_t value = 0; value < 256; ++value) {
    std::uint8_t remainder = 0;
    for (std::uint32_t bit = 0; bit < 8; ++bit) {
      remainder = crc_next_bit(remainder, (value >> (7 - bit)) & 1u, width, generator);
    }
    for (std::uint32_t k = 0; k < kCrcSlices; ++k) {
      tables.slice[k][value] = remainder;
      for (std::uint32_t bit = 0; bit < 8; ++bit) remainder = crc_next_bit(remainder, 0, width, generator);
    }
  }
  return tables;
}

inline constexpr CrcTables kCrc4Tables = make_crc_tables(kCrc4Width, kCrc4Generator);
inline constexpr CrcTables kCrc6Tables = make_crc_tables(kCrc6Width, kCrc6Generator);

constexpr std::uint8_t crc_next_octet(const CrcTables& tables, std::uint8_t width, std::uint8_t remainder,
                                      std::uint8_t octet) {
  return tables.slice[0][static_cast<std::uint8_t>((remainder << (8 - width)) ^ octet)];
}

constexpr std::uint8_t crc_next_word(const CrcTables& tables, std::uint8_t width, std::uint8_t remainder,
                                     const std::uint8_t* octets) {
  return static_cast<std::uint8_t>(tables.slice[3][static_cast<std::uint8_t>((remainder << (8 - width)) ^ octets[0])] ^
                                   tables.slice[2][octets[1]] ^ tables.slice[1][octets[2]] ^
                                   tables.slice[0][octets[3]]);
}

constexpr std::uint8_t crc4_next_octet(std::uint8_t remainder, std::uint8_t octet) {
  return crc_next_octet(kCrc4Tables, kCrc4Width, remainder, octet);
}
constexpr std::uint8_t crc6_next_octet(std::uint8_t remainder, std::uint8_t octet) {
  return crc_next_octet(kCrc6Tables, kCrc6Width, remainder, octet);
}
constexpr std::uint8_t crc4_next_word(std::uint8_t remainder, const std::uint8_t* octets) {
  return crc_next_word(kCrc4Tables, kCrc4Width, remainder, octets);
}
constexpr std::uint8_t crc6_next_word(std::uint8_t remainder, const std::uint8_t* octets) {
  return crc_next_word(kCrc6Tables, kCrc6Width, remainder, octets);
}

}  // namespace sipnic::tdm_framer

// ---- the kernel -----------------------------------------------------------------

// Frames and deframes 1 ms for spans 0 .. span_count - 1. Per span s, slot s of
// every buffer: controls[s], transmit_payload / receive_payload at
// s * kPayloadBlockOctets, transmit_line / receive_line at s * kLineBlockOctets,
// states[s], statuses[s]. The receive side runs first, so the block sent
// reports (E-bits, remote alarm) what this call received. A span_count above
// kMaxSpans does nothing.
extern "C" void tdm_framer(const sipnic::tdm_framer::SpanControl* controls, const std::uint8_t* transmit_payload,
                           std::uint8_t* transmit_line, const std::uint8_t* receive_line,
                           std::uint8_t* receive_payload, sipnic::tdm_framer::SpanState* states,
                           sipnic::tdm_framer::SpanStatus* statuses, std::uint32_t span_count);
