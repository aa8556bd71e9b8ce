// tdm_framer: see tdm_framer.h and docs/kernels.md.
//
// Receive: the line is a bit stream. Each call appends the block to the bits
// kept from the last call (SpanState::history) and walks that stream one
// step at a time: while hunting, a step tests one bit position as the start of
// a frame (E1: FAS, NFAS bit 2, FAS, G.706 §4.1.2; T1: kT1FpsBitsToAlign FPS
// bits in every rotation of 001011); in frame, a step takes one whole frame.
// Losing alignment hunts again from the bit after the start of the frame that
// lost it; an E1 FAS found spurious (no CRC-4 multiframe) from just after it.
// What is left over (part of a frame, or the bits a candidate still needs) is
// kept for the next call. LOS and AIS watch the raw block, framed or not.
//
// Transmit: blocks start at a frame boundary, 8 frames each, so an E1 block is
// one CRC-4 sub-multiframe and three T1 blocks are one ESF.
#include "tdm_framer/tdm_framer.h"

namespace sipnic::tdm_framer {
namespace {

// ---- constants of the formats ------------------------------------------------------

constexpr std::uint8_t kE1Fas = 0x1B;         // TS0 bits 2..8 of a FAS frame: 0011011
constexpr std::uint8_t kE1FasMask = 0x7F;     // bit 1 is Si (C bit with CRC-4)
constexpr std::uint8_t kE1NfasBit2 = 0x40;    // always 1 in an NFAS word
constexpr std::uint8_t kE1NfasSaBits = 0x1F;  // Sa4..Sa8: not used, sent as 1 (G.704)
constexpr std::uint8_t kE1Mfas = 0x0B;        // 001011 in the Si bits of NFAS frames 1..11
constexpr std::uint32_t kE1MfasBits = 6;
constexpr std::uint8_t kE1MfasLastFrame = 11;

constexpr std::uint8_t kT1Fps[6] = {0, 0, 1, 0, 1, 1};  // F bits of ESF frames 4, 8, ..., 24
constexpr std::uint32_t kT1FpsSpacingBits = 4 * kT1FrameBits;
constexpr std::uint16_t kT1YellowPattern = 0xFF00;  // 11111111 00000000
constexpr std::uint16_t kT1IdlePattern = 0x7E7E;    // HDLC flags on an idle FDL

constexpr std::uint8_t kPhaseHunting = 0;
constexpr std::uint8_t kPhaseCrc4Search = 1;  // E1: basic frame found, CRC-4 multiframe not yet
constexpr std::uint8_t kPhaseInFrame = 2;

constexpr std::uint8_t kAlarmLossOfSignal = 1u << 0;
constexpr std::uint8_t kAlarmIndication = 1u << 1;
constexpr std::uint8_t kAlarmRemote = 1u << 2;

constexpr std::uint8_t kCrcRunningValid = 1u << 0;
constexpr std::uint8_t kCrcExpectedValid = 1u << 1;

// history ++ block ++ one zero octet, so that an octet read at the last bit
// position stays inside.
constexpr std::uint32_t kStreamOctets = kHistoryOctets + kLineBlockOctets + 1;
// Every receive step consumes at least one bit.
constexpr std::uint32_t kMaxReceiveSteps = (kStreamOctets - 1) * 8;

static_assert(kHistoryOctets <= 65535, "history_octets is 16 bits");
static_assert(kE1Crc4SearchFrames % 2 == 0, "the CRC-4 search ends in an NFAS frame");
static_assert(kE1BlockOctets * 8 >= 2 * kE1FrameBits, "a frame and the one before it are in the stream");
static_assert(kE1HuntBits >= kE1FrameBits && kT1HuntBits >= kT1FrameBits,
              "a candidate that passes the hunt has its first frame in the stream");

// ---- small helpers -------------------------------------------------------------------

constexpr std::uint32_t count_ones(std::uint32_t value) {
  std::uint32_t ones = 0;
  for (std::uint32_t bit = 0; bit < 32; ++bit) ones += (value >> bit) & 1u;
  return ones;
}

// Per octet value: its ones, the zeros before its first one (MSB first) and
// after its last (8 for 0). A ROM, so that the line monitor takes an octet a step.
struct OctetBits {
  std::uint8_t ones[256];
  std::uint8_t leading_zeros[256];
  std::uint8_t trailing_zeros[256];
};

constexpr OctetBits make_octet_bits() {
  OctetBits table{};
  for (std::uint32_t value = 0; value < 256; ++value) {
    table.ones[value] = static_cast<std::uint8_t>(count_ones(value));
    std::uint32_t leading = 0;
    while (leading < 8 && ((value >> (7 - leading)) & 1u) == 0) ++leading;
    std::uint32_t trailing = 0;
    while (trailing < 8 && ((value >> trailing) & 1u) == 0) ++trailing;
    table.leading_zeros[value] = static_cast<std::uint8_t>(leading);
    table.trailing_zeros[value] = static_cast<std::uint8_t>(trailing);
  }
  return table;
}

constexpr OctetBits kOctetBits = make_octet_bits();

std::uint32_t stream_bit(const std::uint8_t* stream, std::uint32_t position) {
  return (stream[position >> 3] >> (7 - (position & 7))) & 1u;
}

std::uint8_t stream_octet(const std::uint8_t* stream, std::uint32_t position) {
  const std::uint32_t index = position >> 3;
  const std::uint32_t shift = position & 7;
  const std::uint32_t window = (static_cast<std::uint32_t>(stream[index]) << 8) | stream[index + 1];
  return static_cast<std::uint8_t>(window >> (8 - shift));
}

// CRC-4 over one E1 frame, its TS0 given apart (the C bit counted as 0,
// G.704 §2.3.3.5.2), timeslots 1..31 from frame[1..31].
std::uint8_t e1_frame_crc(std::uint8_t remainder, std::uint8_t ts0, const std::uint8_t* frame) {
  const std::uint8_t first[4] = {ts0, frame[1], frame[2], frame[3]};
  std::uint8_t crc = crc4_next_word(remainder, first);
  for (std::uint32_t t = 4; t < kE1Timeslots; t += 4) {
#pragma HLS PIPELINE II=1
    crc = crc4_next_word(crc, frame + t);
  }
  return crc;
}

// CRC-6 over one T1 frame: its F bit taken as 1 (G.704 §2.1.3.1.3), then the
// 24 channels.
std::uint8_t t1_frame_crc(std::uint8_t remainder, const std::uint8_t* channels) {
  std::uint8_t crc = crc_next_bit(remainder, 1, kCrc6Width, kCrc6Generator);
  for (std::uint32_t c = 0; c < kT1Channels; c += 4) {
#pragma HLS PIPELINE II=1
    crc = crc6_next_word(crc, channels + c);
  }
  return crc;
}
static_assert(kE1Timeslots % 4 == 0 && kT1Channels % 4 == 0, "frames are whole CRC words");

bool yellow_word(std::uint16_t word) {
  std::uint32_t rotated = kT1YellowPattern;
  for (std::uint32_t rotation = 0; rotation < 16; ++rotation) {
#pragma HLS UNROLL
    if (word == rotated) return true;
    rotated = ((rotated << 1) | (rotated >> 15)) & 0xFFFFu;
  }
  return false;
}

// SpanState::configuration: bit 7 set (0 is a reset state), bit 4 CRC-4,
// bits 0..3 the span type.
constexpr std::uint8_t kConfigured = 0x80;
constexpr std::uint8_t kConfiguredCrc4 = 0x10;

bool is_e1(std::uint8_t configuration) { return (configuration & 0x0F) == kE1; }
bool crc4_on(std::uint8_t configuration) { return (configuration & kConfiguredCrc4) != 0; }

std::uint8_t configuration_of(const SpanControl& control) {
  if (frame_octets(control.type) == 0) return 0;
  const bool crc4 = control.type == kE1 && (control.options & kOptionCrc4) != 0;
  return static_cast<std::uint8_t>(kConfigured | control.type | (crc4 ? kConfiguredCrc4 : 0));
}

// ---- state ---------------------------------------------------------------------------

void reset_state(SpanState& state, std::uint8_t configuration) {
  state.configuration = configuration;
  for (std::uint32_t i = 0; i < 3; ++i) state.reserved[i] = 0;
  state.counters = Counters{};
  state.receive = ReceiveState{};
  state.transmit = TransmitState{};
}

// A state made for another type, or with a field out of its range (corrupt
// memory), is reset rather than followed: no index below can then leave its
// array. (The other fields take any value without harm.)
bool state_is_consistent(const SpanState& state, std::uint8_t configuration) {
  const ReceiveState& receive = state.receive;
  const TransmitState& transmit = state.transmit;
  const bool e1 = is_e1(configuration);
  const std::uint32_t frames = e1 ? kE1FramesPerMultiframe : kT1FramesPerMultiframe;
  const std::uint32_t period = e1 ? kE1AisPeriodOctets : kT1AisPeriodOctets;
  if (state.configuration != configuration) return false;
  if (receive.history_octets > kHistoryOctets || receive.history_first_bit > 7) return false;
  if (receive.history_octets == 0 && receive.history_first_bit != 0) return false;
  if (receive.phase > kPhaseInFrame || receive.frame >= frames) return false;
  if (receive.phase == kPhaseCrc4Search && !crc4_on(configuration)) return false;
  if (receive.fdl_bits >= 16 || receive.ais_period_octets >= period) return false;
  if (transmit.frame >= frames || transmit.frame % kFramesPerBlock != 0) return false;
  if (transmit.fdl_position >= 16) return false;
  return true;
}

// Back to hunting: everything learnt from the alignment goes.
void unlock(ReceiveState& receive) {
  receive.phase = kPhaseHunting;
  receive.frame = 0;
  receive.framing_errors_run = 0;
  receive.crc_running = 0;
  receive.crc_expected = 0;
  receive.crc_received = 0;
  receive.crc_valid = 0;
  receive.multiframe_register = 0;
  receive.multiframe_phases = 0;
  receive.search_frames = 0;
  receive.crc_window_blocks = 0;
  receive.crc_window_errors = 0;
  receive.fdl_word = 0;
  receive.fdl_bits = 0;
  receive.yellow_words = 0;
  receive.remote_alarm_run = 0;
  receive.alarms = static_cast<std::uint8_t>(receive.alarms & ~kAlarmRemote);
}

// ---- receive: line monitors (LOS, AIS) ------------------------------------------------

void monitor_line(ReceiveState& receive, bool e1, const std::uint8_t* line, std::uint32_t octets) {
  const std::uint32_t period = e1 ? kE1AisPeriodOctets : kT1AisPeriodOctets;
  const std::uint32_t max_zeros = e1 ? kE1AisMaxZeros : kT1AisMaxZeros;
  const std::uint32_t periods_to_change = e1 ? kE1AisPeriods : kT1AisPeriods;
  std::uint32_t zero_run = receive.zero_run;
  std::uint32_t period_octets = receive.ais_period_octets;
  std::uint32_t period_zeros = receive.ais_period_zeros;
  std::uint32_t ais_run = receive.ais_run;
  bool ais = (receive.alarms & kAlarmIndication) != 0;
  std::uint32_t ones = 0;
  bool long_run = false;
  for (std::uint32_t i = 0; i < kLineBlockOctets; ++i) {
#pragma HLS PIPELINE II=1
    if (i >= octets) break;
    const std::uint8_t octet = line[i];
    const std::uint32_t octet_ones = kOctetBits.ones[octet];
    ones += octet_ones;
    // A run counts for the block it reaches kLossOfSignalZeros in, and for
    // every block it goes on into.
    const std::uint32_t leading = kOctetBits.leading_zeros[octet];
    zero_run += leading;
    if (leading > 0 && zero_run >= kLossOfSignalZeros) long_run = true;
    if (octet != 0) zero_run = kOctetBits.trailing_zeros[octet];
    if (zero_run > kLossOfSignalZeros) zero_run = kLossOfSignalZeros;  // saturate
    // AIS: zeros per period; a period that disagrees with the state counts
    // towards changing it.
    period_zeros += 8 - octet_ones;
    if (++period_octets == period) {
      const bool all_ones = period_zeros <= max_zeros;
      ais_run = all_ones != ais ? ais_run + 1 : 0;
      if (ais_run >= periods_to_change) {
        ais = !ais;
        ais_run = 0;
      }
      period_octets = 0;
      period_zeros = 0;
    }
  }
  receive.zero_run = static_cast<std::uint16_t>(zero_run);
  receive.ais_period_octets = static_cast<std::uint16_t>(period_octets);
  receive.ais_period_zeros = static_cast<std::uint16_t>(period_zeros);
  receive.ais_run = static_cast<std::uint8_t>(ais_run);
  std::uint8_t alarms = static_cast<std::uint8_t>(ais ? receive.alarms | kAlarmIndication
                                                      : receive.alarms & ~kAlarmIndication);
  if (long_run) {
    alarms = static_cast<std::uint8_t>(alarms | kAlarmLossOfSignal);
  } else if (ones >= octets) {  // ones density at least 1 in 8 bits
    alarms = static_cast<std::uint8_t>(alarms & ~kAlarmLossOfSignal);
  }
  receive.alarms = alarms;
}

// ---- receive: the hunt ---------------------------------------------------------------

bool e1_fas_at(const std::uint8_t* stream, std::uint32_t position) {
  return (stream_octet(stream, position) & kE1FasMask) == kE1Fas;
}

// G.706 §4.1.2: FAS, then bit 2 of the next frame's TS0 is 1, then FAS again.
bool e1_alignment_at(const std::uint8_t* stream, std::uint32_t position) {
  return e1_fas_at(stream, position) && (stream_octet(stream, position + kE1FrameBits) & kE1NfasBit2) != 0 &&
         e1_fas_at(stream, position + 2 * kE1FrameBits);
}

// rotations_with[k][b]: the rotations r (bit r) of the FPS whose bit k,
// kT1Fps[(r + k) % 6], is b.
struct FpsRotations {
  std::uint8_t rotations_with[6][2];
};

constexpr FpsRotations make_fps_rotations() {
  FpsRotations table{};
  for (std::uint32_t k = 0; k < 6; ++k) {
    for (std::uint32_t rotation = 0; rotation < 6; ++rotation) {
      const std::uint32_t bit = kT1Fps[(rotation + k) % 6];
      table.rotations_with[k][bit] = static_cast<std::uint8_t>(table.rotations_with[k][bit] | (1u << rotation));
    }
  }
  return table;
}

constexpr FpsRotations kFpsRotations = make_fps_rotations();

// kT1FpsBitsToAlign FPS bits at one position in one of the pattern's
// rotations, the frame there being ESF frame 4 * (rotation + 1). Each F bit
// is read once, against every rotation still possible (the 6 rotations of
// 001011 differ, so at most one is left after 6 bits). Returns the frame
// index (0..23) or -1.
int t1_alignment_at(const std::uint8_t* stream, std::uint32_t position) {
  std::uint32_t rotations = 0x3F;
  for (std::uint32_t fps = 0; fps < kT1FpsBitsToAlign; ++fps) {
    rotations &= kFpsRotations.rotations_with[fps % 6][stream_bit(stream, position + fps * kT1FpsSpacingBits)];
    if (rotations == 0) return -1;
  }
  for (std::uint32_t rotation = 0; rotation < 6; ++rotation) {
    if ((rotations >> rotation) & 1u) return static_cast<int>(4 * rotation + 3);
  }
  return -1;
}

// ---- receive: one frame in frame (or E1 in the CRC-4 search) ------------------------

// A CRC block (E1 sub-multiframe, T1 ESF) ended: check the C bits that came in
// it against the CRC of the block before, keep this block's for the next.
// Returns whether the block was in error.
bool end_crc_block(ReceiveState& receive, Counters& counters, std::uint8_t received) {
  const bool checked = (receive.crc_valid & kCrcExpectedValid) != 0;
  const bool error = checked && received != receive.crc_expected;
  if (error) ++counters.crc_errors;
  const bool whole = (receive.crc_valid & kCrcRunningValid) != 0;
  receive.crc_expected = receive.crc_running;
  receive.crc_valid = static_cast<std::uint8_t>(kCrcRunningValid | (whole ? kCrcExpectedValid : 0));
  receive.crc_running = 0;
  return error;
}

void track_remote_alarm(ReceiveState& receive, bool a_bit) {
  const bool showing = (receive.alarms & kAlarmRemote) != 0;
  if (a_bit == showing) {
    receive.remote_alarm_run = 0;
    return;
  }
  receive.remote_alarm_run = static_cast<std::uint8_t>(receive.remote_alarm_run + 1);
  if (receive.remote_alarm_run >= kE1RemoteAlarmWords) {
    receive.alarms = static_cast<std::uint8_t>(receive.alarms ^ kAlarmRemote);
    receive.remote_alarm_run = 0;
  }
}

// What a frame did to the alignment.
enum class Verdict : std::uint8_t {
  kKeep,      // still aligned (or still searching the CRC-4 multiframe)
  kLost,      // lost here: hunt again from the bit after this frame's start
  kSpurious,  // E1: no CRC-4 multiframe after the FAS, which was spurious:
              // hunt again from the bit after it (G.706 §4.2)
};

// One E1 frame (32 timeslots).
Verdict e1_receive_frame(ReceiveState& receive, Counters& counters, bool crc4,
                      const std::uint8_t* frame, std::uint16_t& pending_e_bits) {
  const std::uint8_t ts0 = frame[0];
  const bool fas_frame = (receive.frame & 1) == 0;
  const std::uint32_t si = ts0 >> 7;
  Verdict verdict = Verdict::kKeep;
  if (fas_frame) {
    if ((ts0 & kE1FasMask) != kE1Fas) {
      ++counters.framing_errors;
      receive.framing_errors_run = static_cast<std::uint8_t>(receive.framing_errors_run + 1);
      if (receive.framing_errors_run >= kE1FasErrorsForLoss) verdict = Verdict::kLost;
    } else {
      receive.framing_errors_run = 0;
    }
    receive.crc_received = static_cast<std::uint8_t>(((receive.crc_received << 1) | si) & 0x0F);
  } else {
    track_remote_alarm(receive, ((ts0 >> 5) & 1u) != 0);
    if (crc4 && receive.phase == kPhaseInFrame && (receive.frame == 13 || receive.frame == 15) && si == 0) {
      ++counters.far_end_block_errors;
    }
  }

  receive.crc_running = e1_frame_crc(receive.crc_running, fas_frame ? (ts0 & kE1FasMask) : ts0, frame);

  if (crc4 && receive.phase == kPhaseCrc4Search) {
    // G.706 §4.2: two MFAS 2 ms (or a multiple) apart within 8 ms.
    receive.search_frames = static_cast<std::uint8_t>(receive.search_frames + 1);
    if (!fas_frame) {
      receive.multiframe_register =
          static_cast<std::uint8_t>(((receive.multiframe_register << 1) | si) & ((1u << kE1MfasBits) - 1));
      if (receive.multiframe_register == kE1Mfas) {
        const std::uint16_t phase = static_cast<std::uint16_t>(1u << (receive.search_frames % 16));
        if ((receive.multiframe_phases & phase) != 0) {
          receive.phase = kPhaseInFrame;
          receive.frame = kE1MfasLastFrame;
          receive.crc_valid = 0;  // the block in progress started before the multiframe was known
        }
        receive.multiframe_phases = static_cast<std::uint16_t>(receive.multiframe_phases | phase);
      }
    }
    if (receive.phase == kPhaseCrc4Search && receive.search_frames >= kE1Crc4SearchFrames &&
        verdict == Verdict::kKeep) {
      verdict = Verdict::kSpurious;
    }
  } else if (crc4 && (receive.frame & 7) == 7) {
    const bool checked = (receive.crc_valid & kCrcExpectedValid) != 0;
    if (end_crc_block(receive, counters, receive.crc_received)) {
      // Reported back to the far end in the next E-bits; saturates at 1 s of errors.
      if (pending_e_bits < kE1Crc4Window) ++pending_e_bits;
      receive.crc_window_errors = static_cast<std::uint16_t>(receive.crc_window_errors + 1);
    }
    if (checked) {
      receive.crc_window_blocks = static_cast<std::uint16_t>(receive.crc_window_blocks + 1);
      if (receive.crc_window_blocks >= kE1Crc4Window) {
        if (receive.crc_window_errors >= kE1Crc4ErrorsForLoss) verdict = Verdict::kLost;
        receive.crc_window_blocks = 0;
        receive.crc_window_errors = 0;
      }
    }
  }
  receive.frame = static_cast<std::uint8_t>((receive.frame + 1) % kE1FramesPerMultiframe);
  return verdict;
}

void t1_receive_fdl_bit(ReceiveState& receive, std::uint32_t bit) {
  receive.fdl_word = static_cast<std::uint16_t>((receive.fdl_word << 1) | bit);
  receive.fdl_bits = static_cast<std::uint8_t>(receive.fdl_bits + 1);
  if (receive.fdl_bits < 16) return;
  receive.fdl_bits = 0;
  const std::uint32_t words = ((static_cast<std::uint32_t>(receive.yellow_words) << 1) |
                               (yellow_word(receive.fdl_word) ? 1u : 0u)) &
                              ((1u << kT1YellowWords) - 1);
  receive.yellow_words = static_cast<std::uint16_t>(words);
  if (count_ones(words) >= kT1YellowWordsForAlarm) {
    receive.alarms = static_cast<std::uint8_t>(receive.alarms | kAlarmRemote);
  } else {
    receive.alarms = static_cast<std::uint8_t>(receive.alarms & ~kAlarmRemote);
  }
}

// One T1 frame: its F bit and 24 channels.
Verdict t1_receive_frame(ReceiveState& receive, Counters& counters, std::uint32_t f_bit,
                      const std::uint8_t* channels) {
  const std::uint32_t number = receive.frame + 1u;  // ESF frames are numbered 1..24
  Verdict verdict = Verdict::kKeep;
  receive.crc_running = t1_frame_crc(receive.crc_running, channels);

  if (number % 4 == 0) {
    const std::uint32_t wrong = f_bit != kT1Fps[number / 4 - 1] ? 1u : 0u;
    counters.framing_errors += wrong;
    receive.framing_errors_run = static_cast<std::uint8_t>(((receive.framing_errors_run << 1) | wrong) & 0x0F);
    if (count_ones(receive.framing_errors_run) >= kT1FpsErrorsForLoss) verdict = Verdict::kLost;
  } else if (number % 2 == 0) {
    receive.crc_received = static_cast<std::uint8_t>(((receive.crc_received << 1) | f_bit) & 0x3F);
  } else {
    t1_receive_fdl_bit(receive, f_bit);
  }
  if (receive.frame == kT1FramesPerMultiframe - 1) end_crc_block(receive, counters, receive.crc_received);
  receive.frame = static_cast<std::uint8_t>((receive.frame + 1) % kT1FramesPerMultiframe);
  return verdict;
}

// ---- receive: one block ----------------------------------------------------------------

// Returns the number of frames written to payload (in order, at most 8).
std::uint32_t receive_block(SpanState& state, const std::uint8_t* line, std::uint8_t* payload) {
  ReceiveState& receive = state.receive;
  const bool e1 = is_e1(state.configuration);
  const bool crc4 = crc4_on(state.configuration);
  const std::uint32_t line_octets = e1 ? kE1BlockOctets : kT1BlockOctets;
  const std::uint32_t frame_bits = e1 ? kE1FrameBits : kT1FrameBits;
  const std::uint32_t hunt_bits = e1 ? kE1HuntBits : kT1HuntBits;

  monitor_line(receive, e1, line, line_octets);

  std::uint8_t stream[kStreamOctets];
  const std::uint32_t held = receive.history_octets;
  for (std::uint32_t i = 0; i < kHistoryOctets; ++i) {
#pragma HLS PIPELINE II=1
    if (i >= held) break;
    stream[i] = state.history[i];
  }
  for (std::uint32_t i = 0; i < kLineBlockOctets; ++i) {
#pragma HLS PIPELINE II=1
    if (i >= line_octets) break;
    stream[held + i] = line[i];
  }
  const std::uint32_t end_octets = held + line_octets;
  stream[end_octets] = 0;
  const std::uint32_t end = end_octets * 8;

  // The last 8 frames taken in frame, a ring: the first frames of a call that
  // finds alignment deep in its history are not delivered.
  std::uint8_t frames[kFramesPerBlock][kMaxFrameOctets];
  std::uint32_t delivered = 0;
  std::uint8_t frame[kMaxFrameOctets];

  std::uint32_t position = receive.history_first_bit;
  for (std::uint32_t step = 0; step < kMaxReceiveSteps; ++step) {
    if (receive.phase == kPhaseHunting) {
      if (position + hunt_bits > end) break;
      if (e1) {
        if (!e1_alignment_at(stream, position)) {
          ++position;
          continue;
        }
        unlock(receive);
        receive.phase = crc4 ? kPhaseCrc4Search : kPhaseInFrame;
        receive.frame = 0;
      } else {
        const int frame_index = t1_alignment_at(stream, position);
        if (frame_index < 0) {
          ++position;
          continue;
        }
        unlock(receive);
        receive.phase = kPhaseInFrame;
        receive.frame = static_cast<std::uint8_t>(frame_index);
      }
    }
    if (position + frame_bits > end) break;

    const bool was_in_frame = receive.phase == kPhaseInFrame;
    Verdict verdict;
    if (e1) {
      for (std::uint32_t t = 0; t < kE1Timeslots; ++t) {
#pragma HLS PIPELINE II=1
        frame[t] = stream_octet(stream, position + 8 * t);
      }
      verdict = e1_receive_frame(receive, state.counters, crc4, frame, state.transmit.pending_e_bits);
    } else {
      for (std::uint32_t c = 0; c < kT1Channels; ++c) {
#pragma HLS PIPELINE II=1
        frame[c] = stream_octet(stream, position + 1 + 8 * c);
      }
      verdict = t1_receive_frame(receive, state.counters, stream_bit(stream, position), frame);
    }
    if (verdict == Verdict::kLost) {
      if (was_in_frame) ++state.counters.alignment_losses;
      unlock(receive);
      position += 1;  // hunt again from the bit after this frame's start
      continue;
    }
    if (verdict == Verdict::kSpurious) {
      // The search gave up in an NFAS frame (kE1Crc4SearchFrames is even), so
      // the spurious FAS phase is one frame on (or one back): start just
      // after it, and a FAS that repeats in the payload is met last, not first.
      unlock(receive);
      position = position + kE1FrameBits + 1 <= end ? position + kE1FrameBits + 1 : position - kE1FrameBits + 1;
      continue;
    }
    if (was_in_frame) {
      const std::uint32_t slot = delivered % kFramesPerBlock;
      for (std::uint32_t i = 0; i < kMaxFrameOctets; ++i) {
#pragma HLS PIPELINE II=1
        frames[slot][i] = frame[i];
      }
      ++delivered;
    }
    position += frame_bits;
  }

  // Keep what is left for the next call (it always fits: less than a frame in
  // frame, less than hunt_bits while hunting).
  const std::uint32_t first_octet = position >> 3;
  const std::uint32_t keep_octets = end_octets > first_octet ? end_octets - first_octet : 0;
  if (keep_octets > kHistoryOctets) {
    unlock(receive);
    receive.history_octets = 0;
    receive.history_first_bit = 0;
  } else {
    for (std::uint32_t i = 0; i < kHistoryOctets; ++i) {
#pragma HLS PIPELINE II=1
      if (i >= keep_octets) break;
      state.history[i] = stream[first_octet + i];
    }
    receive.history_octets = static_cast<std::uint16_t>(keep_octets);
    receive.history_first_bit = static_cast<std::uint8_t>(keep_octets == 0 ? 0 : position & 7);
  }

  // Frame after frame, frame_octets each, zeros after the last.
  const std::uint32_t count = delivered < kFramesPerBlock ? delivered : kFramesPerBlock;
  const std::uint32_t first = delivered - count;
  const std::uint32_t octets = e1 ? kE1Timeslots : kT1Channels;
  std::uint32_t frame_index = 0;
  std::uint32_t octet_index = 0;
  for (std::uint32_t offset = 0; offset < kPayloadBlockOctets; ++offset) {
#pragma HLS PIPELINE II=1
    std::uint8_t octet = 0;
    if (frame_index < count) {
      octet = frames[(first + frame_index) % kFramesPerBlock][octet_index];
      if (++octet_index == octets) {
        octet_index = 0;
        ++frame_index;
      }
    }
    payload[offset] = octet;
  }
  return count;
}

// ---- transmit ----------------------------------------------------------------------------

void e1_transmit_block(TransmitState& transmit, bool crc4, bool remote_alarm,
                       const std::uint8_t* payload, std::uint8_t* line) {
  std::uint8_t crc = transmit.crc_running;
  for (std::uint32_t f = 0; f < kFramesPerBlock; ++f) {
    const std::uint32_t number = transmit.frame;
    std::uint32_t si = 1;  // G.704: Si bits not used for CRC-4 are 1
    std::uint8_t ts0;
    if (number % 2 == 0) {
      if (crc4) si = (transmit.crc_previous >> (3 - (number % 8) / 2)) & 1u;  // C1..C4
      ts0 = static_cast<std::uint8_t>((si << 7) | kE1Fas);
    } else {
      if (crc4 && number <= kE1MfasLastFrame) {
        si = (kE1Mfas >> (kE1MfasBits - 1 - (number - 1) / 2)) & 1u;
      } else if (crc4) {  // frames 13 and 15: E-bits, 0 for each errored block received
        si = 1;
        if (transmit.pending_e_bits > 0) {
          si = 0;
          --transmit.pending_e_bits;
        }
      }
      ts0 = static_cast<std::uint8_t>((si << 7) | kE1NfasBit2 | ((remote_alarm ? 1u : 0u) << 5) | kE1NfasSaBits);
    }
    const std::uint8_t* frame = payload + f * kE1Timeslots;
    line[f * kE1Timeslots] = ts0;
    for (std::uint32_t t = 1; t < kE1Timeslots; ++t) {
#pragma HLS PIPELINE II=1
      line[f * kE1Timeslots + t] = frame[t];
    }
    crc = e1_frame_crc(crc, number % 2 == 0 ? (ts0 & kE1FasMask) : ts0, frame);
    if (number % 8 == 7) {
      transmit.crc_previous = crc;
      crc = 0;
    }
    transmit.frame = static_cast<std::uint8_t>((number + 1) % kE1FramesPerMultiframe);
  }
  transmit.crc_running = crc;
}

void t1_transmit_block(TransmitState& transmit, bool remote_alarm, const std::uint8_t* payload,
                       std::uint8_t* line) {
  std::uint8_t crc = transmit.crc_running;
  std::uint32_t out = 0;          // octets written
  std::uint32_t pending = 0;      // bits not yet written, right-aligned
  std::uint32_t pending_bits = 0;
  const std::uint16_t fdl_pattern = remote_alarm ? kT1YellowPattern : kT1IdlePattern;
  for (std::uint32_t f = 0; f < kFramesPerBlock; ++f) {
    const std::uint32_t number = transmit.frame + 1u;
    std::uint32_t f_bit;
    if (number % 4 == 0) {
      f_bit = kT1Fps[number / 4 - 1];
    } else if (number % 2 == 0) {
      f_bit = (transmit.crc_previous >> (5 - (number - 2) / 4)) & 1u;  // C1..C6
    } else {
      f_bit = (fdl_pattern >> (15 - transmit.fdl_position)) & 1u;
      transmit.fdl_position = static_cast<std::uint8_t>((transmit.fdl_position + 1) % 16);
    }
    const std::uint8_t* channels = payload + f * kT1Channels;
    crc = t1_frame_crc(crc, channels);
    pending = (pending << 1) | f_bit;
    ++pending_bits;
    for (std::uint32_t c = 0; c < kT1Channels; ++c) {
#pragma HLS PIPELINE II=1
      const std::uint8_t octet = channels[c];
      pending = ((pending << 8) | octet) & 0xFFFFu;
      line[out++] = static_cast<std::uint8_t>(pending >> pending_bits);
    }
    if (pending_bits == 8) {
      line[out++] = static_cast<std::uint8_t>(pending);
      pending_bits = 0;
    }
    pending &= (1u << pending_bits) - 1;
    if (number == kT1FramesPerMultiframe) {
      transmit.crc_previous = crc;
      crc = 0;
    }
    transmit.frame = static_cast<std::uint8_t>(number % kT1FramesPerMultiframe);
  }
  transmit.crc_running = crc;
}

// ---- one span ------------------------------------------------------------------------------

void frame_span(const SpanControl& control, const std::uint8_t* transmit_payload, std::uint8_t* transmit_line,
                const std::uint8_t* receive_line, std::uint8_t* receive_payload, SpanState& state,
                SpanStatus& status) {
  status = SpanStatus{};
  const std::uint8_t configuration = configuration_of(control);
  if (configuration == 0) {
    state.configuration = 0;  // the next valid control starts afresh
    for (std::uint32_t i = 0; i < kLineBlockOctets; ++i) transmit_line[i] = 0;
    for (std::uint32_t i = 0; i < kPayloadBlockOctets; ++i) receive_payload[i] = 0;
    status.flags = kStatusBadControl;
    return;
  }
  if (!state_is_consistent(state, configuration)) reset_state(state, configuration);
  const bool e1 = is_e1(configuration);

  std::uint32_t frames = 0;
  if ((control.options & kOptionSkipReceive) != 0) {
    for (std::uint32_t i = 0; i < kPayloadBlockOctets; ++i) receive_payload[i] = 0xFF;
  } else {
    frames = receive_block(state, receive_line, receive_payload);
  }
  const ReceiveState& receive = state.receive;
  const bool aligned = receive.phase == kPhaseInFrame;
  // LOS and AIS are defects of a signal that cannot be framed: a line in
  // frame is neither, whatever its payload (the virtual line has no line code,
  // HDB3 / B8ZS, so idle channels of zeros leave long runs of zeros on it).
  const bool los = !aligned && (receive.alarms & kAlarmLossOfSignal) != 0;
  const bool ais = !aligned && (receive.alarms & kAlarmIndication) != 0;
  // Consequent action (G.704, T1.403): a receiver in alarm sends RAI / yellow.
  const bool send_remote_alarm = (control.options & kOptionSendRemoteAlarm) != 0 || !aligned || los || ais;

  if ((control.options & kOptionSendAis) != 0) {
    for (std::uint32_t i = 0; i < kLineBlockOctets; ++i) transmit_line[i] = 0xFF;
  } else if (e1) {
    e1_transmit_block(state.transmit, crc4_on(configuration), send_remote_alarm, transmit_payload, transmit_line);
  } else {
    t1_transmit_block(state.transmit, send_remote_alarm, transmit_payload, transmit_line);
  }
  for (std::uint32_t i = e1 ? kE1BlockOctets : kT1BlockOctets; i < kLineBlockOctets; ++i) transmit_line[i] = 0;

  std::uint32_t flags = aligned ? kStatusAligned : kStatusLossOfFrame;
  if (los) flags |= kStatusLossOfSignal;
  if (ais) flags |= kStatusAlarmIndication;
  if (aligned && (receive.alarms & kAlarmRemote) != 0) flags |= kStatusRemoteAlarm;
  if (send_remote_alarm && (control.options & kOptionSendAis) == 0) flags |= kStatusSendingRemoteAlarm;
  status.flags = flags;
  status.received_frames = frames;
  status.crc_errors = state.counters.crc_errors;
  status.far_end_block_errors = state.counters.far_end_block_errors;
  status.framing_errors = state.counters.framing_errors;
  status.alignment_losses = state.counters.alignment_losses;
}

}  // namespace
}  // namespace sipnic::tdm_framer

extern "C" void tdm_framer(const sipnic::tdm_framer::SpanControl* controls, const std::uint8_t* transmit_payload,
                           std::uint8_t* transmit_line, const std::uint8_t* receive_line,
                           std::uint8_t* receive_payload, sipnic::tdm_framer::SpanState* states,
                           sipnic::tdm_framer::SpanStatus* statuses, std::uint32_t span_count) {
  using namespace sipnic::tdm_framer;
#pragma HLS INTERFACE m_axi port=controls offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=transmit_payload offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=transmit_line offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=receive_line offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=receive_payload offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=states offset=slave bundle=gmem
#pragma HLS INTERFACE m_axi port=statuses offset=slave bundle=gmem
#pragma HLS INTERFACE s_axilite port=controls
#pragma HLS INTERFACE s_axilite port=transmit_payload
#pragma HLS INTERFACE s_axilite port=transmit_line
#pragma HLS INTERFACE s_axilite port=receive_line
#pragma HLS INTERFACE s_axilite port=receive_payload
#pragma HLS INTERFACE s_axilite port=states
#pragma HLS INTERFACE s_axilite port=statuses
#pragma HLS INTERFACE s_axilite port=span_count
#pragma HLS INTERFACE s_axilite port=return
  if (span_count > kMaxSpans) return;
  for (std::uint32_t span = 0; span < span_count; ++span) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=kMaxSpans
    frame_span(controls[span], transmit_payload + span * kPayloadBlockOctets, transmit_line + span * kLineBlockOctets,
               receive_line + span * kLineBlockOctets, receive_payload + span * kPayloadBlockOctets, states[span],
               statuses[span]);
  }
}

