// hls/g711 against ITU-T G.711's tables (segment edges, the A-law <-> µ-law
// Tables 3 and 4) and against spandsp's g711 functions for every input.
#include "g711/g711.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" {
#include <spandsp/telephony.h>
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>
}

namespace {

namespace g711 = sipnic::g711;

// The character signal G.711's tables print (sign, then segment, then
// step), made into the code on the line by each law's inversion.
uint8_t alaw_character(uint32_t table_bits) { return static_cast<uint8_t>(table_bits ^ 0x55); }
uint8_t ulaw_character(uint32_t table_bits) {
  return static_cast<uint8_t>((table_bits & 0x80) | ((table_bits & 0x7F) ^ 0x7F));
}

TEST(G711Alaw, EncodesEveryLinearSampleAsSpandspDoes) {
  for (int32_t linear = -32768; linear <= 32767; ++linear) {
    ASSERT_EQ(g711::linear_to_alaw(static_cast<int16_t>(linear)), ::linear_to_alaw(linear))
        << "linear " << linear;
  }
}

TEST(G711Alaw, DecodesEveryCodeAsSpandspDoes) {
  for (uint32_t code = 0; code < 256; ++code) {
    ASSERT_EQ(g711::alaw_to_linear(static_cast<uint8_t>(code)),
              ::alaw_to_linear(static_cast<uint8_t>(code)))
        << "code " << code;
  }
}

TEST(G711Ulaw, EncodesEveryLinearSampleAsSpandspDoes) {
  for (int32_t linear = -32768; linear <= 32767; ++linear) {
    ASSERT_EQ(g711::linear_to_ulaw(static_cast<int16_t>(linear)), ::linear_to_ulaw(linear))
        << "linear " << linear;
  }
}

TEST(G711Ulaw, DecodesEveryCodeAsSpandspDoes) {
  for (uint32_t code = 0; code < 256; ++code) {
    ASSERT_EQ(g711::ulaw_to_linear(static_cast<uint8_t>(code)),
              ::ulaw_to_linear(static_cast<uint8_t>(code)))
        << "code " << code;
  }
}

// A segment of G.711 Table 1a (A-law) or 2a (µ-law), positive values
// (Tables 1b and 2b mirror them): its first decision value and the decoder
// outputs of its first and last step, in the table's units.
struct Segment {
  uint32_t segment;
  int32_t first_decision;
  int32_t first_output;
  int32_t last_output;
};
// Table 1a, on the 4096 scale.
constexpr Segment kTable1a[] = {
    {0, 0, 1, 31},        {1, 32, 33, 63},      {2, 64, 66, 126},     {3, 128, 132, 252},
    {4, 256, 264, 504},   {5, 512, 528, 1008},  {6, 1024, 1056, 2016}, {7, 2048, 2112, 4032},
};
// Table 2a, on the 8159 scale.
constexpr Segment kTable2a[] = {
    {0, 0, 0, 30},         {1, 31, 33, 93},        {2, 95, 99, 219},       {3, 223, 231, 471},
    {4, 479, 495, 975},    {5, 991, 1023, 1983},   {6, 2015, 2079, 3999},  {7, 4063, 4191, 8031},
};

// One law as the tests see it: 16-bit units per table unit, the line code
// of a table's character signal, the decoder and the encoder.
struct Law {
  int32_t scale;
  uint8_t (*character)(uint32_t table_bits);
  int16_t (*decode)(uint8_t code);
  uint8_t (*encode)(int16_t linear);
};
constexpr Law kAlaw{8, alaw_character, g711::alaw_to_linear, g711::linear_to_alaw};
constexpr Law kUlaw{4, ulaw_character, g711::ulaw_to_linear, g711::linear_to_ulaw};

void expect_segment_edges(const Segment (&table)[8], const Law& law) {
  for (const Segment& row : table) {
    SCOPED_TRACE(row.segment);
    const uint8_t first = law.character(0x80 | (row.segment << 4));
    const uint8_t last = law.character(0x80 | (row.segment << 4) | 0x0F);
    EXPECT_EQ(law.decode(first), law.scale * row.first_output);
    EXPECT_EQ(law.decode(last), law.scale * row.last_output);
    EXPECT_EQ(law.encode(static_cast<int16_t>(law.scale * row.first_decision)), first);
    if (row.segment > 0) {
      const uint8_t below = law.character(0x80 | ((row.segment - 1) << 4) | 0x0F);
      EXPECT_EQ(law.encode(static_cast<int16_t>(law.scale * row.first_decision - 1)), below);
    }
    // The negative values: sign bit 0, the same magnitudes.
    EXPECT_EQ(law.decode(law.character(row.segment << 4)), -law.scale * row.first_output);
    EXPECT_EQ(law.decode(law.character((row.segment << 4) | 0x0F)), -law.scale * row.last_output);
  }
}

TEST(G711Alaw, SegmentEdgesAreThoseOfTable1) {
  expect_segment_edges(kTable1a, kAlaw);
  EXPECT_EQ(g711::linear_to_alaw(32767), 0xAA);   // the largest positive value, 1111 1111
  EXPECT_EQ(g711::linear_to_alaw(-32768), 0x2A);  // the largest negative value, 0111 1111
  EXPECT_EQ(g711::linear_to_alaw(0), 0xD5);       // 1000 0000 with the even bits inverted
}

TEST(G711Ulaw, SegmentEdgesAreThoseOfTable2) {
  expect_segment_edges(kTable2a, kUlaw);
  EXPECT_EQ(g711::linear_to_ulaw(0), 0xFF);       // positive zero
  EXPECT_EQ(g711::linear_to_ulaw(-1), 0x7F);      // negative zero
  EXPECT_EQ(g711::linear_to_ulaw(32767), 0x80);   // clipped to the largest positive value
  EXPECT_EQ(g711::linear_to_ulaw(-32768), 0x00);  // and the largest negative one
}

// Rows of G.711 Table 3 (µ-law -> A-law) and Table 4 (A-law -> µ-law), by
// decoder output value number (µ-law 0..127, A-law 1..128), positive
// values: where the two laws' steps differ, so the mapping is not one to one.
struct TableRow {
  uint32_t from;
  uint32_t to;
};
constexpr TableRow kTable3[] = {
    {0, 1},   {1, 1},   {2, 2},   {3, 2},   {15, 8},  {16, 9},   {31, 24}, {32, 25},
    {33, 27}, {34, 29}, {35, 31}, {36, 33}, {47, 44}, {48, 46},  {49, 48}, {50, 49},
    {63, 62}, {64, 64}, {79, 79}, {80, 80}, {81, 82}, {126, 127}, {127, 128},
};
constexpr TableRow kTable4[] = {
    {1, 1},   {2, 3},   {8, 15},  {9, 16},  {24, 31}, {25, 32}, {26, 32}, {27, 33},
    {28, 33}, {29, 34}, {30, 34}, {31, 35}, {32, 35}, {33, 36}, {45, 48}, {46, 48},
    {47, 49}, {48, 49}, {49, 50}, {63, 64}, {64, 64}, {65, 65}, {79, 79}, {80, 80},
    {81, 80}, {82, 81}, {128, 127},
};

uint8_t ulaw_code_of_number(uint32_t number, bool positive) {
  return ulaw_character((positive ? 0x80 : 0) | number);
}
uint8_t alaw_code_of_number(uint32_t number, bool positive) {
  return alaw_character((positive ? 0x80 : 0) | (number - 1));
}

TEST(G711Transcode, UlawToAlawGivesTheRowsOfTable3BothSigns) {
  for (const TableRow& row : kTable3) {
    for (const bool positive : {true, false}) {
      EXPECT_EQ(g711::ulaw_to_alaw(ulaw_code_of_number(row.from, positive)),
                alaw_code_of_number(row.to, positive))
          << "µ-law number " << row.from << (positive ? " positive" : " negative");
    }
  }
}

TEST(G711Transcode, AlawToUlawGivesTheRowsOfTable4BothSigns) {
  for (const TableRow& row : kTable4) {
    for (const bool positive : {true, false}) {
      EXPECT_EQ(g711::alaw_to_ulaw(alaw_code_of_number(row.from, positive)),
                ulaw_code_of_number(row.to, positive))
          << "A-law number " << row.from << (positive ? " positive" : " negative");
    }
  }
}

TEST(G711Transcode, EveryCodeConvertsAsSpandspsG711TablesDo) {
  for (uint32_t code = 0; code < 256; ++code) {
    EXPECT_EQ(g711::alaw_to_ulaw(static_cast<uint8_t>(code)), ::alaw_to_ulaw(static_cast<uint8_t>(code)))
        << "A-law code " << code;
    EXPECT_EQ(g711::ulaw_to_alaw(static_cast<uint8_t>(code)), ::ulaw_to_alaw(static_cast<uint8_t>(code)))
        << "µ-law code " << code;
  }
}

// Where one law's decoder output is exactly a value of the other (A-law's
// segment 0, 1..31 on the 4096 scale, is µ-law's 2..62 on the 8159 scale at
// 16 bits: 8..248), G.711's tables map the one to the other, which is what
// decoding and encoding again gives. Everywhere else the tables' choice,
// made at the laws' true levels, is the nearest value or its neighbour at
// 16-bit scale, with the sign kept.
TEST(G711Transcode, DirectConversionAgreesWithGoingThroughLinear) {
  for (uint32_t code = 0; code < 256; ++code) {
    const uint8_t alaw = static_cast<uint8_t>(code);
    const int16_t linear = g711::alaw_to_linear(alaw);
    const uint8_t through_linear = g711::linear_to_ulaw(linear);
    const uint8_t direct = g711::alaw_to_ulaw(alaw);
    EXPECT_EQ(direct & 0x80, through_linear & 0x80) << "A-law code " << code;
    EXPECT_LE(std::abs((direct & 0x7F) - (through_linear & 0x7F)), 1) << "A-law code " << code;
    if (g711::ulaw_to_linear(through_linear) == linear) {
      EXPECT_EQ(direct, through_linear) << "A-law code " << code;
    }
  }
  uint32_t differences = 0;  // from plain decoding and encoding again
  for (uint32_t code = 0; code < 256; ++code) {
    const uint8_t alaw = static_cast<uint8_t>(code);
    differences += g711::alaw_to_ulaw(alaw) != g711::linear_to_ulaw(g711::alaw_to_linear(alaw));
    const uint8_t ulaw = static_cast<uint8_t>(code);
    differences += g711::ulaw_to_alaw(ulaw) != g711::linear_to_alaw(g711::ulaw_to_linear(ulaw));
  }
  EXPECT_GT(differences, 0u);  // the tables are not the 16-bit round trip
  uint32_t exact = 0;
  for (uint32_t code = 0; code < 256; ++code) {
    const uint8_t ulaw = static_cast<uint8_t>(code);
    const int16_t linear = g711::ulaw_to_linear(ulaw);
    const uint8_t direct = g711::ulaw_to_alaw(ulaw);
    // Through linear, µ-law's negative zero would become A-law's positive
    // smallest value; the table keeps the sign.
    const uint8_t through_linear = g711::linear_to_alaw((ulaw & 0x80) != 0 ? linear : -linear);
    const uint8_t direct_positive = static_cast<uint8_t>(direct | 0x80);
    EXPECT_EQ(direct & 0x80, ulaw & 0x80) << "µ-law code " << code;
    EXPECT_LE(std::abs(((direct_positive ^ 0x55) & 0x7F) - ((through_linear ^ 0x55) & 0x7F)), 1)
        << "µ-law code " << code;
    if (g711::alaw_to_linear(through_linear) == ((ulaw & 0x80) != 0 ? linear : -linear)) {
      EXPECT_EQ(direct_positive, through_linear) << "µ-law code " << code;
      ++exact;
    }
  }
  EXPECT_EQ(exact, 16u);  // µ-law numbers 1, 3, ..., 15 with each sign: A-law segment 0
}

TEST(G711Kernel, ConvertsABlockEachWayAndTouchesOnlyItsOutput) {
  std::vector<uint8_t> codes(256);
  for (uint32_t index = 0; index < codes.size(); ++index) codes[index] = static_cast<uint8_t>(index);
  std::vector<int16_t> linear(codes.size(), 0x5A5A);
  std::vector<uint8_t> untouched(codes.size(), 0xA5);
  ::g711(codes.data(), nullptr, untouched.data(), linear.data(), 256, g711::kAlawToLinear);
  for (uint32_t index = 0; index < codes.size(); ++index) {
    EXPECT_EQ(linear[index], ::alaw_to_linear(codes[index]));
    EXPECT_EQ(untouched[index], 0xA5);
  }
  std::vector<uint8_t> encoded(codes.size() + 1, 0xA5);
  ::g711(nullptr, linear.data(), encoded.data(), nullptr, 256, g711::kLinearToAlaw);
  for (uint32_t index = 0; index < codes.size(); ++index) EXPECT_EQ(encoded[index], codes[index]);
  EXPECT_EQ(encoded[256], 0xA5);  // nothing past sample_count

  ::g711(codes.data(), nullptr, nullptr, linear.data(), 256, g711::kUlawToLinear);
  ::g711(nullptr, linear.data(), encoded.data(), nullptr, 256, g711::kLinearToUlaw);
  for (uint32_t index = 0; index < codes.size(); ++index) {
    EXPECT_EQ(linear[index], ::ulaw_to_linear(codes[index]));
    EXPECT_EQ(encoded[index], ::linear_to_ulaw(linear[index]));
  }
  ::g711(codes.data(), nullptr, encoded.data(), nullptr, 256, g711::kAlawToUlaw);
  for (uint32_t index = 0; index < codes.size(); ++index) EXPECT_EQ(encoded[index], ::alaw_to_ulaw(codes[index]));
  ::g711(codes.data(), nullptr, encoded.data(), nullptr, 256, g711::kUlawToAlaw);
  for (uint32_t index = 0; index < codes.size(); ++index) EXPECT_EQ(encoded[index], ::ulaw_to_alaw(codes[index]));
}

TEST(G711Kernel, UnknownConversionOrTooManySamplesWritesNothing) {
  std::vector<uint8_t> codes(16, 0x12);
  std::vector<uint8_t> output(16, 0xA5);
  ::g711(codes.data(), nullptr, output.data(), nullptr, 16, 6);
  ::g711(codes.data(), nullptr, output.data(), nullptr, g711::kMaxSamples + 1, g711::kAlawToUlaw);
  for (const uint8_t octet : output) EXPECT_EQ(octet, 0xA5);
}

}  // namespace
