// hls/g711: ITU-T G.711 A-law and µ-law, to and from 16-bit linear samples,
// and A-law <-> µ-law directly (G.711 Tables 3 and 4). Per sample here (the
// media path calls these), over blocks in the kernel (g711.cpp). Formats:
// docs/kernels.md, "g711".
//
// Linear samples are 16-bit two's complement: A-law's 13-bit uniform code
// is the sample's top 13 bits and µ-law's 14-bit code its top 14 bits, as in
// spandsp and ITU-T G.191; decoding gives G.711's decoder output values at
// that scale (A-law 8 * value of Table 1a, µ-law 4 * value of Table 2a).
#pragma once

#include <cstdint>

namespace sipnic::g711 {

// In both laws the character signal's first bit is the sign, 1 for
// positive values. G.711 then inverts A-law's even bits (Table 1a) and
// µ-law's seven magnitude bits (Table 2a).
constexpr uint8_t kSignBit = 0x80;
constexpr uint8_t kAlawEvenBits = 0x55;
constexpr uint8_t kUlawMagnitudeBits = 0x7F;
// µ-law's bias, 33 at 14 bits, at 16-bit scale.
constexpr int32_t kUlawBias = 33 * 4;

// The segment (exponent) of a magnitude, 0..7: segment 1 starts at
// `segment_one_start` and each next one at twice the start of the one before.
constexpr uint32_t segment_of(uint32_t magnitude, uint32_t segment_one_start) {
  uint32_t segment = 0;
  for (uint32_t candidate = 1; candidate < 8; ++candidate) {
    if (magnitude >= (segment_one_start << (candidate - 1))) {
      segment = candidate;
    }
  }
  return segment;
}

// A-law (G.711 Table 1a/1b). A negative sample's magnitude is its one's
// complement, so that -1..-8 and 0..7 share the decision interval around 0.
constexpr uint8_t linear_to_alaw(int16_t linear) {
  const bool positive = linear >= 0;
  const uint32_t magnitude = static_cast<uint32_t>(positive ? linear : -linear - 1) >> 3;  // 0..4095
  const uint32_t segment = segment_of(magnitude, 32);
  const uint32_t step = magnitude >> (segment == 0 ? 1 : segment);
  const uint32_t code = (positive ? kSignBit : 0u) | (segment << 4) | (step & 0x0F);
  return static_cast<uint8_t>(code ^ kAlawEvenBits);
}

constexpr int16_t alaw_to_linear(uint8_t alaw) {
  const uint32_t code = alaw ^ kAlawEvenBits;
  const uint32_t segment = (code >> 4) & 0x07;
  const uint32_t step = code & 0x0F;
  // Table 1a's decoder output (2 * step + 1 in segment 0, (2 * step + 33) << (segment - 1)
  // above), times 8.
  const int32_t magnitude = static_cast<int32_t>(
      segment == 0 ? (step << 4) + 8 : ((step << 4) + 0x108) << (segment - 1));
  return static_cast<int16_t>((code & kSignBit) != 0 ? magnitude : -magnitude);
}

// µ-law (G.711 Table 2a/2b), with the magnitude of the sample; values whose
// biased magnitude passes the last segment give the largest code.
constexpr uint8_t linear_to_ulaw(int16_t linear) {
  const bool positive = linear >= 0;
  const uint32_t biased =
      static_cast<uint32_t>((positive ? static_cast<int32_t>(linear) : -static_cast<int32_t>(linear)) +
                            kUlawBias);
  const uint32_t sign = positive ? kSignBit : 0u;
  if (biased >= 0x8000) {
    return static_cast<uint8_t>(sign);  // segment 7, step 15, its magnitude bits inverted
  }
  const uint32_t segment = segment_of(biased, 256);
  const uint32_t step = (biased >> (segment + 3)) & 0x0F;
  return static_cast<uint8_t>(sign | (((segment << 4) | step) ^ kUlawMagnitudeBits));
}

constexpr int16_t ulaw_to_linear(uint8_t ulaw) {
  const uint32_t code = ulaw ^ kUlawMagnitudeBits;
  const uint32_t segment = (code >> 4) & 0x07;
  const uint32_t step = code & 0x0F;
  // Table 2a's decoder output ((2 * step + 33) << segment) - 33, times 4.
  const int32_t magnitude = static_cast<int32_t>(((step << 3) + kUlawBias) << segment) - kUlawBias;
  return static_cast<int16_t>((code & kSignBit) != 0 ? magnitude : -magnitude);
}

// --- A-law <-> µ-law (G.711 Tables 3 and 4) ---------------------------------
//
// A value's magnitude index, segment << 4 | step (0..127): its code's seven
// low bits with G.711's inversion undone. It is G.711's "decoder output value
// number" (µ-law 0..127; A-law 1..128, index + 1) of Tables 3 and 4.

// Table 1a's decoder output, A-law magnitude index 0..127 (unit: 1/4096 of
// A-law's overload level).
constexpr uint32_t alaw_decoder_output(uint32_t index) {
  const uint32_t segment = index >> 4;
  const uint32_t step = index & 0x0F;
  return segment == 0 ? 2 * step + 1 : (2 * step + 33) << (segment - 1);
}

// Table 2a's decoder output, µ-law magnitude index 0..127 (unit: 1/8159 of
// µ-law's overload level).
constexpr uint32_t ulaw_decoder_output(uint32_t index) {
  const uint32_t segment = index >> 4;
  const uint32_t step = index & 0x0F;
  return ((2 * step + 33) << segment) - 33;
}

// Tables 3 and 4 map each value to the nearest value of the other law at
// their true levels: A-law's 4096 is +3.14 dBm0 and µ-law's 8159 is
// +3.17 dBm0, so one A-law unit is 8159/4096 * 10^(-0.03/20) = 1.98507
// µ-law units. That ratio, rounded to 8131/4096, gives both tables exactly
// (any ratio from 1.9839 to 1.9913 does; 2, the 16-bit scales' ratio, does
// not), and no value lies halfway between two others.
constexpr uint32_t kUlawUnitsPerAlawUnitNumerator = 8131;
constexpr uint32_t kUlawUnitsPerAlawUnitDenominator = 4096;

constexpr uint32_t level_distance(uint32_t alaw_index, uint32_t ulaw_index) {
  const uint32_t alaw_level = alaw_decoder_output(alaw_index) * kUlawUnitsPerAlawUnitNumerator;
  const uint32_t ulaw_level = ulaw_decoder_output(ulaw_index) * kUlawUnitsPerAlawUnitDenominator;
  return alaw_level > ulaw_level ? alaw_level - ulaw_level : ulaw_level - alaw_level;
}

struct MagnitudeTable {
  uint8_t index[128];
};

// For each magnitude index of one law (`from_alaw`: A-law, else µ-law), the
// other law's index at the nearest level.
constexpr MagnitudeTable make_nearest_magnitudes(bool from_alaw) {
  MagnitudeTable table{};
  for (uint32_t from = 0; from < 128; ++from) {
    uint32_t best = 0;
    uint32_t best_distance = from_alaw ? level_distance(from, 0) : level_distance(0, from);
    for (uint32_t to = 1; to < 128; ++to) {
      const uint32_t distance = from_alaw ? level_distance(from, to) : level_distance(to, from);
      if (distance < best_distance) {
        best = to;
        best_distance = distance;
      }
    }
    table.index[from] = static_cast<uint8_t>(best);
  }
  return table;
}

// G.711 Table 4 (A-law to µ-law) and Table 3 (µ-law to A-law), by magnitude
// index; the sign is kept.
inline constexpr MagnitudeTable kAlawToUlawMagnitudes = make_nearest_magnitudes(true);
inline constexpr MagnitudeTable kUlawToAlawMagnitudes = make_nearest_magnitudes(false);

constexpr uint8_t alaw_to_ulaw(uint8_t alaw) {
  const uint32_t code = alaw ^ kAlawEvenBits;
  const uint32_t magnitude = kAlawToUlawMagnitudes.index[code & 0x7F];
  return static_cast<uint8_t>((code & kSignBit) | (magnitude ^ kUlawMagnitudeBits));
}

constexpr uint8_t ulaw_to_alaw(uint8_t ulaw) {
  const uint32_t magnitude = kUlawToAlawMagnitudes.index[(ulaw ^ kUlawMagnitudeBits) & 0x7F];
  return static_cast<uint8_t>(((ulaw & kSignBit) | magnitude) ^ kAlawEvenBits);
}

// --- the kernel's block conversion -----------------------------------------

enum Conversion : uint32_t {
  kAlawToLinear = 0,  // codes_in -> linear_out
  kUlawToLinear = 1,  // codes_in -> linear_out
  kLinearToAlaw = 2,  // linear_in -> codes_out
  kLinearToUlaw = 3,  // linear_in -> codes_out
  kAlawToUlaw = 4,    // codes_in -> codes_out
  kUlawToAlaw = 5,    // codes_in -> codes_out
};

// Samples in one call (a worker's B-channels for one batch and more).
constexpr uint32_t kMaxSamples = 1u << 20;
static_assert(kMaxSamples >= 8 && kMaxSamples <= (1u << 28), "g711: 8..2^28 samples per call");

}  // namespace sipnic::g711

// The kernel: `sample_count` samples through `conversion`; the ports it does
// not read or write are not touched. A sample_count above kMaxSamples or an
// unknown conversion does nothing.
extern "C" void g711(const uint8_t* codes_in, const int16_t* linear_in, uint8_t* codes_out,
                     int16_t* linear_out, uint32_t sample_count, uint32_t conversion);
