// Tests for host/pri/q921_frame.cpp: every Q.921 frame type encoded and
// decoded both ways against bytes written by hand from the bit layouts of
// Q.921 §2.1-§2.4 and §3.2-§3.6 (Figures 5 and 6, Tables 1, 4 and 5), from
// the user and from the network side; and the malformed inputs, each with its
// precise error.
#include "pri/q921_frame.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/hex.h"

namespace sipnic::pri {
namespace {

using Bytes = std::vector<std::uint8_t>;
using test::to_hex;

// Info fields the table's frames point at (a Frame's info is a view).
const Bytes kSetupStart{0x08, 0x02, 0x00, 0x01, 0x05};  // Q.931: PD, CR length 2, CR 1, SETUP
const Bytes kTwoOctets{0x08, 0x01};
const Bytes kXidParams{0x82, 0x80, 0x00};

struct Row {
  const char* what;
  Side sender;
  Frame frame;
  Bytes bytes;
};

// Address octet 1 for SAPI 0: C/R is bit 2, so 0x02 for a network command or
// a user response, 0x00 for a user command or a network response; octet 2
// for TEI 0 is 0x01 (EA=1).
std::vector<Row> table() {
  using FT = FrameType;
  const Side U = Side::kUser;
  const Side N = Side::kNetwork;
  return {
      {"SABME P=1 from the user", U, Frame{.type = FT::kSABME, .command = true, .poll_final = true}, {0x00, 0x01, 0x7F}},
      {"SABME P=0 from the network", N, Frame{.type = FT::kSABME, .command = true}, {0x02, 0x01, 0x6F}},
      {"UA F=1 from the network", N, Frame{.type = FT::kUA, .command = false, .poll_final = true}, {0x00, 0x01, 0x73}},
      {"UA F=0 from the user", U, Frame{.type = FT::kUA, .command = false}, {0x02, 0x01, 0x63}},
      {"DM F=1 from the user", U, Frame{.type = FT::kDM, .command = false, .poll_final = true}, {0x02, 0x01, 0x1F}},
      {"DM F=0 from the network", N, Frame{.type = FT::kDM, .command = false}, {0x00, 0x01, 0x0F}},
      {"DISC P=1 from the network", N, Frame{.type = FT::kDISC, .command = true, .poll_final = true}, {0x02, 0x01, 0x53}},
      {"DISC P=0 from the user", U, Frame{.type = FT::kDISC, .command = true}, {0x00, 0x01, 0x43}},
      {"UI P=0 from the network", N, Frame{.type = FT::kUI, .command = true, .info = kTwoOctets},
       {0x02, 0x01, 0x03, 0x08, 0x01}},
      {"UI P=1 from the user, no information", U, Frame{.type = FT::kUI, .command = true, .poll_final = true},
       {0x00, 0x01, 0x13}},
      {"XID command P=1 from the user", U, Frame{.type = FT::kXID, .command = true, .poll_final = true, .info = kXidParams},
       {0x00, 0x01, 0xBF, 0x82, 0x80, 0x00}},
      {"XID response F=0 from the network", N, Frame{.type = FT::kXID, .command = false}, {0x00, 0x01, 0xAF}},
      // FRMR of an S frame with SS=11 (0x0D 0x0A): W, V(S)=5, V(R)=3, it was a response.
      {"FRMR F=1 from the network, W", N,
       Frame{.type = FT::kFRMR,
             .command = false,
             .poll_final = true,
             .frmr = {.rejected_control = {0x0D, 0x0A}, .v_s = 5, .v_r = 3, .rejected_was_response = true, .w = true}},
       {0x00, 0x01, 0x97, 0x0D, 0x0A, 0x0A, 0x07, 0x01}},
      // FRMR of a SABME (a U frame: its octet, then 0): X and W, V(S)=127, V(R)=0, a command.
      {"FRMR F=0 from the user, W X", U,
       Frame{.type = FT::kFRMR,
             .command = false,
             .frmr = {.rejected_control = {0x7F, 0x00}, .v_s = 127, .v_r = 0, .w = true, .x = true}},
       {0x02, 0x01, 0x87, 0x7F, 0x00, 0xFE, 0x00, 0x03}},
      // FRMR of an I frame N(S)=2 N(R)=9: Y and Z, V(S)=64, V(R)=1.
      {"FRMR F=0 from the network, Y Z", N,
       Frame{.type = FT::kFRMR,
             .command = false,
             .frmr = {.rejected_control = {0x04, 0x12}, .v_s = 64, .v_r = 1, .y = true, .z = true}},
       {0x00, 0x01, 0x87, 0x04, 0x12, 0x80, 0x02, 0x0C}},
      {"I N(S)=0 N(R)=0 P=0 from the user", U, Frame{.type = FT::kI, .command = true, .info = kSetupStart},
       {0x00, 0x01, 0x00, 0x00, 0x08, 0x02, 0x00, 0x01, 0x05}},
      {"I N(S)=127 N(R)=64 P=1 from the network", N,
       Frame{.type = FT::kI, .command = true, .poll_final = true, .n_s = 127, .n_r = 64, .info = kTwoOctets},
       {0x02, 0x01, 0xFE, 0x81, 0x08, 0x01}},
      {"I N(S)=5 N(R)=3, no information", N, Frame{.type = FT::kI, .command = true, .n_s = 5, .n_r = 3},
       {0x02, 0x01, 0x0A, 0x06}},
      {"RR command P=1 N(R)=5 from the user", U, Frame{.type = FT::kRR, .command = true, .poll_final = true, .n_r = 5},
       {0x00, 0x01, 0x01, 0x0B}},
      {"RR response F=0 N(R)=127 from the network", N, Frame{.type = FT::kRR, .command = false, .n_r = 127},
       {0x00, 0x01, 0x01, 0xFE}},
      {"RNR response F=1 N(R)=3 from the user", U,
       Frame{.type = FT::kRNR, .command = false, .poll_final = true, .n_r = 3}, {0x02, 0x01, 0x05, 0x07}},
      {"RNR command P=0 N(R)=0 from the network", N, Frame{.type = FT::kRNR, .command = true},
       {0x02, 0x01, 0x05, 0x00}},
      {"REJ response F=0 N(R)=10 from the network", N, Frame{.type = FT::kREJ, .command = false, .n_r = 10},
       {0x00, 0x01, 0x09, 0x14}},
      {"REJ command P=1 N(R)=1 from the user", U, Frame{.type = FT::kREJ, .command = true, .poll_final = true, .n_r = 1},
       {0x00, 0x01, 0x09, 0x03}},
      // The address bits at their extremes: SAPI 63, TEI 127; and SAPI 16, TEI 64.
      {"UI SAPI 63 TEI 127 from the network", N, Frame{.type = FT::kUI, .sapi = 63, .tei = 127, .command = true},
       {0xFE, 0xFF, 0x03}},
      {"SABME SAPI 16 TEI 64 from the user", U,
       Frame{.type = FT::kSABME, .sapi = 16, .tei = 64, .command = true, .poll_final = true}, {0x40, 0x81, 0x7F}},
  };
}

TEST(Q921Frame, EveryFrameTypeEncodesToTheBytesOfItsBitLayout) {
  for (const auto& row : table()) {
    EXPECT_EQ(to_hex(encode_frame(row.frame, row.sender)), to_hex(row.bytes)) << row.what;
  }
}

TEST(Q921Frame, EveryFrameTypeDecodesFromTheBytesOfItsBitLayout) {
  for (const auto& row : table()) {
    auto r = decode_frame(row.bytes, row.sender);
    ASSERT_TRUE(r) << row.what << ": " << decode_error_text(r.error);
    EXPECT_TRUE(r.frame == row.frame) << row.what << ": type " << frame_type_name(r.frame.type) << " n_s "
                                      << int(r.frame.n_s) << " n_r " << int(r.frame.n_r) << " pf "
                                      << r.frame.poll_final << " command " << r.frame.command;
  }
}

TEST(Q921Frame, TheTableCoversEveryFrameType) {
  std::vector<bool> seen(kFrameTypeCount);
  for (const auto& row : table()) seen[static_cast<std::size_t>(row.frame.type)] = true;
  for (std::size_t t = 0; t < kFrameTypeCount; ++t) {
    EXPECT_TRUE(seen[t]) << frame_type_name(static_cast<FrameType>(t));
  }
}

TEST(Q921Frame, TheCrBitOfOneFrameMeansCommandFromOneSideAndResponseFromTheOther) {
  // 00 01 01 0B: RR P/F=1 N(R)=5 with C/R=0: a command from the user side,
  // a response from the network side.
  const Bytes rr{0x00, 0x01, 0x01, 0x0B};
  auto from_user = decode_frame(rr, Side::kUser);
  auto from_network = decode_frame(rr, Side::kNetwork);
  ASSERT_TRUE(from_user);
  ASSERT_TRUE(from_network);
  EXPECT_TRUE(from_user.frame.command);
  EXPECT_FALSE(from_network.frame.command);
}

TEST(Q921Frame, DecodedInformationIsAViewIntoTheInput) {
  const Bytes i{0x02, 0x01, 0x00, 0x00, 0xAA, 0xBB};
  auto r = decode_frame(i, Side::kNetwork);
  ASSERT_TRUE(r);
  ASSERT_EQ(r.frame.info.size(), 2u);
  EXPECT_EQ(r.frame.info.data(), i.data() + 4);
}

TEST(Q921Frame, EncodingTakesFieldsModuloTheirWidth) {
  Frame f{.type = FrameType::kI, .sapi = 64 + 5, .tei = 128 + 3, .command = true, .n_s = 128 + 1, .n_r = 200};
  // SAPI 5, TEI 3, N(S) 1, N(R) 72.
  EXPECT_EQ(to_hex(encode_frame(f, Side::kUser)), "14 07 02 90");
}

TEST(Q921Frame, EncodingReusesTheCallersBuffer) {
  std::vector<std::uint8_t> out{9, 9, 9, 9, 9, 9, 9, 9};
  encode_frame(Frame{.type = FrameType::kUA, .command = false, .poll_final = true}, Side::kUser, out);
  EXPECT_EQ(to_hex(out), "02 01 73");
}

struct Bad {
  const char* what;
  Side sender;
  Bytes bytes;
  DecodeError error;
};

TEST(Q921Frame, MalformedFramesGiveTheirPreciseError) {
  const Side U = Side::kUser;
  const Side N = Side::kNetwork;
  const std::vector<Bad> bad{
      {"nothing", U, {}, DecodeError::kTooShort},
      {"one octet", U, {0x00}, DecodeError::kTooShort},
      {"an address and no control field", U, {0x00, 0x01}, DecodeError::kTooShort},
      {"a one-octet address (EA=1 in octet 1)", U, {0x01, 0x01, 0x7F}, DecodeError::kBadAddressEa},
      {"an address that does not end (EA=0 in octet 2)", U, {0x00, 0x00, 0x7F}, DecodeError::kBadAddressEa},
      {"an I frame of 3 octets", U, {0x00, 0x01, 0x00}, DecodeError::kTruncatedControl},
      {"an S frame of 3 octets", U, {0x00, 0x01, 0x01}, DecodeError::kTruncatedControl},
      {"an S frame with SS=11", U, {0x00, 0x01, 0x0D, 0x00}, DecodeError::kUndefinedControl},
      {"an S frame with a spare bit set", U, {0x00, 0x01, 0x11, 0x00}, DecodeError::kUndefinedControl},
      {"a U frame 001P0011", U, {0x00, 0x01, 0x23}, DecodeError::kUndefinedControl},
      {"a U frame 100P1111", U, {0x00, 0x01, 0x8F}, DecodeError::kUndefinedControl},
      {"a U frame 111P1111", U, {0x00, 0x01, 0xFF}, DecodeError::kUndefinedControl},
      {"an I frame as a response", N, {0x00, 0x01, 0x00, 0x00}, DecodeError::kWrongCommandResponse},
      {"a SABME as a response", U, {0x02, 0x01, 0x7F}, DecodeError::kWrongCommandResponse},
      {"a DISC as a response", N, {0x00, 0x01, 0x53}, DecodeError::kWrongCommandResponse},
      {"a UI as a response", N, {0x00, 0x01, 0x03}, DecodeError::kWrongCommandResponse},
      {"a UA as a command", N, {0x02, 0x01, 0x73}, DecodeError::kWrongCommandResponse},
      {"a DM as a command", U, {0x00, 0x01, 0x1F}, DecodeError::kWrongCommandResponse},
      {"an FRMR as a command", U, {0x00, 0x01, 0x97, 0, 0, 0, 0, 0}, DecodeError::kWrongCommandResponse},
      {"an RR of 5 octets", U, {0x00, 0x01, 0x01, 0x00, 0x00}, DecodeError::kWrongLength},
      {"a REJ of 6 octets", U, {0x00, 0x01, 0x09, 0x00, 0x00, 0x00}, DecodeError::kWrongLength},
      {"an FRMR without information", N, {0x00, 0x01, 0x97}, DecodeError::kWrongLength},
      {"an FRMR with 4 octets of information", N, {0x00, 0x01, 0x97, 0, 0, 0, 0}, DecodeError::kWrongLength},
      {"an FRMR with 6 octets of information", N, {0x00, 0x01, 0x97, 0, 0, 0, 0, 0, 0}, DecodeError::kWrongLength},
      {"a SABME with information", U, {0x00, 0x01, 0x7F, 0x00}, DecodeError::kInfoNotPermitted},
      {"a DISC with information", U, {0x00, 0x01, 0x53, 0x08, 0x01}, DecodeError::kInfoNotPermitted},
      {"a UA with information", U, {0x02, 0x01, 0x73, 0x00}, DecodeError::kInfoNotPermitted},
      {"a DM with information", N, {0x00, 0x01, 0x1F, 0x00}, DecodeError::kInfoNotPermitted},
  };
  for (const auto& b : bad) {
    auto r = decode_frame(b.bytes, b.sender);
    EXPECT_EQ(r.error, b.error) << b.what << ": got " << decode_error_text(r.error);
    EXPECT_FALSE(r) << b.what;
  }
}

TEST(Q921Frame, AFrameRejectionConditionStillTellsWhoAndWhatItWas) {
  // A SABME P=1 with an information field, SAPI 0 TEI 0, from the user.
  const Bytes bytes{0x00, 0x01, 0x7F, 0x01, 0x02};
  auto r = decode_frame(bytes, Side::kUser);
  EXPECT_EQ(r.error, DecodeError::kInfoNotPermitted);
  EXPECT_FALSE(is_invalid_frame(r.error));
  EXPECT_EQ(r.frame.type, FrameType::kSABME);
  EXPECT_TRUE(r.frame.poll_final);
  EXPECT_TRUE(r.frame.command);
  EXPECT_EQ(r.frame.sapi, 0);
  EXPECT_EQ(r.frame.tei, 0);
}

TEST(Q921Frame, OnlyTooShortBadEaAndTruncatedFramesAreInvalid) {
  EXPECT_TRUE(is_invalid_frame(DecodeError::kTooShort));
  EXPECT_TRUE(is_invalid_frame(DecodeError::kBadAddressEa));
  EXPECT_TRUE(is_invalid_frame(DecodeError::kTruncatedControl));
  EXPECT_FALSE(is_invalid_frame(DecodeError::kUndefinedControl));
  EXPECT_FALSE(is_invalid_frame(DecodeError::kWrongCommandResponse));
  EXPECT_FALSE(is_invalid_frame(DecodeError::kWrongLength));
  EXPECT_FALSE(is_invalid_frame(DecodeError::kInfoNotPermitted));
}

// Every control field (both octets, with and without one more octet) from
// both sides and with either C/R bit: it decodes or is refused, and what
// decodes encodes back to the same bytes (FRMR, whose spare bits are not
// kept, is covered by the table).
TEST(Q921Frame, EveryControlFieldDecodesOrIsRefusedAndWhatDecodesEncodesBack) {
  int decoded = 0;
  for (Side sender : {Side::kUser, Side::kNetwork}) {
    for (std::uint8_t a0 : {std::uint8_t{0x00}, std::uint8_t{0x02}}) {
      for (int c0 = 0; c0 < 256; ++c0) {
        for (int c1 = 0; c1 < 256; ++c1) {
          for (std::size_t len : {3u, 4u, 5u}) {
            Bytes b{a0, 0x01, static_cast<std::uint8_t>(c0), static_cast<std::uint8_t>(c1), 0x5A};
            b.resize(len);
            auto r = decode_frame(b, sender);
            if (!r) continue;
            ++decoded;
            ASSERT_EQ(to_hex(encode_frame(r.frame, sender)), to_hex(b)) << "sender " << side_name(sender);
          }
        }
      }
    }
  }
  EXPECT_GT(decoded, 0);
}

}  // namespace
}  // namespace sipnic::pri
