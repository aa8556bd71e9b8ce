// tdm_framer (hls/tdm_framer): the E1/T1 framer kernel's C simulation, spans
// wired to spans through simulated lines (a bit delay, tampering, garbage),
// checked against the G.704 words, an independent long-division CRC, and
// payload frames that say which frame they are.
#include "tdm_framer/tdm_framer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace sipnic::tdm_framer {
namespace {

bool is_e1(std::uint8_t type) { return type == kE1; }
std::uint32_t frame_bits_of(std::uint8_t type) { return is_e1(type) ? kE1FrameBits : kT1FrameBits; }
std::uint32_t block_octets_of(std::uint8_t type) { return is_e1(type) ? kE1BlockOctets : kT1BlockOctets; }
std::uint32_t multiframe_of(std::uint8_t type) {
  return is_e1(type) ? kE1FramesPerMultiframe : kT1FramesPerMultiframe;
}
// The payload octets a frame carries: E1 timeslots 1..31, T1 channels 1..24.
std::uint32_t first_slot_of(std::uint8_t type) { return is_e1(type) ? 1 : 0; }
std::uint32_t slots_of(std::uint8_t type) { return is_e1(type) ? kE1Timeslots - 1 : kT1Channels; }

std::uint32_t bit_of(const std::uint8_t* octets, std::uint32_t position) {
  return (octets[position / 8] >> (7 - position % 8)) & 1u;
}
void flip_bit(std::uint8_t* octets, std::uint32_t position) {
  octets[position / 8] = static_cast<std::uint8_t>(octets[position / 8] ^ (0x80u >> (position % 8)));
}

// ---- the reference CRC: polynomial long division, not an LFSR ----------------------

// Remainder of bits(x) * x^width divided by generator (all width + 1 bits,
// MSB first: x^4 + x + 1 is 10011).
std::uint32_t long_division(std::vector<std::uint8_t> bits, std::uint32_t width, std::uint32_t generator) {
  bits.resize(bits.size() + width, 0);
  for (std::size_t i = 0; i + width < bits.size(); ++i) {
    if (bits[i] == 0) continue;
    for (std::uint32_t k = 0; k <= width; ++k) bits[i + k] ^= (generator >> (width - k)) & 1u;
  }
  std::uint32_t remainder = 0;
  for (std::size_t i = bits.size() - width; i < bits.size(); ++i) remainder = (remainder << 1) | bits[i];
  return remainder;
}
constexpr std::uint32_t kCrc4Polynomial = 0b10011;    // x^4 + x + 1
constexpr std::uint32_t kCrc6Polynomial = 0b1000011;  // x^6 + x + 1

std::vector<std::uint8_t> bits_of(const std::vector<std::uint8_t>& octets) {
  std::vector<std::uint8_t> bits;
  for (std::uint8_t octet : octets) {
    for (int bit = 7; bit >= 0; --bit) bits.push_back((octet >> bit) & 1u);
  }
  return bits;
}

// ---- payload that says which frame it is -------------------------------------------

std::uint8_t mix(std::uint32_t tag, std::uint32_t frame, std::uint32_t slot) {
  std::uint32_t x = tag * 0x9E3779B1u ^ frame * 0x85EBCA77u ^ (slot + 1) * 0xC2B2AE3Du;
  x ^= x >> 15;
  x *= 0x2C1B3C6Du;
  x ^= x >> 12;
  return static_cast<std::uint8_t>(x >> 24);
}

// A frame's first three payload octets hold its number, the fourth the
// sender's tag, the rest mix() of the three: a sink tells frames lost,
// repeated, corrupted or from another span.
class PayloadSource {
 public:
  PayloadSource(std::uint8_t type, std::uint32_t tag) : type_(type), tag_(tag) {}
  // Every payload octet this value instead (idle channels).
  void set_constant(int value) { constant_ = value; }
  // Payload octet `octet` of even frames `even`, of odd frames `odd` (a
  // pattern that mimics framing words).
  void set_mimic(std::uint32_t octet, std::uint8_t even, std::uint8_t odd) {
    mimic_octet_ = static_cast<int>(octet);
    mimic_[0] = even;
    mimic_[1] = odd;
  }
  void fill(std::uint8_t* payload) {
    std::memset(payload, 0, kPayloadBlockOctets);
    for (std::uint32_t f = 0; f < kFramesPerBlock; ++f, ++next_) {
      std::uint8_t* frame = payload + f * frame_octets(type_);
      const std::uint32_t first = first_slot_of(type_);
      for (std::uint32_t s = 0; s < slots_of(type_); ++s) {
        std::uint8_t value;
        if (constant_ >= 0) value = static_cast<std::uint8_t>(constant_);
        else if (s < 3) value = static_cast<std::uint8_t>(next_ >> (8 * s));
        else if (s == 3) value = static_cast<std::uint8_t>(tag_);
        else value = mix(tag_, next_, s);
        frame[first + s] = value;
      }
      if (mimic_octet_ >= 0) frame[mimic_octet_] = mimic_[next_ % 2];
    }
  }

 private:
  std::uint8_t type_;
  std::uint32_t tag_;
  std::uint32_t next_ = 0;
  int constant_ = -1;
  int mimic_octet_ = -1;
  std::uint8_t mimic_[2] = {};
};

class PayloadSink {
 public:
  PayloadSink(std::uint8_t type, std::uint32_t tag) : type_(type), tag_(tag) {}
  // Payload octet `octet` is not the source's (PayloadSource::set_mimic).
  void ignore(std::uint32_t octet) { ignored_ = static_cast<int>(octet); }
  void take(const std::uint8_t* payload, std::uint32_t frames) {
    // After the frames delivered: zeros.
    for (std::uint32_t i = frames * frame_octets(type_); i < kPayloadBlockOctets; ++i) {
      if (payload[i] != 0) ++bad_;
    }
    for (std::uint32_t f = 0; f < frames; ++f) {
      const std::uint8_t* frame = payload + f * frame_octets(type_);
      const std::uint8_t* slots = frame + first_slot_of(type_);
      const std::uint32_t number = slots[0] | (slots[1] << 8) | (slots[2] << 16);
      bool good = slots[3] == static_cast<std::uint8_t>(tag_);
      for (std::uint32_t s = 4; s < slots_of(type_); ++s) {
        const bool ignored = static_cast<int>(first_slot_of(type_) + s) == ignored_;
        good = good && (ignored || slots[s] == mix(tag_, number, s));
      }
      ++frames_;
      if (!good) {
        ++bad_;
        if (started_) ++expected_;  // its number may be corrupt too: assume the next
        continue;
      }
      if (started_ && number != expected_) ++gaps_;
      started_ = true;
      expected_ = number + 1;
    }
  }
  // Starts counting afresh (after a loss of alignment frames are missing).
  void reset() {
    const int ignored = ignored_;
    *this = PayloadSink(type_, tag_);
    ignored_ = ignored;
  }
  std::uint32_t frames() const { return frames_; }
  std::uint32_t bad() const { return bad_; }
  std::uint32_t gaps() const { return gaps_; }

 private:
  std::uint8_t type_;
  std::uint32_t tag_;
  bool started_ = false;
  std::uint32_t expected_ = 0;
  std::uint32_t frames_ = 0;
  std::uint32_t bad_ = 0;
  std::uint32_t gaps_ = 0;
  int ignored_ = -1;
};

// A line that delays the bit stream by a number of random bits: the far end
// sees blocks that start anywhere in a frame.
class BitDelay {
 public:
  BitDelay(std::uint32_t delay_bits, std::uint32_t seed) {
    std::mt19937 random(seed);
    for (std::uint32_t i = 0; i < delay_bits; ++i) write_bit(random() & 1u);
  }
  // in and out may be the same block.
  void pass(const std::uint8_t* in, std::uint8_t* out, std::uint32_t octets) {
    bits_.resize(written_ / 8 + octets + 2, 0);
    for (std::uint32_t i = 0; i < octets; ++i) write_octet(in[i]);
    for (std::uint32_t i = 0; i < octets; ++i, read_ += 8) {
      const std::size_t index = read_ / 8;
      const std::uint32_t shift = read_ % 8;
      const std::uint32_t window = (bits_[index] << 8) | bits_[index + 1];
      out[i] = static_cast<std::uint8_t>(window >> (8 - shift));
    }
    const std::size_t consumed = read_ / 8;  // keep the buffer small
    bits_.erase(bits_.begin(), bits_.begin() + static_cast<std::ptrdiff_t>(consumed));
    read_ -= 8 * consumed;
    written_ -= 8 * consumed;
  }

 private:
  void write_bit(std::uint32_t bit) {
    bits_.resize(written_ / 8 + 2, 0);
    if (bit != 0) flip_bit(bits_.data(), static_cast<std::uint32_t>(written_));
    ++written_;
  }
  // Room for it made by the caller.
  void write_octet(std::uint8_t octet) {
    const std::size_t index = written_ / 8;
    const std::uint32_t shift = written_ % 8;
    bits_[index] = static_cast<std::uint8_t>(bits_[index] | (octet >> shift));
    if (shift != 0) bits_[index + 1] = static_cast<std::uint8_t>(bits_[index + 1] | (octet << (8 - shift)));
    written_ += 8;
  }

  std::vector<std::uint8_t> bits_;  // the bits in transit, MSB first, zero past written_
  std::uint64_t written_ = 0;
  std::uint64_t read_ = 0;
};

// The spans of one batch and what reaches their receivers. A call is 1 ms:
// sources fill the transmit payloads, the kernel runs, sinks take the receive
// payloads, and each line carries the block just sent to its far end for the
// next call.
class Batch {
 public:
  // block: a transmitted block on its way to the receiver (modifiable); call:
  // the number of the call that sent it.
  using Tamper = std::function<void(std::uint8_t* block, std::uint64_t call)>;

  explicit Batch(std::size_t spans)
      : controls_(spans), transmit_payload_(spans * kPayloadBlockOctets), transmit_line_(spans * kLineBlockOctets),
        receive_line_(spans * kLineBlockOctets), receive_payload_(spans * kPayloadBlockOctets), states_(spans),
        statuses_(spans), links_(spans) {}

  void configure(std::size_t span, std::uint8_t type, std::uint8_t options = 0) {
    controls_[span] = SpanControl{type, options, {}};
    sources_.insert_or_assign(span, PayloadSource(type, static_cast<std::uint32_t>(span + 1)));
  }
  void set_options(std::size_t span, std::uint8_t options) { controls_[span].options = options; }
  // Span `to` receives what span `from` sends, delay_bits later.
  void connect(std::size_t from, std::size_t to, std::uint32_t delay_bits = 0) {
    links_[to] = Link{true, from, BitDelay(delay_bits, static_cast<std::uint32_t>(to * 7919 + delay_bits)), nullptr};
    sinks_.insert_or_assign(to, PayloadSink(controls_[from].type, static_cast<std::uint32_t>(from + 1)));
  }
  // What reaches span `to` passes through this first (nullptr: nothing).
  void set_tamper(std::size_t to, Tamper tamper) { links_[to].tamper = std::move(tamper); }
  // Span `to` receives this instead of a far end (after the tamper, if any).
  void disconnect(std::size_t to) { links_[to].connected = false; }

  void step(std::uint32_t calls = 1) {
    for (std::uint32_t c = 0; c < calls; ++c) step_once();
  }
  // Steps until the span is aligned; returns the calls it took, or limit + 1.
  std::uint32_t step_until_aligned(std::size_t span, std::uint32_t limit) {
    for (std::uint32_t c = 1; c <= limit; ++c) {
      step_once();
      if (aligned(span)) return c;
    }
    return limit + 1;
  }

  bool aligned(std::size_t span) const { return (statuses_[span].flags & kStatusAligned) != 0; }
  bool flag(std::size_t span, std::uint32_t flag) const { return (statuses_[span].flags & flag) != 0; }
  const SpanStatus& status(std::size_t span) const { return statuses_[span]; }
  PayloadSource& source(std::size_t span) { return sources_.at(span); }
  PayloadSink& sink(std::size_t span) { return sinks_.at(span); }
  SpanState& state(std::size_t span) { return states_[span]; }
  const std::uint8_t* transmitted(std::size_t span) const { return &transmit_line_[span * kLineBlockOctets]; }
  const std::uint8_t* received_payload(std::size_t span) const {
    return &receive_payload_[span * kPayloadBlockOctets];
  }
  std::uint8_t* receive_line(std::size_t span) { return &receive_line_[span * kLineBlockOctets]; }
  std::uint64_t calls() const { return calls_; }

 private:
  struct Link {
    bool connected = false;
    std::size_t from = 0;
    BitDelay delay{0, 0};
    Tamper tamper;
  };

  void step_once() {
    for (auto& [span, source] : sources_) source.fill(&transmit_payload_[span * kPayloadBlockOctets]);
    ::tdm_framer(controls_.data(), transmit_payload_.data(), transmit_line_.data(), receive_line_.data(),
               receive_payload_.data(), states_.data(), statuses_.data(), static_cast<std::uint32_t>(controls_.size()));
    for (auto& [span, sink] : sinks_) sink.take(received_payload(span), statuses_[span].received_frames);
    for (std::size_t to = 0; to < links_.size(); ++to) {
      Link& link = links_[to];
      std::uint8_t* line = receive_line(to);
      if (link.connected) {
        link.delay.pass(transmitted(link.from), line, block_octets_of(controls_[link.from].type));
      }
      if (link.tamper) link.tamper(line, calls_);
    }
    ++calls_;
  }

  std::vector<SpanControl> controls_;
  std::vector<std::uint8_t> transmit_payload_;
  std::vector<std::uint8_t> transmit_line_;
  std::vector<std::uint8_t> receive_line_;
  std::vector<std::uint8_t> receive_payload_;
  std::vector<SpanState> states_;
  std::vector<SpanStatus> statuses_;
  std::vector<Link> links_;
  std::map<std::size_t, PayloadSource> sources_;
  std::map<std::size_t, PayloadSink> sinks_;
  std::uint64_t calls_ = 0;
};

// Two spans of one type wired back to back, 0 -> 1 with a bit delay.
struct LineCase {
  const char* name;
  std::uint8_t type;
  std::uint8_t options;
};
const LineCase kLineCases[] = {
    {"e1_crc4", kE1, kOptionCrc4},
    {"e1", kE1, 0},
    {"t1_esf", kT1, 0},
};

Batch back_to_back(const LineCase& line, std::uint32_t delay_bits = 0) {
  Batch batch(2);
  batch.configure(0, line.type, line.options);
  batch.configure(1, line.type, line.options);
  batch.connect(0, 1, delay_bits);
  batch.connect(1, 0);
  return batch;
}

// Alignment takes the hunt's look-ahead (E1: three frames; T1: 24 FPS bits,
// 12 ms) plus, with CRC-4, two multiframe alignment words 2 ms apart, plus up
// to one multiframe of delay on the line.
constexpr std::uint32_t kAlignCalls = 24;
// E1 without CRC-4 can lock on a spurious FAS in the payload (G.706 checks
// three frames only); that lock goes again after three wrong FAS words, a
// call or two. Tests that count what follows an alignment let it settle.
constexpr std::uint32_t kSettleCalls = 4;
// A remote alarm reaches the far end in kE1RemoteAlarmWords NFAS words (E1)
// or kT1YellowWordsForAlarm FDL words of 4 ms (T1).
std::uint32_t remote_alarm_calls(std::uint8_t type) { return is_e1(type) ? 3 : 40; }

// After a disturbance: span 1 aligns again, then takes span 0's frames
// without a loss, a bad frame or a gap, both ends free of alarms.
void expect_realigns_and_holds(Batch& batch, std::uint8_t type) {
  ASSERT_LE(batch.step_until_aligned(1, kAlignCalls), kAlignCalls);
  batch.step(remote_alarm_calls(type) + kSettleCalls);
  const std::uint32_t losses = batch.status(1).alignment_losses;
  batch.sink(1).reset();
  batch.step(30);
  EXPECT_EQ(batch.status(1).flags, kStatusAligned);
  EXPECT_EQ(batch.status(0).flags, kStatusAligned);
  EXPECT_EQ(batch.status(1).alignment_losses, losses);
  EXPECT_EQ(batch.sink(1).frames(), 30 * kFramesPerBlock);
  EXPECT_EQ(batch.sink(1).bad(), 0u);
  EXPECT_EQ(batch.sink(1).gaps(), 0u);
}

class FramerLine : public ::testing::TestWithParam<LineCase> {};

// ---- CRC -------------------------------------------------------------------------------

TEST(FramerCrc, SingleOctetRemaindersMatchHandWorkedDivisions) {
  // 0x80 is x^7: x^11 mod (x^4 + x + 1) = x^3 + x^2 + x; x^13 mod (x^6 + x + 1) = x^3 + x.
  EXPECT_EQ(crc4_next_octet(0, 0x80), 0x0E);
  EXPECT_EQ(crc6_next_octet(0, 0x80), 0x0A);
  // 0x01 is 1: x^4 = x + 1, x^6 = x + 1.
  EXPECT_EQ(crc4_next_octet(0, 0x01), 0x03);
  EXPECT_EQ(crc6_next_octet(0, 0x01), 0x03);
  // 0xFF is x^7 + ... + 1: the sums of x^4..x^11 and x^6..x^13.
  EXPECT_EQ(crc4_next_octet(0, 0xFF), 0x04);
  EXPECT_EQ(crc6_next_octet(0, 0xFF), 0x0D);
}

TEST(FramerCrc, OctetAndWordTablesAgreeWithLongDivisionOnRandomMessages) {
  std::mt19937 random(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::uint8_t> message(1 + random() % 300);
    for (auto& octet : message) octet = static_cast<std::uint8_t>(random());
    std::uint8_t crc4 = 0;
    std::uint8_t crc6 = 0;
    for (std::uint8_t octet : message) {
      crc4 = crc4_next_octet(crc4, octet);
      crc6 = crc6_next_octet(crc6, octet);
    }
    ASSERT_EQ(crc4, long_division(bits_of(message), 4, kCrc4Polynomial)) << "trial " << trial;
    ASSERT_EQ(crc6, long_division(bits_of(message), 6, kCrc6Polynomial)) << "trial " << trial;
    // Four octets at a time, over the whole words of the message.
    const std::size_t whole = message.size() / 4 * 4;
    std::uint8_t crc4_words = 0;
    std::uint8_t crc6_words = 0;
    for (std::size_t i = 0; i < whole; i += 4) {
      crc4_words = crc4_next_word(crc4_words, &message[i]);
      crc6_words = crc6_next_word(crc6_words, &message[i]);
    }
    message.resize(whole);
    ASSERT_EQ(crc4_words, long_division(bits_of(message), 4, kCrc4Polynomial)) << "trial " << trial;
    ASSERT_EQ(crc6_words, long_division(bits_of(message), 6, kCrc6Polynomial)) << "trial " << trial;
  }
}

TEST(FramerCrc, E1CBitsAreTheCrc4OfThePreviousSubMultiframeWithItsCBitsZero) {
  Batch batch(1);
  batch.configure(0, kE1, kOptionCrc4);
  std::vector<std::vector<std::uint8_t>> blocks;  // one sub-multiframe per call
  for (int call = 0; call < 12; ++call) {
    batch.step();
    blocks.emplace_back(batch.transmitted(0), batch.transmitted(0) + kE1BlockOctets);
  }
  for (std::size_t b = 1; b < blocks.size(); ++b) {
    std::vector<std::uint8_t> previous = blocks[b - 1];
    for (std::uint32_t f = 0; f < kFramesPerBlock; f += 2) previous[f * kE1Timeslots] &= 0x7F;  // C bits as 0
    std::uint32_t c_bits = 0;
    for (std::uint32_t f = 0; f < kFramesPerBlock; f += 2) c_bits = (c_bits << 1) | (blocks[b][f * kE1Timeslots] >> 7);
    EXPECT_EQ(c_bits, long_division(bits_of(previous), 4, kCrc4Polynomial)) << "sub-multiframe " << b;
  }
}

TEST(FramerCrc, T1CrcBitsAreTheCrc6OfThePreviousSuperframeWithItsFBitsOne) {
  Batch batch(1);
  batch.configure(0, kT1);
  std::vector<std::uint8_t> line;  // 3 blocks per ESF
  for (int call = 0; call < 12; ++call) {
    batch.step();
    line.insert(line.end(), batch.transmitted(0), batch.transmitted(0) + kT1BlockOctets);
  }
  const std::uint32_t esf_bits = kT1FramesPerMultiframe * kT1FrameBits;
  for (std::uint32_t esf = 1; esf < 4; ++esf) {
    std::vector<std::uint8_t> previous;
    for (std::uint32_t i = 0; i < esf_bits; ++i) {
      const std::uint32_t position = (esf - 1) * esf_bits + i;
      previous.push_back(i % kT1FrameBits == 0 ? 1 : static_cast<std::uint8_t>(bit_of(line.data(), position)));
    }
    std::uint32_t crc_bits = 0;
    for (std::uint32_t number = 2; number <= 22; number += 4) {
      crc_bits = (crc_bits << 1) | bit_of(line.data(), esf * esf_bits + (number - 1) * kT1FrameBits);
    }
    EXPECT_EQ(crc_bits, long_division(previous, 6, kCrc6Polynomial)) << "ESF " << esf;
  }
}

// ---- what goes on the line --------------------------------------------------------------

TEST(FramerTransmit, E1Crc4MultiframeCarriesTheG704Words) {
  Batch batch(1);
  batch.configure(0, kE1, kOptionCrc4);
  std::vector<std::uint8_t> multiframe;
  for (int call = 0; call < 4; ++call) {
    batch.step();
    if (call >= 2) multiframe.insert(multiframe.end(), batch.transmitted(0), batch.transmitted(0) + kE1BlockOctets);
  }
  ASSERT_EQ(multiframe.size(), 2 * kE1BlockOctets);
  const std::uint8_t mfas[6] = {0, 0, 1, 0, 1, 1};
  for (std::uint32_t f = 0; f < kE1FramesPerMultiframe; ++f) {
    const std::uint8_t ts0 = multiframe[f * kE1Timeslots];
    if (f % 2 == 0) {
      EXPECT_EQ(ts0 & 0x7F, 0x1B) << "FAS in frame " << f;
    } else {
      EXPECT_EQ(ts0 & 0x40, 0x40) << "NFAS bit 2 in frame " << f;
      EXPECT_EQ(ts0 & 0x1F, 0x1F) << "Sa bits in frame " << f;
      // The receiver of span 0 hears nothing: it sends RAI.
      EXPECT_EQ(ts0 & 0x20, 0x20) << "A bit in frame " << f;
      const std::uint32_t si = ts0 >> 7;
      if (f <= 11) {
        EXPECT_EQ(si, mfas[(f - 1) / 2]) << "MFAS bit in frame " << f;
      } else {
        EXPECT_EQ(si, 1u) << "E-bit in frame " << f;
      }
    }
  }
}

TEST(FramerTransmit, E1WithoutCrc4SendsSiBitsAsOneAndThePayloadInItsTimeslots) {
  Batch batch(1);
  batch.configure(0, kE1);
  std::vector<std::uint8_t> payload(kPayloadBlockOctets);
  for (int call = 0; call < 3; ++call) {
    PayloadSource copy = batch.source(0);
    copy.fill(payload.data());  // the payload the next step sends
    batch.step();
    const std::uint8_t* line = batch.transmitted(0);
    for (std::uint32_t f = 0; f < kFramesPerBlock; ++f) {
      EXPECT_EQ(line[f * kE1Timeslots] >> 7, 1) << "Si of frame " << f;
      for (std::uint32_t t = 1; t < kE1Timeslots; ++t) {
        ASSERT_EQ(line[f * kE1Timeslots + t], payload[f * kE1Timeslots + t]) << "frame " << f << " TS" << t;
      }
    }
  }
}

TEST(FramerTransmit, T1EsfCarriesFpsCrcAndFdlFlagsInTheFBitsAndChannelsAfterThem) {
  Batch batch(1);
  batch.configure(0, kT1);
  std::vector<std::uint8_t> line;
  std::vector<std::uint8_t> payloads;
  std::vector<std::uint8_t> payload(kPayloadBlockOctets);
  // Aligned far end: no consequent yellow. Wire it to itself.
  batch.connect(0, 0);
  ASSERT_LE(batch.step_until_aligned(0, kAlignCalls), kAlignCalls);
  while (batch.calls() % 3 != 0) batch.step();  // the next block starts an ESF
  for (int call = 0; call < 6; ++call) {
    PayloadSource copy = batch.source(0);
    copy.fill(payload.data());
    batch.step();
    line.insert(line.end(), batch.transmitted(0), batch.transmitted(0) + kT1BlockOctets);
    payloads.insert(payloads.end(), payload.begin(), payload.end());
  }
  const std::uint8_t fps[6] = {0, 0, 1, 0, 1, 1};
  std::uint32_t fdl = 0;
  std::uint32_t fdl_bits = 0;
  for (std::uint32_t frame = 0; frame < 2 * kT1FramesPerMultiframe; ++frame) {
    const std::uint32_t number = frame % kT1FramesPerMultiframe + 1;
    const std::uint32_t f_bit = bit_of(line.data(), frame * kT1FrameBits);
    if (number % 4 == 0) {
      EXPECT_EQ(f_bit, fps[number / 4 - 1]) << "FPS of frame " << number;
    }
    if (number % 2 == 1) {
      fdl = (fdl << 1) | f_bit;
      ++fdl_bits;
    }
    for (std::uint32_t c = 0; c < kT1Channels; ++c) {
      std::uint32_t octet = 0;
      for (std::uint32_t b = 0; b < 8; ++b) octet = (octet << 1) | bit_of(line.data(), frame * kT1FrameBits + 1 + 8 * c + b);
      const std::uint32_t block = frame / kFramesPerBlock;
      ASSERT_EQ(octet, payloads[block * kPayloadBlockOctets + frame % kFramesPerBlock * kT1Channels + c])
          << "frame " << frame << " channel " << c + 1;
    }
  }
  // 24 FDL bits: HDLC flags 01111110 (in some rotation: the FDL runs on across ESFs).
  ASSERT_EQ(fdl_bits, 24u);
  bool flags = false;
  for (std::uint32_t rotation = 0; rotation < 8; ++rotation) {
    std::uint32_t expected = 0;
    for (std::uint32_t i = 0; i < 24; ++i) expected = (expected << 1) | ((0x7Eu >> (7 - (i + rotation) % 8)) & 1u);
    flags = flags || expected == fdl;
  }
  EXPECT_TRUE(flags) << std::hex << fdl;
}

// ---- round trips and alignment --------------------------------------------------------------

TEST_P(FramerLine, PayloadCrossesBothWaysFrameForFrameWithoutErrors) {
  Batch batch = back_to_back(GetParam());
  ASSERT_LE(batch.step_until_aligned(1, kAlignCalls), kAlignCalls);
  batch.step(kAlignCalls);  // and the other side
  for (int call = 0; call < 200; ++call) {
    batch.step();
    for (std::size_t span = 0; span < 2; ++span) {
      ASSERT_EQ(batch.status(span).flags, kStatusAligned) << "span " << span << " call " << call;
      ASSERT_EQ(batch.status(span).received_frames, kFramesPerBlock);
    }
  }
  for (std::size_t span = 0; span < 2; ++span) {
    EXPECT_GE(batch.sink(span).frames(), 200 * kFramesPerBlock);
    EXPECT_EQ(batch.sink(span).bad(), 0u) << "span " << span;
    EXPECT_EQ(batch.sink(span).gaps(), 0u) << "span " << span;
    EXPECT_EQ(batch.status(span).crc_errors, 0u);
    EXPECT_EQ(batch.status(span).far_end_block_errors, 0u);
    EXPECT_EQ(batch.status(span).framing_errors, 0u);
    EXPECT_EQ(batch.status(span).alignment_losses, 0u);
  }
}

TEST_P(FramerLine, AlignsAtEveryBitOfTheFrameAndEveryFrameOfTheMultiframeAndStaysAligned) {
  const LineCase line = GetParam();
  const std::uint32_t frame_bits = frame_bits_of(line.type);
  for (std::uint32_t bit = 0; bit < frame_bits; ++bit) {
    const std::uint32_t delay = bit + frame_bits * (bit % multiframe_of(line.type));
    Batch batch = back_to_back(line, delay);
    ASSERT_LE(batch.step_until_aligned(1, kAlignCalls), kAlignCalls) << "delay " << delay;
    batch.step(kSettleCalls);  // and the far end's RAI, sent until it aligned, clears
    batch.sink(1).reset();
    const SpanStatus settled = batch.status(1);
    for (int call = 0; call < 30; ++call) {
      batch.step();
      ASSERT_EQ(batch.status(1).flags, kStatusAligned) << "delay " << delay << " call " << call;
      ASSERT_EQ(batch.status(1).received_frames, kFramesPerBlock) << "delay " << delay;
    }
    ASSERT_EQ(batch.sink(1).bad(), 0u) << "delay " << delay;
    ASSERT_EQ(batch.sink(1).gaps(), 0u) << "delay " << delay;
    ASSERT_EQ(batch.status(1).crc_errors, settled.crc_errors) << "delay " << delay;
    ASSERT_EQ(batch.status(1).framing_errors, settled.framing_errors) << "delay " << delay;
    ASSERT_EQ(batch.status(1).alignment_losses, settled.alignment_losses) << "delay " << delay;
  }
}

TEST_P(FramerLine, ZeroAndAllOnesPayloadStayAlignedWithoutLosOrAis) {
  for (int value : {0x00, 0xFF}) {
    Batch batch = back_to_back(GetParam());
    batch.source(0).set_constant(value);
    ASSERT_LE(batch.step_until_aligned(1, kAlignCalls), kAlignCalls) << value;
    batch.step(kSettleCalls);
    for (int call = 0; call < 50; ++call) {
      batch.step();
      ASSERT_EQ(batch.status(1).flags, kStatusAligned) << "payload " << value << " call " << call;
      const std::uint32_t octets = frame_octets(GetParam().type);
      for (std::uint32_t i = 0; i < kFramesPerBlock * octets; ++i) {
        if (i % octets < first_slot_of(GetParam().type)) continue;  // E1 TS0
        ASSERT_EQ(batch.received_payload(1)[i], value) << "octet " << i;
      }
    }
  }
}

TEST(FramerAlignment, E1Crc4MultiframeAlignmentWaitsForASecondMfasTwoMillisecondsLater) {
  // Call 0 sends sub-multiframe I of multiframe 0 (frames 0..7), which
  // span 1 takes in call 1 and finds the FAS in; the first MFAS ends in
  // frame 11 (call 2), the second one multiframe later (call 4): G.706 §4.2
  // wants both. Five calls, counting call 0.
  Batch batch = back_to_back(kLineCases[0]);
  EXPECT_EQ(batch.step_until_aligned(1, kAlignCalls), 5u);
}

// Span 1 starts listening to span 0 at bit `skip` of its stream (the block
// before that is silence), so the hunt meets what lies there first.
Batch listening_from(const LineCase& line, std::uint32_t skip) {
  const std::uint32_t block_bits = block_octets_of(line.type) * 8;
  Batch batch = back_to_back(line, block_bits - skip);
  batch.set_tamper(1, [](std::uint8_t* block, std::uint64_t call) {
    if (call == 0) std::memset(block, 0, kLineBlockOctets);
  });
  return batch;
}

TEST(FramerAlignment, AFasInEveryFrameIsNotAnAlignmentForItsNfasBit2IsZero) {
  // TS5 carries 0011011 in every frame; span 1 first hears TS5 of frame 1.
  // G.706 §4.1.2 (b): the frame after a FAS must have bit 2 = 1.
  Batch batch = listening_from(kLineCases[1], kE1FrameBits + 5 * 8);
  batch.source(0).set_mimic(5, 0x1B, 0x1B);
  batch.sink(1).ignore(5);
  ASSERT_LE(batch.step_until_aligned(1, kAlignCalls), kAlignCalls);
  batch.step(20);
  EXPECT_EQ(batch.status(1).flags, kStatusAligned);
  EXPECT_EQ(batch.status(1).alignment_losses, 0u);
  EXPECT_EQ(batch.sink(1).bad(), 0u);  // the frames are the true ones
  EXPECT_EQ(batch.sink(1).gaps(), 0u);
}

TEST(FramerAlignment, ASpuriousFasInThePayloadGivesWayToTheCrc4Multiframe) {
  // TS5 mimics FAS and NFAS words (FAS in odd frames, bit 2 in even ones),
  // and span 1 first hears TS5 of frame 1: its hunt finds the mimic first.
  // No CRC-4 multiframe follows it, so after 8 ms (G.706 §4.2) the search
  // starts again and finds the true alignment.
  Batch batch = listening_from(kLineCases[0], kE1FrameBits + 5 * 8);
  batch.source(0).set_mimic(5, 0x40, 0x1B);
  batch.sink(1).ignore(5);
  ASSERT_LE(batch.step_until_aligned(1, kAlignCalls), kAlignCalls);
  EXPECT_GE(batch.calls(), 1u + kE1Crc4SearchFrames / kFramesPerBlock);  // it went by the mimic first
  batch.step(20);
  EXPECT_EQ(batch.status(1).flags, kStatusAligned);
  EXPECT_EQ(batch.status(1).crc_errors, 0u);
  EXPECT_EQ(batch.sink(1).bad(), 0u);
  EXPECT_EQ(batch.sink(1).gaps(), 0u);
}

// ---- errors and alarms -----------------------------------------------------------------------

// E1 without CRC-4 has no CRC: the flipped bit goes uncounted, the E-bits stay 1.
TEST_P(FramerLine, AFlippedPayloadBitIsOneCrcErrorAndE1ReportsItBackInOneEBit) {
  const LineCase line = GetParam();
  const bool crc = !is_e1(line.type) || (line.options & kOptionCrc4) != 0;
  const bool e_bits = is_e1(line.type) && crc;
  Batch batch = back_to_back(line);
  batch.step(2 * kAlignCalls);
  ASSERT_TRUE(batch.aligned(0) && batch.aligned(1));
  const std::uint64_t flip_call = batch.calls() + 3;
  batch.set_tamper(1, [&](std::uint8_t* block, std::uint64_t call) {
    if (call == flip_call) flip_bit(block, 2 * frame_bits_of(line.type) + 50);  // frame 2, a payload bit
  });
  // E-bits span 1 sends: the Si bit of frames 13 and 15 (frames 5 and 7 of
  // every other block; the multiframe starts with the span's first block).
  std::uint32_t e_bits_zero = 0;
  batch.set_tamper(0, [&](std::uint8_t* block, std::uint64_t call) {
    if (!is_e1(line.type) || call % 2 == 0) return;
    for (std::uint32_t f : {5u, 7u}) e_bits_zero += (block[f * kE1Timeslots] >> 7) == 0 ? 1 : 0;
  });
  batch.step(20);
  EXPECT_EQ(batch.status(1).crc_errors, crc ? 1u : 0u);
  EXPECT_EQ(batch.status(1).framing_errors, 0u);
  EXPECT_EQ(batch.status(1).flags, kStatusAligned);
  EXPECT_EQ(batch.sink(1).bad(), 1u);  // the frame with the flipped bit, delivered as received
  EXPECT_EQ(batch.sink(1).gaps(), 0u);
  EXPECT_EQ(batch.status(0).crc_errors, 0u);
  EXPECT_EQ(batch.status(1).far_end_block_errors, 0u);
  EXPECT_EQ(e_bits_zero, e_bits ? 1u : 0u);
  EXPECT_EQ(batch.status(0).far_end_block_errors, e_bits ? 1u : 0u);
}

// G.706 §4.3.2: 915 or more errored CRC-4 blocks of 1000 restart the search
// (the kernel counts consecutive windows of 1000). An error pattern of period
// 1000 puts the same count in every window, wherever the kernel's begins.
TEST(FramerAlignment, Crc4ErrorsIn915Of1000BlocksLoseTheAlignmentAnd914DoNot) {
  for (std::uint32_t errored : {914u, 915u}) {
    Batch batch = back_to_back(kLineCases[0]);
    batch.step(2 * kAlignCalls);
    ASSERT_TRUE(batch.aligned(0) && batch.aligned(1));
    const std::uint64_t start = batch.calls();
    batch.set_tamper(1, [&](std::uint8_t* block, std::uint64_t call) {
      if ((call - start) % 1000 < errored) flip_bit(block, 3 * kE1FrameBits + 100);  // a payload bit
    });
    // 914: two windows and more, never lost. 915: lost at the end of the
    // first window (and, as the pattern goes on, at the end of later ones).
    const bool lost = errored >= 915;
    batch.step(lost ? 1010 : 2200);
    EXPECT_EQ(batch.status(1).alignment_losses, lost ? 1u : 0u) << errored;
    if (lost) continue;
    batch.set_tamper(1, nullptr);
    batch.step(4);  // the last errored blocks arrive and are checked
    EXPECT_EQ(batch.status(1).crc_errors, 914u + 914u + 200u);
    // Every errored block went back to span 0 as one E-bit.
    EXPECT_EQ(batch.status(0).far_end_block_errors, batch.status(1).crc_errors);
  }
}

// Corrupts the frame alignment bits of the given frames of the block span 0
// sent in call `at` (E1: a FAS word; T1: an FPS bit).
Batch::Tamper corrupt_alignment(std::uint8_t type, std::uint64_t at, std::vector<std::uint32_t> frames) {
  return [=](std::uint8_t* block, std::uint64_t call) {
    if (call != at) return;
    for (std::uint32_t f : frames) {
      if (is_e1(type)) block[f * kE1Timeslots] ^= 0x01;  // FAS bit 8
      else flip_bit(block, f * kT1FrameBits);
    }
  };
}

TEST_P(FramerLine, FallsOutOfFrameAtTheStandardCountOfFramingErrorsAndRealigns) {
  const LineCase line = GetParam();
  Batch batch = back_to_back(line);
  // E1: channels of ones, in which nothing looks like a FAS (x0011011), so
  // the hunt after the loss finds the true alignment, not a spurious one
  // (T1's 24 FPS bits make a spurious one unlikely in any payload).
  if (is_e1(line.type)) batch.source(0).set_constant(0xFF);
  batch.step(2 * kAlignCalls);
  ASSERT_TRUE(batch.aligned(0) && batch.aligned(1));
  // E1: FAS words are in the even frames of a block (G.706: 3 wrong in a row
  // lose it). T1: FPS bits are in frames 4 and 8 of every block (block frames
  // 3 and 7; T1.231: 2 wrong of 4 lose it).
  const std::vector<std::uint32_t> below = is_e1(line.type) ? std::vector<std::uint32_t>{0, 2}
                                                               : std::vector<std::uint32_t>{3};
  const std::vector<std::uint32_t> at = is_e1(line.type) ? std::vector<std::uint32_t>{0, 2, 4}
                                                            : std::vector<std::uint32_t>{3, 7};
  batch.set_tamper(1, corrupt_alignment(line.type, batch.calls(), below));
  batch.step(2);  // sent, received
  EXPECT_EQ(batch.status(1).framing_errors, below.size());
  EXPECT_EQ(batch.status(1).flags, kStatusAligned);
  batch.step(10);
  EXPECT_EQ(batch.status(1).flags, kStatusAligned);
  EXPECT_EQ(batch.status(1).alignment_losses, 0u);
  EXPECT_EQ(batch.status(0).flags, kStatusAligned);

  batch.set_tamper(1, corrupt_alignment(line.type, batch.calls(), at));
  batch.step(2);
  EXPECT_EQ(batch.status(1).framing_errors, below.size() + at.size());
  EXPECT_EQ(batch.status(1).alignment_losses, 1u);
  // Out of frame at least until the next FAS / FPS bits have been checked;
  // E1 without CRC-4 may have them in the next block already.
  if (!is_e1(line.type) || (line.options & kOptionCrc4) != 0) {
    EXPECT_EQ(batch.status(1).flags, kStatusLossOfFrame | kStatusSendingRemoteAlarm);
    EXPECT_LT(batch.status(1).received_frames, kFramesPerBlock);
  }
  ASSERT_LE(batch.step_until_aligned(1, kAlignCalls), kAlignCalls);
  batch.step(remote_alarm_calls(line.type) + kSettleCalls);
  EXPECT_EQ(batch.status(1).flags, kStatusAligned);
  EXPECT_EQ(batch.status(1).alignment_losses, 1u);
  EXPECT_EQ(batch.status(1).framing_errors, below.size() + at.size());
  EXPECT_EQ(batch.status(0).flags, kStatusAligned);
}

TEST(FramerAlarm, E1OutOfFrameSendsTheABitToTheFarEnd) {
  Batch batch = back_to_back(kLineCases[0]);
  batch.step(2 * kAlignCalls);
  ASSERT_TRUE(batch.aligned(0) && batch.aligned(1));
  batch.set_tamper(1, corrupt_alignment(kE1, batch.calls(), {0, 2, 4}));
  batch.step(2);
  ASSERT_TRUE(batch.flag(1, kStatusLossOfFrame));
  batch.step(2);
  EXPECT_EQ(batch.status(0).flags, kStatusAligned | kStatusRemoteAlarm);
}

TEST_P(FramerLine, GarbageLosesAlignmentAndTheLineRealignsAfterIt) {
  const LineCase line = GetParam();
  Batch batch = back_to_back(line);
  batch.step(2 * kAlignCalls);
  ASSERT_TRUE(batch.aligned(1));
  std::mt19937 random(5);
  batch.set_tamper(1, [&](std::uint8_t* block, std::uint64_t) {
    for (std::uint32_t i = 0; i < block_octets_of(line.type); ++i) block[i] = static_cast<std::uint8_t>(random());
  });
  batch.step(10 + remote_alarm_calls(line.type));
  EXPECT_EQ(batch.status(1).flags, kStatusLossOfFrame | kStatusSendingRemoteAlarm);
  EXPECT_GE(batch.status(1).alignment_losses, 1u);
  EXPECT_TRUE(batch.flag(0, kStatusRemoteAlarm));  // span 1 tells span 0
  batch.set_tamper(1, nullptr);
  expect_realigns_and_holds(batch, line.type);
}

TEST_P(FramerLine, ABitSlipOnTheLineLosesAndRegainsAlignment) {
  const LineCase line = GetParam();
  Batch batch = back_to_back(line, 40);
  batch.step(2 * kAlignCalls);
  ASSERT_TRUE(batch.aligned(1));
  // Three bits more delay from now on: the stream jumps back by three bits.
  BitDelay slip(3, 1);
  batch.set_tamper(1, [&](std::uint8_t* block, std::uint64_t) {
    slip.pass(block, block, block_octets_of(line.type));
  });
  batch.step(6);
  EXPECT_GE(batch.status(1).alignment_losses, 1u);
  expect_realigns_and_holds(batch, line.type);
}

TEST_P(FramerLine, AllOnesIsAisAndClearsWhenFramesReturn) {
  const LineCase line = GetParam();
  Batch batch = back_to_back(line);
  batch.step(2 * kAlignCalls);
  ASSERT_TRUE(batch.aligned(1));
  // Raw all ones on the line, then the far end sending AIS itself.
  batch.set_tamper(1, [&](std::uint8_t* block, std::uint64_t) {
    std::memset(block, 0xFF, block_octets_of(line.type));
  });
  batch.step(8);
  EXPECT_EQ(batch.status(1).flags, kStatusAlarmIndication | kStatusLossOfFrame | kStatusSendingRemoteAlarm);
  batch.set_tamper(1, nullptr);
  batch.set_options(0, line.options | kOptionSendAis);
  batch.step(remote_alarm_calls(line.type) + kSettleCalls);
  EXPECT_EQ(batch.status(1).flags, kStatusAlarmIndication | kStatusLossOfFrame | kStatusSendingRemoteAlarm);
  EXPECT_TRUE(batch.flag(0, kStatusRemoteAlarm));
  batch.set_options(0, line.options);
  expect_realigns_and_holds(batch, line.type);
}

TEST_P(FramerLine, AFewZerosInAllOnesAreNotAis) {
  const LineCase line = GetParam();
  Batch batch(1);
  batch.configure(0, line.type, line.options);
  // E1, G.775: AIS is at most 2 zeros in each of two 512-bit periods. T1:
  // at most 5 zeros in 3 ms (99.9 % ones). One zero more in every period is
  // not AIS.
  const std::uint32_t period = is_e1(line.type) ? 64 : 3 * 193;
  const std::uint32_t zeros = (is_e1(line.type) ? 2 : 5) + 1;
  std::uint64_t octet_count = 0;
  batch.set_tamper(0, [&](std::uint8_t* block, std::uint64_t) {
    for (std::uint32_t i = 0; i < block_octets_of(line.type); ++i, ++octet_count) {
      block[i] = octet_count % period < zeros ? 0x7F : 0xFF;
    }
  });
  batch.step(12);
  EXPECT_FALSE(batch.flag(0, kStatusAlarmIndication));
  EXPECT_TRUE(batch.flag(0, kStatusLossOfFrame));
  // The limit itself is AIS.
  const std::uint32_t limit = zeros - 1;
  batch.set_tamper(0, [&, limit](std::uint8_t* block, std::uint64_t) {
    for (std::uint32_t i = 0; i < block_octets_of(line.type); ++i, ++octet_count) {
      block[i] = octet_count % period < limit ? 0x7F : 0xFF;
    }
  });
  batch.step(12);
  EXPECT_TRUE(batch.flag(0, kStatusAlarmIndication));
}

TEST_P(FramerLine, SilenceIsLosAndClearsWhenTheSignalReturns) {
  const LineCase line = GetParam();
  Batch batch = back_to_back(line);
  batch.step(2 * kAlignCalls);
  ASSERT_TRUE(batch.aligned(1));
  batch.set_tamper(1, [&](std::uint8_t* block, std::uint64_t) { std::memset(block, 0, kLineBlockOctets); });
  // Out of frame after the framing errors the zeros make (E1: 3 FAS words,
  // 1.5 ms; T1: 2 of 4 FPS bits, at most 3 ms), and then LOS.
  batch.step(6);
  EXPECT_EQ(batch.status(1).flags, kStatusLossOfSignal | kStatusLossOfFrame | kStatusSendingRemoteAlarm);
  EXPECT_EQ(batch.status(1).received_frames, 0u);
  batch.step(remote_alarm_calls(line.type));
  EXPECT_TRUE(batch.flag(0, kStatusRemoteAlarm));
  batch.set_tamper(1, nullptr);
  // The block in transit is still zeros; the next ends the run of zeros
  // (LOS holds for it), the one after clears LOS.
  batch.step(3);
  EXPECT_FALSE(batch.flag(1, kStatusLossOfSignal));
  expect_realigns_and_holds(batch, line.type);
}

TEST_P(FramerLine, LosIsTheLosCountOfZerosAndClearsWithOnesDensity) {
  const LineCase line = GetParam();
  Batch batch(1);
  batch.configure(0, line.type, line.options);
  // A one every `spacing` bits: runs of spacing - 1 zeros. LOS is 192 zeros
  // (docs/kernels.md; G.775 allows 10..255, T1.231 100..250).
  std::uint64_t bit_count = 0;
  std::uint32_t spacing = 192;
  auto sparse_ones = [&](std::uint8_t* block, std::uint64_t) {
    std::memset(block, 0, kLineBlockOctets);
    for (std::uint32_t i = 0; i < block_octets_of(line.type) * 8; ++i, ++bit_count) {
      if (bit_count % spacing == 0) flip_bit(block, i);
    }
  };
  sparse_ones(batch.receive_line(0), 0);
  batch.set_tamper(0, sparse_ones);
  for (int call = 0; call < 5; ++call) {
    batch.step();
    EXPECT_EQ(batch.status(0).flags, kStatusLossOfFrame | kStatusSendingRemoteAlarm) << call;
  }
  spacing = 193;  // one zero more: LOS
  batch.step(2);
  EXPECT_EQ(batch.status(0).flags, kStatusLossOfSignal | kStatusLossOfFrame | kStatusSendingRemoteAlarm);
  // Shorter runs again do not clear it: that takes 12.5 % ones as well.
  spacing = 192;
  batch.step(3);
  EXPECT_TRUE(batch.flag(0, kStatusLossOfSignal));
  spacing = 8;  // one one in 8 bits
  batch.step(2);
  EXPECT_FALSE(batch.flag(0, kStatusLossOfSignal));
}

TEST_P(FramerLine, TheFarEndsRemoteAlarmIsRaiAndClears) {
  const LineCase line = GetParam();
  Batch batch = back_to_back(line);
  batch.step(2 * kAlignCalls);
  ASSERT_TRUE(batch.aligned(0) && batch.aligned(1));
  EXPECT_FALSE(batch.flag(1, kStatusRemoteAlarm));
  batch.set_options(0, line.options | kOptionSendRemoteAlarm);
  // What span 0 sends: E1 the A bit of its NFAS words (frames 1, 3, 5, 7 of
  // a block), T1 the FDL bits (the F bits of odd ESF frames).
  std::vector<std::uint32_t> signal_bits;
  batch.set_tamper(1, [&](std::uint8_t* block, std::uint64_t call) {
    for (std::uint32_t f = 0; f < kFramesPerBlock; ++f) {
      if (is_e1(line.type) && f % 2 == 1) signal_bits.push_back((block[f * kE1Timeslots] >> 5) & 1u);
      const std::uint32_t number = static_cast<std::uint32_t>(call % 3) * kFramesPerBlock + f + 1;
      if (!is_e1(line.type) && number % 2 == 1) signal_bits.push_back(bit_of(block, f * kT1FrameBits));
    }
  });
  const std::uint32_t calls = remote_alarm_calls(line.type);
  batch.step(calls);
  EXPECT_TRUE(batch.flag(0, kStatusSendingRemoteAlarm));
  EXPECT_EQ(batch.status(1).flags, kStatusAligned | kStatusRemoteAlarm);
  const std::size_t window = is_e1(line.type) ? 8 : 32;
  ASSERT_GE(signal_bits.size(), window);
  const std::vector<std::uint32_t> last(signal_bits.end() - static_cast<std::ptrdiff_t>(window), signal_bits.end());
  if (is_e1(line.type)) {
    EXPECT_EQ(last, std::vector<std::uint32_t>(window, 1u));
  } else {  // T1.403: 11111111 00000000 repeating on the FDL
    bool yellow = false;
    for (std::uint32_t rotation = 0; rotation < 16; ++rotation) {
      bool matches = true;
      for (std::uint32_t i = 0; i < 32; ++i) matches = matches && last[i] == ((i + rotation) % 16 < 8 ? 1u : 0u);
      yellow = yellow || matches;
    }
    EXPECT_TRUE(yellow);
  }
  batch.set_tamper(1, nullptr);
  batch.set_options(0, line.options);
  batch.step(calls);
  EXPECT_EQ(batch.status(1).flags, kStatusAligned);
  EXPECT_EQ(batch.status(0).flags, kStatusAligned);
}

TEST(FramerAlarm, OneE1ABitIsNotYetRai) {
  Batch batch = back_to_back(kLineCases[0]);
  batch.step(2 * kAlignCalls);
  ASSERT_TRUE(batch.aligned(1));
  const std::uint64_t at = batch.calls();
  // The A bit in NFAS frames 1 and 3 of one block: two words, one short of three.
  batch.set_tamper(1, [&](std::uint8_t* block, std::uint64_t call) {
    if (call == at) block[1 * kE1Timeslots] |= 0x20, block[3 * kE1Timeslots] |= 0x20;
  });
  batch.step(4);
  EXPECT_EQ(batch.status(1).flags, kStatusAligned);
  batch.set_tamper(1, [&](std::uint8_t* block, std::uint64_t call) {
    if (call == at + 4) block[1 * kE1Timeslots] |= 0x20, block[3 * kE1Timeslots] |= 0x20, block[5 * kE1Timeslots] |= 0x20;
  });
  batch.step(2);
  EXPECT_EQ(batch.status(1).flags, kStatusAligned | kStatusRemoteAlarm);
}

// ---- the batch ------------------------------------------------------------------------------

TEST(FramerBatch, ManySpansInOneBatchKeepTheirOwnLinesAndAlarms) {
  Batch batch(12);
  batch.configure(0, kE1, kOptionCrc4);
  batch.configure(1, kE1, kOptionCrc4);
  batch.configure(2, kE1);
  batch.configure(3, kE1);
  batch.configure(4, kT1);
  batch.configure(5, kT1);
  batch.configure(6, kE1, kOptionCrc4);  // silence: LOS
  batch.configure(7, kT1);                // all ones: AIS
  batch.configure(8, kE1);                // garbage: LOF
  batch.configure(9, 0x7F);                         // no such type: off
  batch.configure(10, kT1, kOptionSendRemoteAlarm);
  batch.configure(11, kT1);
  batch.connect(0, 1, 1000);
  batch.connect(1, 0);
  batch.connect(2, 3, 77);
  batch.connect(3, 2, 5);
  batch.connect(4, 5, 2000);
  batch.connect(5, 4, 1);
  batch.connect(10, 11, 300);
  batch.connect(11, 10);
  std::mt19937 random(3);
  batch.set_tamper(7, [](std::uint8_t* block, std::uint64_t) { std::memset(block, 0xFF, kLineBlockOctets); });
  batch.set_tamper(8, [&](std::uint8_t* block, std::uint64_t) {
    for (std::uint32_t i = 0; i < kE1BlockOctets; ++i) block[i] = static_cast<std::uint8_t>(random());
  });
  batch.step(80);
  for (std::size_t span : {0, 1, 2, 3, 4, 5, 10}) {
    const std::uint32_t sending = span == 10 ? kStatusSendingRemoteAlarm : 0;
    EXPECT_EQ(batch.status(span).flags, kStatusAligned | sending) << "span " << span;
    EXPECT_EQ(batch.status(span).received_frames, kFramesPerBlock) << "span " << span;
    EXPECT_GT(batch.sink(span).frames(), 0u);
    EXPECT_EQ(batch.sink(span).bad(), 0u) << "span " << span;  // its own far end's frames, no other's
    EXPECT_EQ(batch.sink(span).gaps(), 0u) << "span " << span;
  }
  EXPECT_EQ(batch.status(11).flags, kStatusAligned | kStatusRemoteAlarm);
  EXPECT_EQ(batch.status(6).flags, kStatusLossOfSignal | kStatusLossOfFrame | kStatusSendingRemoteAlarm);
  EXPECT_EQ(batch.status(7).flags, kStatusAlarmIndication | kStatusLossOfFrame | kStatusSendingRemoteAlarm);
  EXPECT_EQ(batch.status(8).flags, kStatusLossOfFrame | kStatusSendingRemoteAlarm);
  EXPECT_EQ(batch.status(9).flags, kStatusBadControl);
  for (std::uint32_t i = 0; i < kLineBlockOctets; ++i) ASSERT_EQ(batch.transmitted(9)[i], 0) << i;
  for (std::size_t span = 0; span < 12; ++span) EXPECT_EQ(batch.status(span).crc_errors, 0u) << "span " << span;
}

TEST(FramerBatch, ACorruptStateNeitherCrashesNorKeepsTheSpanFromAligning) {
  std::mt19937 random(17);
  for (int trial = 0; trial < 40; ++trial) {
    const LineCase& line = kLineCases[trial % 3];
    Batch batch = back_to_back(line, static_cast<std::uint32_t>(trial * 13));
    batch.step();
    const std::uint8_t configuration = batch.state(1).configuration;
    auto* bytes = reinterpret_cast<std::uint8_t*>(&batch.state(1));
    for (std::size_t i = 0; i < sizeof(SpanState); ++i) bytes[i] = static_cast<std::uint8_t>(random());
    // Half the trials keep the configuration: the rest must be checked too.
    if (trial % 2 == 0) batch.state(1).configuration = configuration;
    ASSERT_LE(batch.step_until_aligned(1, 2 * kAlignCalls), 2 * kAlignCalls) << "trial " << trial;
    batch.step(10);
    EXPECT_EQ(batch.status(1).flags, kStatusAligned) << "trial " << trial;
  }
}

TEST(FramerBatch, ASpanCountAboveTheMaximumDoesNothing) {
  const std::size_t spans = kMaxSpans + 1;
  std::vector<SpanControl> controls(spans, SpanControl{kE1, 0, {}});
  std::vector<std::uint8_t> transmit_payload(spans * kPayloadBlockOctets, 0x11);
  std::vector<std::uint8_t> transmit_line(spans * kLineBlockOctets, 0x22);
  std::vector<std::uint8_t> receive_line(spans * kLineBlockOctets, 0x33);
  std::vector<std::uint8_t> receive_payload(spans * kPayloadBlockOctets, 0x44);
  std::vector<SpanState> states(spans);
  std::vector<SpanStatus> statuses(spans);
  std::memset(statuses.data(), 0x55, spans * sizeof(SpanStatus));
  ::tdm_framer(controls.data(), transmit_payload.data(), transmit_line.data(), receive_line.data(),
               receive_payload.data(), states.data(), statuses.data(), static_cast<std::uint32_t>(spans));
  EXPECT_EQ(transmit_line, std::vector<std::uint8_t>(spans * kLineBlockOctets, 0x22));
  EXPECT_EQ(receive_payload, std::vector<std::uint8_t>(spans * kPayloadBlockOctets, 0x44));
  EXPECT_EQ(states[0].configuration, 0);
  EXPECT_EQ(statuses[0].flags, 0x55555555u);
}

TEST(FramerBatch, ChangingTheSpanTypeStartsTheSpanAfresh) {
  Batch batch = back_to_back(kLineCases[0]);
  batch.step(2 * kAlignCalls);
  ASSERT_TRUE(batch.aligned(1));
  batch.configure(0, kT1);
  batch.configure(1, kT1);
  batch.connect(0, 1);
  batch.connect(1, 0);
  batch.step();
  EXPECT_TRUE(batch.flag(1, kStatusLossOfFrame));
  EXPECT_EQ(batch.status(1).alignment_losses, 0u);  // a fresh state, not a loss
  ASSERT_LE(batch.step_until_aligned(1, kAlignCalls), kAlignCalls);
}

// The host's elastic store runs dry now and then (kOptionSkipReceive): the
// receiver waits, its alignment and its place in the stream kept, and takes
// the line's next block where it left off.
TEST_P(FramerLine, ASkippedReceiveKeepsAlignmentAndTheStreamResumesWithoutAGap) {
  const LineCase line = GetParam();
  SpanControl sender_control{line.type, line.options, {}};
  SpanState sender_state{};
  SpanStatus sender_status{};
  SpanControl receiver_control{line.type, line.options, {}};
  SpanState receiver_state{};
  SpanStatus receiver_status{};
  PayloadSource source(line.type, 7);
  PayloadSink sink(line.type, 7);
  std::vector<std::uint8_t> idle_line(kLineBlockOctets, 0), unused_payload(kPayloadBlockOctets);
  std::vector<std::uint8_t> transmit_payload(kPayloadBlockOctets), receive_payload(kPayloadBlockOctets);
  std::vector<std::uint8_t> unused_line(kLineBlockOctets);
  std::vector<std::vector<std::uint8_t>> in_transit;  // blocks sent, not yet received: the store
  std::vector<std::uint8_t> looped(kLineBlockOctets, 0);  // the sender hears itself: no remote alarm
  auto send_block = [&] {
    std::vector<std::uint8_t> block(kLineBlockOctets);
    source.fill(transmit_payload.data());
    ::tdm_framer(&sender_control, transmit_payload.data(), block.data(), looped.data(), unused_payload.data(),
                 &sender_state, &sender_status, 1);
    looped = block;
    in_transit.push_back(std::move(block));
  };
  auto receive = [&](bool skip) {
    receiver_control.options = static_cast<std::uint8_t>(line.options | (skip ? kOptionSkipReceive : 0));
    const std::uint8_t* block = skip ? idle_line.data() : in_transit.front().data();
    std::vector<std::uint8_t> zeros(kPayloadBlockOctets, 0);
    ::tdm_framer(&receiver_control, zeros.data(), unused_line.data(), block, receive_payload.data(),
                 &receiver_state, &receiver_status, 1);
    if (!skip) in_transit.erase(in_transit.begin());
  };
  for (std::uint32_t call = 0; call < kAlignCalls + kSettleCalls + 40; ++call) {
    send_block();
    receive(false);
  }
  ASSERT_EQ(receiver_status.flags, kStatusAligned);
  const std::uint32_t losses = receiver_status.alignment_losses;
  for (std::uint32_t call = 0; call < 300; ++call) {
    send_block();
    const bool skip = call % 7 == 3 || call % 7 == 4;  // two in a row, now and then
    receive(skip);
    if (skip) {
      EXPECT_EQ(receiver_status.received_frames, 0u);
      EXPECT_EQ(receiver_status.flags, kStatusAligned);
      for (std::uint8_t octet : receive_payload) ASSERT_EQ(octet, 0xFF);
    } else {
      ASSERT_EQ(receiver_status.flags, kStatusAligned) << "call " << call;
      ASSERT_EQ(receiver_status.received_frames, kFramesPerBlock);
      sink.take(receive_payload.data(), receiver_status.received_frames);
    }
  }
  while (!in_transit.empty()) {  // the store drains: everything sent arrives
    receive(false);
    sink.take(receive_payload.data(), receiver_status.received_frames);
  }
  EXPECT_EQ(receiver_status.alignment_losses, losses);
  EXPECT_EQ(receiver_status.crc_errors, 0u);
  EXPECT_EQ(sink.frames(), 300 * kFramesPerBlock);
  EXPECT_EQ(sink.bad(), 0u);
  EXPECT_EQ(sink.gaps(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Formats, FramerLine, ::testing::ValuesIn(kLineCases),
                         [](const ::testing::TestParamInfo<LineCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sipnic::tdm_framer
