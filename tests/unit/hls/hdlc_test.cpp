// hls/hdlc: the FCS against an independent polynomial division and the
// published check value, the receiver against line bits built here
// independently (flags, zero-bit insertion, aborts, bad FCS, lengths), the
// transmitter's exact line bits, round trips on many channels at once, and
// spandsp's HDLC as the peer both ways.
#include "hdlc/hdlc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include <spandsp/telephony.h>
#include <spandsp/async.h>
#include <spandsp/crc.h>
#include <spandsp/hdlc.h>
}

namespace {

namespace hdlc = sipnic::hdlc;
using Bytes = std::vector<uint8_t>;
using Bits = std::vector<uint8_t>;

// --- an independent reference ----------------------------------------------

uint16_t reverse_bits(uint16_t value) {
  uint16_t reversed = 0;
  for (int bit = 0; bit < 16; ++bit) {
    reversed = static_cast<uint16_t>((reversed << 1) | ((value >> bit) & 1));
  }
  return reversed;
}

// The FCS register after `octets`, by dividing the bit stream as sent (each
// octet least significant bit first) by x^16 + x^12 + x^5 + 1 (0x1021), the
// register kept most significant bit first; reversed, it is the register of
// RFC 1662's table-driven form.
uint16_t fcs_by_division(const Bytes& octets) {
  uint16_t remainder = 0xFFFF;
  for (const uint8_t octet : octets) {
    for (int bit = 0; bit < 8; ++bit) {
      const bool feedback = (((remainder >> 15) ^ (octet >> bit)) & 1) != 0;
      remainder = static_cast<uint16_t>(remainder << 1);
      if (feedback) remainder ^= 0x1021;
    }
  }
  return reverse_bits(remainder);
}

uint16_t fcs_by_kernel(const Bytes& octets) {
  uint16_t fcs = hdlc::kFcsInitial;
  for (const uint8_t octet : octets) fcs = hdlc::fcs_update(fcs, octet);
  return fcs;
}

// The frame and its FCS, as the line carries them: complemented, low octet first.
Bytes with_fcs(Bytes frame) {
  const uint16_t sent = static_cast<uint16_t>(~fcs_by_division(frame));
  frame.push_back(static_cast<uint8_t>(sent & 0xFF));
  frame.push_back(static_cast<uint8_t>(sent >> 8));
  return frame;
}

// Line bits in order, built without the kernel.
class LineBits {
 public:
  void flag() { octet_bits(hdlc::kFlag); }
  void ones(int count) { bits.insert(bits.end(), count, 1); }
  void zeros(int count) { bits.insert(bits.end(), count, 0); }
  // Frame octets (FCS included or not, as given) with zero-bit insertion:
  // a 0 after every five ones in a row.
  void stuffed(const Bytes& octets) {
    int run = 0;
    for (const uint8_t octet : octets) {
      for (int bit = 0; bit < 8; ++bit) {
        const uint8_t value = (octet >> bit) & 1;
        bits.push_back(value);
        run = value != 0 ? run + 1 : 0;
        if (run == 5) {
          bits.push_back(0);
          run = 0;
        }
      }
    }
  }
  // A frame's octets and the flag that closes it.
  void frame(const Bytes& octets) {
    stuffed(octets);
    flag();
  }
  // Flags up to a whole number of calls of one channel.
  void pad_to_calls() {
    while (bits.size() % hdlc::kBitsPerChannel != 0) {
      if (hdlc::kBitsPerChannel - bits.size() % hdlc::kBitsPerChannel >= 8) {
        flag();
      } else {
        ones(1);
      }
    }
  }
  // Timeslot octets, most significant bit first.
  Bytes octets() const {
    Bytes packed((bits.size() + 7) / 8, 0);
    for (size_t index = 0; index < bits.size(); ++index) {
      packed[index / 8] = static_cast<uint8_t>(packed[index / 8] | (bits[index] << (7 - index % 8)));
    }
    return packed;
  }

  Bits bits;

 private:
  void octet_bits(uint8_t octet) {
    for (int bit = 0; bit < 8; ++bit) bits.push_back((octet >> bit) & 1);
  }
};

Bits bits_of(const Bytes& timeslot_octets) {
  Bits bits;
  for (const uint8_t octet : timeslot_octets) {
    for (int bit = 7; bit >= 0; --bit) bits.push_back((octet >> bit) & 1);
  }
  return bits;
}

Bytes random_octets(std::mt19937& random, size_t length) {
  Bytes octets(length);
  for (uint8_t& octet : octets) octet = static_cast<uint8_t>(random());
  return octets;
}

// --- the kernel's two halves, driven call by call ---------------------------

class Receiver {
 public:
  explicit Receiver(uint32_t channels, uint32_t min_length = hdlc::kQ921MinFrameLength,
                    uint32_t max_length = hdlc::kQ921MaxFrameLength)
      : channels_(channels), min_length_(min_length), max_length_(max_length), states_(channels),
        frames(channels) {}

  // One call; `line` holds kOctetsPerChannel octets of every channel.
  hdlc::ReceiveSummary call(const Bytes& line) {
    std::vector<hdlc::ReceivedFrame> records(hdlc::receive_frame_capacity(channels_));
    Bytes octets(hdlc::receive_octet_capacity(channels_, max_length_));
    hdlc::ReceiveSummary summary{};
    hdlc::receive_batch(line.data(), states_.data(), records.data(), octets.data(), &summary, channels_,
                        min_length_, max_length_, static_cast<uint32_t>(records.size()),
                        static_cast<uint32_t>(octets.size()));
    for (uint32_t index = 0; index < summary.frame_count; ++index) {
      const hdlc::ReceivedFrame& record = records[index];
      frames.at(record.channel).emplace_back(octets.begin() + record.offset,
                                             octets.begin() + record.offset + record.length);
    }
    return summary;
  }

  // One channel's line bits (a whole number of calls) through channel 0.
  void run(const LineBits& line) {
    const Bytes octets = line.octets();
    EXPECT_EQ(octets.size() % hdlc::kOctetsPerChannel, 0u);
    for (size_t offset = 0; offset + hdlc::kOctetsPerChannel <= octets.size(); offset += hdlc::kOctetsPerChannel) {
      call(Bytes(octets.begin() + offset, octets.begin() + offset + hdlc::kOctetsPerChannel));
    }
  }

  const hdlc::ReceiveCounters& counters(uint32_t channel = 0) const { return states_.at(channel).counters; }
  std::vector<hdlc::ReceiveState>& states() { return states_; }

 private:
  uint32_t channels_;
  uint32_t min_length_;
  uint32_t max_length_;
  std::vector<hdlc::ReceiveState> states_;

 public:
  std::vector<std::vector<Bytes>> frames;  // per channel, in arrival order
};

class Transmitter {
 public:
  explicit Transmitter(uint32_t channels) : channels_(channels), states_(channels), status(channels) {}

  // One call offering offers[c] to channel c (empty: nothing); the line.
  Bytes call(const std::vector<Bytes>& offers) {
    Bytes octets;
    std::vector<hdlc::TransmitRequest> requests(channels_, hdlc::TransmitRequest{0, 0, 0});
    for (uint32_t channel = 0; channel < channels_ && channel < offers.size(); ++channel) {
      requests[channel] = {static_cast<uint32_t>(octets.size()), static_cast<uint16_t>(offers[channel].size()), 0};
      octets.insert(octets.end(), offers[channel].begin(), offers[channel].end());
    }
    Bytes line(channels_ * hdlc::kOctetsPerChannel, 0xEE);
    hdlc::transmit_batch(requests.data(), octets.data(), states_.data(), line.data(), status.data(), channels_,
                         static_cast<uint32_t>(octets.size()));
    return line;
  }
  Bytes call() { return call({}); }

  const hdlc::TransmitCounters& counters(uint32_t channel = 0) const { return states_.at(channel).counters; }

 private:
  uint32_t channels_;
  std::vector<hdlc::TransmitState> states_;

 public:
  std::vector<uint8_t> status;  // of the last call
};

// --- FCS ---------------------------------------------------------------------

TEST(HdlcFcs, TableDrivenFcsEqualsPolynomialDivisionOnRandomOctets) {
  std::mt19937 random(1662);
  for (int round = 0; round < 200; ++round) {
    const Bytes octets = random_octets(random, random() % 300);
    ASSERT_EQ(fcs_by_kernel(octets), fcs_by_division(octets)) << "round " << round;
    ASSERT_EQ(fcs_by_kernel(octets), crc_itu16_calc(octets.data(), static_cast<int>(octets.size()), 0xFFFF));
  }
}

TEST(HdlcFcs, CheckValueOf123456789Is906E) {
  // The FCS-16 (CRC-16/X-25) check value of the CRC catalogues.
  const std::string digits = "123456789";
  const Bytes octets(digits.begin(), digits.end());
  EXPECT_EQ(static_cast<uint16_t>(~fcs_by_kernel(octets)), 0x906E);
  EXPECT_EQ(static_cast<uint16_t>(~fcs_by_division(octets)), 0x906E);
}

TEST(HdlcFcs, FrameFollowedByItsFcsLeavesTheGoodResidueF0B8) {
  std::mt19937 random(3309);
  for (int round = 0; round < 100; ++round) {
    EXPECT_EQ(fcs_by_kernel(with_fcs(random_octets(random, 1 + random() % 264))), 0xF0B8);
  }
  EXPECT_EQ(hdlc::kFcsGoodResidue, 0xF0B8);
}

// --- receive -------------------------------------------------------------------

// Q.921 SABME, command from the network side on SAPI 0, TEI 0, P=1.
const Bytes kSabme = {0x02, 0x01, 0x7F};

// One channel's line, padded to whole calls, through a fresh receiver.
Receiver received(LineBits line, uint32_t max_length = hdlc::kQ921MaxFrameLength) {
  line.pad_to_calls();
  Receiver receiver(1, hdlc::kQ921MinFrameLength, max_length);
  receiver.run(line);
  return receiver;
}

uint32_t errors(const hdlc::ReceiveCounters& counters) {
  return counters.fcs_errors + counters.aborts + counters.too_long + counters.too_short + counters.misaligned +
         counters.dropped;
}

TEST(HdlcReceive, AFrameBetweenFlagsIsDeliveredWithoutItsFcs) {
  LineBits line;
  line.flag();
  line.frame(with_fcs(kSabme));
  const Receiver receiver = received(line);
  EXPECT_EQ(receiver.frames[0], std::vector<Bytes>{kSabme});
  EXPECT_EQ(receiver.counters().frames, 1u);
  EXPECT_EQ(errors(receiver.counters()), 0u);
}

TEST(HdlcReceive, IdleFlagsAndSharedZeroFlagsCountNothing) {
  LineBits line;
  for (int index = 0; index < 40; ++index) line.flag();
  // Flags sharing their zeros: 0111111011111101111110...
  line.zeros(1);
  for (int index = 0; index < 20; ++index) {
    line.ones(6);
    line.zeros(1);
  }
  line.frame(with_fcs(kSabme));  // a frame right after them
  const Receiver receiver = received(line);
  EXPECT_EQ(receiver.frames[0], std::vector<Bytes>{kSabme});
  EXPECT_EQ(errors(receiver.counters()), 0u);
}

TEST(HdlcReceive, FramesShareAFlagAndBitStuffedContentIsDestuffed) {
  // Octets full of ones force a zero after every five; 0x7E inside a frame
  // must not look like a flag.
  const std::vector<Bytes> frames = {{0xFF, 0xFF, 0xFF, 0xFF}, {0x7E, 0x7E, 0x7E}, {0x3E, 0x1F, 0xF8, 0x7C},
                                     {0x00, 0x01, 0x7F}};
  LineBits line;
  line.flag();
  for (const Bytes& frame : frames) line.frame(with_fcs(frame));
  EXPECT_EQ(received(line).frames[0], frames);
}

TEST(HdlcReceive, CorruptedFcsIsCountedNotDeliveredAndTheNextFrameArrives) {
  Bytes corrupted = with_fcs({0x00, 0x01, 0x01, 0x05, 0x08, 0x02, 0x80});
  corrupted[3] ^= 0x10;
  LineBits line;
  line.flag();
  line.frame(corrupted);
  line.frame(with_fcs(kSabme));
  const Receiver receiver = received(line);
  EXPECT_EQ(receiver.counters().fcs_errors, 1u);
  EXPECT_EQ(receiver.frames[0], std::vector<Bytes>{kSabme});
}

TEST(HdlcReceive, AbortMidFrameIsCountedAndTheNextFrameArrives) {
  LineBits line;
  line.flag();
  line.stuffed({0x00, 0x01, 0x00, 0x00, 0x08});  // part of a frame
  line.ones(9);                                 // abort
  line.flag();
  line.frame(with_fcs(kSabme));
  const Receiver receiver = received(line);
  EXPECT_EQ(receiver.counters().aborts, 1u);
  EXPECT_EQ(errors(receiver.counters()), 1u);
  EXPECT_EQ(receiver.frames[0], std::vector<Bytes>{kSabme});
}

TEST(HdlcReceive, OnesIdleAfterAFlagIsNoAbort) {
  LineBits line;
  line.flag();
  line.ones(200);
  line.flag();
  line.frame(with_fcs(kSabme));
  const Receiver receiver = received(line);
  EXPECT_EQ(errors(receiver.counters()), 0u);
  EXPECT_EQ(receiver.frames[0], std::vector<Bytes>{kSabme});
}

TEST(HdlcReceive, FrameOfMaxLengthArrivesOneOctetLongerIsCountedTooLong) {
  std::mt19937 random(264);
  const Bytes longest = random_octets(random, hdlc::kQ921MaxFrameLength);
  LineBits line;
  line.flag();
  line.frame(with_fcs(random_octets(random, hdlc::kQ921MaxFrameLength + 1)));
  line.frame(with_fcs(longest));
  const Receiver receiver = received(line);
  EXPECT_EQ(receiver.counters().too_long, 1u);
  EXPECT_EQ(receiver.frames[0], std::vector<Bytes>{longest});
  // The limit is the argument's: 100 octets.
  EXPECT_EQ(received(line, 100).counters().too_long, 2u);
}

TEST(HdlcReceive, FrameShorterThanMinLengthIsCountedTooShort) {
  LineBits line;
  line.flag();
  line.frame(with_fcs({0x02, 0x01}));  // 2 octets: below Q.921's 3
  line.frame(with_fcs(kSabme));
  line.frame({0x42});  // one octet between flags: not even an FCS
  const Receiver receiver = received(line);
  EXPECT_EQ(receiver.counters().too_short, 2u);
  EXPECT_EQ(receiver.frames[0], std::vector<Bytes>{kSabme});
}

TEST(HdlcReceive, BitsThatAreNoWholeOctetsAreCountedMisaligned) {
  LineBits line;
  line.flag();
  line.stuffed(with_fcs(kSabme));
  line.zeros(3);  // three stray bits before the closing flag
  line.flag();
  const Receiver receiver = received(line);
  EXPECT_EQ(receiver.counters().misaligned, 1u);
  EXPECT_TRUE(receiver.frames[0].empty());
}

TEST(HdlcReceive, AFrameSplitAcrossCallsAtEveryBitOffsetArrivesWhole) {
  // Channel c's frames start c bits into a call; lengths differ so that
  // their ends fall at other offsets too; each channel has its own data.
  constexpr uint32_t kChannels = hdlc::kBitsPerChannel;
  std::mt19937 random(64);
  std::vector<std::vector<Bytes>> sent(kChannels);
  std::vector<LineBits> lines(kChannels);
  size_t longest = 0;
  for (uint32_t channel = 0; channel < kChannels; ++channel) {
    sent[channel] = {random_octets(random, 20 + channel), random_octets(random, 3 + channel % 7)};
    LineBits& line = lines[channel];
    line.zeros(static_cast<int>((channel + hdlc::kBitsPerChannel - 8) % hdlc::kBitsPerChannel));
    line.flag();  // so the first frame's first bit is at bit `channel` of a call
    for (const Bytes& frame : sent[channel]) line.frame(with_fcs(frame));
    longest = std::max(longest, line.bits.size());
  }
  for (LineBits& line : lines) {
    while (line.bits.size() < longest) line.ones(1);
    line.pad_to_calls();
    line.flag();
    line.pad_to_calls();
  }
  const size_t calls = lines[0].bits.size() / hdlc::kBitsPerChannel;
  Receiver receiver(kChannels);
  for (size_t call = 0; call < calls; ++call) {
    Bytes batch;
    for (uint32_t channel = 0; channel < kChannels; ++channel) {
      const Bytes octets = lines[channel].octets();
      ASSERT_EQ(octets.size(), calls * hdlc::kOctetsPerChannel);
      batch.insert(batch.end(), octets.begin() + call * 8, octets.begin() + call * 8 + 8);
    }
    receiver.call(batch);
  }
  for (uint32_t channel = 0; channel < kChannels; ++channel) {
    EXPECT_EQ(receiver.frames[channel], sent[channel]) << "channel " << channel;
    EXPECT_EQ(receiver.counters(channel).frames, 2u);
  }
}

TEST(HdlcReceive, AFrameWithoutRoomInTheOutputIsCountedDroppedAndNothingIsWrittenPastIt) {
  LineBits line;
  line.flag();
  line.frame(with_fcs(kSabme));
  line.pad_to_calls();
  const Bytes octets = line.octets();
  std::vector<hdlc::ReceiveState> states(1);
  hdlc::ReceivedFrame record{0xEEEEEEEE, 0xEEEE, 0xEEEE};
  Bytes frame_octets(8, 0xEE);
  hdlc::ReceiveSummary summary{};
  for (size_t offset = 0; offset < octets.size(); offset += 8) {
    // Room for one record but only 2 octets: the 3-octet frame does not fit.
    hdlc::receive_batch(octets.data() + offset, states.data(), &record, frame_octets.data(), &summary, 1,
                        hdlc::kQ921MinFrameLength, hdlc::kQ921MaxFrameLength, 1, 2);
    EXPECT_EQ(summary.frame_count, 0u);
  }
  EXPECT_EQ(states[0].counters.dropped, 1u);
  EXPECT_EQ(states[0].counters.frames, 0u);
  EXPECT_EQ(record.offset, 0xEEEEEEEE);
  for (const uint8_t octet : frame_octets) EXPECT_EQ(octet, 0xEE);
}

TEST(HdlcReceive, BadArgumentsAreReportedAndChangeNothing) {
  std::vector<hdlc::ReceiveState> states(1);
  states[0].counters.frames = 7;
  const Bytes line(8, 0x7E);
  hdlc::ReceivedFrame record{};
  uint8_t octet = 0;
  hdlc::ReceiveSummary summary{};
  hdlc::receive_batch(line.data(), states.data(), &record, &octet, &summary, 1, 10, 5, 1, 1);  // min > max
  EXPECT_EQ(summary.status, hdlc::kBadArguments);
  hdlc::receive_batch(line.data(), states.data(), &record, &octet, &summary, 1, 3, hdlc::kMaxFrameLength + 1, 1, 1);
  EXPECT_EQ(summary.status, hdlc::kBadArguments);
  hdlc::receive_batch(line.data(), states.data(), &record, &octet, &summary, 1, 2, 264, 1, 1);  // min below Q.921's
  EXPECT_EQ(summary.status, hdlc::kBadArguments);
  hdlc::receive_batch(line.data(), states.data(), &record, &octet, &summary, hdlc::kMaxChannels + 1, 3, 264, 1, 1);
  EXPECT_EQ(summary.status, hdlc::kBadArguments);
  EXPECT_EQ(states[0].counters.frames, 7u);
  EXPECT_EQ(states[0].in_frame, 0);
  hdlc::receive_batch(line.data(), states.data(), &record, &octet, &summary, 1, 3, 264, 1, 1);
  EXPECT_EQ(summary.status, hdlc::kOk);
}

// --- transmit ------------------------------------------------------------------

// The transmitter's first calls' bits on one channel.
Bits transmitted_bits(Transmitter& transmitter, const std::vector<Bytes>& offers_per_call, size_t calls) {
  Bits bits;
  for (size_t call = 0; call < calls; ++call) {
    const Bytes line = call < offers_per_call.size() ? transmitter.call({offers_per_call[call]}) : transmitter.call();
    const Bits more = bits_of(line);
    bits.insert(bits.end(), more.begin(), more.end());
  }
  return bits;
}

TEST(HdlcTransmit, AnIdleChannelSendsFlags) {
  Transmitter transmitter(3);
  for (int call = 0; call < 4; ++call) {
    for (const uint8_t octet : transmitter.call()) EXPECT_EQ(octet, 0x7E);
  }
}

// What the line must carry: a flag, each frame with its FCS and a closing
// flag that opens the next, then flags; `length` bits of it.
Bits expected_line(const std::vector<Bytes>& frames, size_t length) {
  LineBits expected;
  expected.flag();
  for (const Bytes& frame : frames) expected.frame(with_fcs(frame));
  while (expected.bits.size() < length) expected.flag();
  expected.bits.resize(length);
  return expected.bits;
}

TEST(HdlcTransmit, AFrameGoesOutAsFlagStuffedFrameAndFcsThenFlags) {
  const Bytes frame = {0x00, 0x01, 0xFF, 0xFF, 0x7E, 0x3F, 0x00, 0xFC};
  Transmitter transmitter(1);
  const Bits bits = transmitted_bits(transmitter, {frame}, 4);
  EXPECT_EQ(bits, expected_line({frame}, bits.size()));
  EXPECT_EQ(transmitter.counters().frames, 1u);
}

TEST(HdlcTransmit, BackToBackFramesShareOneFlag) {
  std::mt19937 random(921);
  const Bytes first = random_octets(random, 40);
  const Bytes second = {0xFF, 0xFF, 0xFF};
  Transmitter transmitter(1);
  // The second is offered while the first is on the line.
  const Bits bits = transmitted_bits(transmitter, {first, second}, 12);
  EXPECT_EQ(bits, expected_line({first, second}, bits.size()));
  EXPECT_EQ(transmitter.counters().frames, 2u);
}

TEST(HdlcTransmit, TwoFramesQueueAThirdIsBusyAndTooLongIsRejected) {
  Transmitter transmitter(1);
  const Bytes frame(100, 0x55);
  transmitter.call({frame});
  EXPECT_EQ(transmitter.status[0], hdlc::kAccepted);
  transmitter.call({frame});
  EXPECT_EQ(transmitter.status[0], hdlc::kAccepted);
  transmitter.call({frame});
  EXPECT_EQ(transmitter.status[0], hdlc::kBusy);
  transmitter.call({Bytes(hdlc::kMaxFrameLength + 1, 0x55)});
  EXPECT_EQ(transmitter.status[0], hdlc::kRejected);
  EXPECT_EQ(transmitter.counters().rejected, 1u);
}

TEST(HdlcTransmit, ARequestOutsideTheTransmitOctetsIsRejected) {
  std::vector<hdlc::TransmitState> states(1);
  const hdlc::TransmitRequest request{6, 4, 0};
  const Bytes octets(8, 0x11);
  Bytes line(8);
  uint8_t status = 0;
  hdlc::transmit_batch(&request, octets.data(), states.data(), line.data(), &status, 1, 8);
  EXPECT_EQ(status, hdlc::kRejected);
  EXPECT_EQ(states[0].queued, 0);
}

// --- round trips ---------------------------------------------------------------

// A frame whose content varies between plain random octets and runs that
// force zero-bit insertion or look like flags and aborts.
Bytes test_frame(std::mt19937& random, uint32_t max_length) {
  const size_t length = hdlc::kQ921MinFrameLength + random() % (max_length - hdlc::kQ921MinFrameLength + 1);
  Bytes frame = random_octets(random, length);
  switch (random() % 4) {
    case 0: std::fill(frame.begin(), frame.end(), 0xFF); break;
    case 1: std::fill(frame.begin() + frame.size() / 2, frame.end(), 0x7E); break;
    case 2: for (size_t index = 0; index < frame.size(); index += 2) frame[index] = 0xFE; break;
    default: break;
  }
  return frame;
}

// Frames offered to every channel, transmitted, looped back into a receiver.
void round_trip(uint32_t channels, uint32_t frames_per_channel, uint32_t max_length, uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<std::deque<Bytes>> pending(channels);
  std::vector<std::vector<Bytes>> sent(channels);
  for (uint32_t channel = 0; channel < channels; ++channel) {
    for (uint32_t index = 0; index < frames_per_channel; ++index) {
      sent[channel].push_back(test_frame(random, max_length));
      pending[channel].push_back(sent[channel].back());
    }
  }
  Transmitter transmitter(channels);
  Receiver receiver(channels);
  // Until every frame is out, and two calls more for the last closing flags.
  uint32_t calls_after_last_frame = 0;
  for (int call = 0; call < 100000 && calls_after_last_frame < 2; ++call) {
    std::vector<Bytes> offers(channels);
    bool all_sent = true;
    for (uint32_t channel = 0; channel < channels; ++channel) {
      if (!pending[channel].empty()) offers[channel] = pending[channel].front();
      all_sent = all_sent && transmitter.counters(channel).frames == frames_per_channel;
    }
    const Bytes line = transmitter.call(offers);
    for (uint32_t channel = 0; channel < channels; ++channel) {
      ASSERT_NE(transmitter.status[channel], hdlc::kRejected);
      if (transmitter.status[channel] == hdlc::kAccepted) pending[channel].pop_front();
    }
    const hdlc::ReceiveSummary summary = receiver.call(line);
    ASSERT_EQ(summary.status, hdlc::kOk);
    if (all_sent) ++calls_after_last_frame;
  }
  for (uint32_t channel = 0; channel < channels; ++channel) {
    SCOPED_TRACE(channel);
    EXPECT_TRUE(pending[channel].empty());
    EXPECT_EQ(receiver.frames[channel], sent[channel]);
    const hdlc::ReceiveCounters& counters = receiver.counters(channel);
    EXPECT_EQ(counters.frames, frames_per_channel);
    EXPECT_EQ(counters.fcs_errors + counters.aborts + counters.too_long + counters.too_short +
                  counters.misaligned + counters.dropped,
              0u);
    EXPECT_EQ(transmitter.counters(channel).frames, frames_per_channel);
  }
}

TEST(HdlcRoundTrip, RandomFramesOnManyChannelsArriveIntactAndInOrder) {
  round_trip(96, 6, hdlc::kQ921MaxFrameLength, 11);
}

TEST(HdlcRoundTrip, ShortestFramesBackToBackFitTheSizedOutput) {
  // Frames of 3 octets back to back: two can end in one call; the output
  // sized by receive_frame_capacity never drops one.
  round_trip(32, 60, hdlc::kQ921MinFrameLength, 12);
}

TEST(HdlcKernel, OneCallReceivesAndTransmitsEveryChannel) {
  constexpr uint32_t kChannels = 4;
  std::vector<hdlc::ReceiveState> receive_states(kChannels);
  std::vector<hdlc::TransmitState> transmit_states(kChannels);
  std::vector<hdlc::ReceivedFrame> records(hdlc::receive_frame_capacity(kChannels));
  Bytes received_octets(hdlc::receive_octet_capacity(kChannels, hdlc::kQ921MaxFrameLength));
  Bytes line(kChannels * hdlc::kOctetsPerChannel, 0xFF);
  std::vector<Bytes> received(kChannels);
  for (int call = 0; call < 10; ++call) {
    std::vector<hdlc::TransmitRequest> requests(kChannels, hdlc::TransmitRequest{0, 0, 0});
    Bytes transmit_octets;
    if (call == 0) {
      for (uint32_t channel = 0; channel < kChannels; ++channel) {
        requests[channel] = {static_cast<uint32_t>(transmit_octets.size()), 4, 0};
        const Bytes frame = {0x02, 0x01, 0x7F, static_cast<uint8_t>(channel)};
        transmit_octets.insert(transmit_octets.end(), frame.begin(), frame.end());
      }
    }
    transmit_octets.resize(std::max<size_t>(transmit_octets.size(), 1));
    Bytes transmit_line(line.size());
    Bytes transmit_status(kChannels);
    hdlc::ReceiveSummary summary{};
    ::hdlc(line.data(), receive_states.data(), records.data(), received_octets.data(), &summary, requests.data(),
         transmit_octets.data(), transmit_states.data(), transmit_line.data(), transmit_status.data(), kChannels,
         hdlc::kQ921MinFrameLength, hdlc::kQ921MaxFrameLength, static_cast<uint32_t>(records.size()),
         static_cast<uint32_t>(received_octets.size()), static_cast<uint32_t>(transmit_octets.size()));
    ASSERT_EQ(summary.status, hdlc::kOk);
    for (uint32_t index = 0; index < summary.frame_count; ++index) {
      const hdlc::ReceivedFrame& record = records[index];
      received[record.channel].assign(received_octets.begin() + record.offset,
                                      received_octets.begin() + record.offset + record.length);
    }
    line = transmit_line;  // looped back for the next call
  }
  for (uint32_t channel = 0; channel < kChannels; ++channel) {
    EXPECT_EQ(received[channel], (Bytes{0x02, 0x01, 0x7F, static_cast<uint8_t>(channel)}));
  }
}

TEST(HdlcKernel, BadArgumentsLeaveTheTransmitSideAlone) {
  std::vector<hdlc::ReceiveState> receive_states(1);
  std::vector<hdlc::TransmitState> transmit_states(1);
  hdlc::ReceivedFrame record{};
  uint8_t octet = 0;
  hdlc::ReceiveSummary summary{};
  const hdlc::TransmitRequest request{0, 0, 0};
  Bytes line(8, 0xFF);
  Bytes transmit_line(8, 0xEE);
  uint8_t status = 0xEE;
  ::hdlc(line.data(), receive_states.data(), &record, &octet, &summary, &request, &octet, transmit_states.data(),
       transmit_line.data(), &status, 1, 9, 8, 1, 1, 1);
  EXPECT_EQ(summary.status, hdlc::kBadArguments);
  for (const uint8_t value : transmit_line) EXPECT_EQ(value, 0xEE);
  EXPECT_EQ(status, 0xEE);
}

// --- spandsp's HDLC as the peer ---------------------------------------------

void collect_frame(void* user_data, const uint8_t* frame, int length, int ok) {
  if (length > 0 && ok != 0) {
    static_cast<std::vector<Bytes>*>(user_data)->emplace_back(frame, frame + length);
  }
}

TEST(HdlcSpandsp, FramesFromSpandspsTransmitterArrive) {
  std::mt19937 random(2025);
  std::vector<Bytes> sent;
  for (int index = 0; index < 30; ++index) sent.push_back(test_frame(random, 200));
  hdlc_tx_state_t* peer = hdlc_tx_init(nullptr, false, 1, false, nullptr, nullptr);
  ASSERT_NE(peer, nullptr);
  Receiver receiver(1);
  size_t next = 0;
  for (int call = 0; call < 20000 && receiver.frames[0].size() < sent.size(); ++call) {
    // (spandsp sends a frame queued before its first octet without an
    // opening flag: the first call is flags only.)
    if (call > 0 && next < sent.size() && hdlc_tx_frame(peer, sent[next].data(), sent[next].size()) == 0) ++next;
    Bytes line(hdlc::kOctetsPerChannel);
    for (uint8_t& octet : line) octet = static_cast<uint8_t>(hdlc_tx_get_byte(peer));
    receiver.call(line);
  }
  hdlc_tx_free(peer);
  EXPECT_EQ(receiver.frames[0], sent);
  EXPECT_EQ(receiver.counters().fcs_errors + receiver.counters().aborts + receiver.counters().misaligned, 0u);
}

TEST(HdlcSpandsp, SpandspsReceiverTakesOurFrames) {
  std::mt19937 random(2026);
  std::vector<Bytes> sent;
  for (int index = 0; index < 30; ++index) sent.push_back(test_frame(random, 200));
  std::vector<Bytes> received;
  hdlc_rx_state_t* peer = hdlc_rx_init(nullptr, false, false, 1, collect_frame, &received);
  ASSERT_NE(peer, nullptr);
  Transmitter transmitter(1);
  size_t next = 0;
  for (int call = 0; call < 20000 && received.size() < sent.size(); ++call) {
    const Bytes line = next < sent.size() ? transmitter.call({sent[next]}) : transmitter.call();
    if (transmitter.status[0] == hdlc::kAccepted) ++next;
    for (const uint8_t octet : line) hdlc_rx_put_byte(peer, octet);
  }
  hdlc_rx_free(peer);
  EXPECT_EQ(received, sent);
}

}  // namespace
