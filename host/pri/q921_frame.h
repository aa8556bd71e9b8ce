// Q.921 (LAPD) frames: the address field, the control field in modulo 128
// (extended) operation, and the FRMR information field, decoded from and
// encoded to bytes. A frame here is what lies between the flags without the
// FCS: the `frames` span backend carries one per datagram and adds the two FCS
// octets itself; the `line` backend's HDLC deframer strips flags, zero bits
// and the FCS.
//
// Layouts (Q.921 §2 and §3; bit 1 is the least significant bit of an octet and
// of any field in it, and goes first on the line):
//   address   octet 1: SAPI (bits 8-3), C/R (bit 2), EA=0 (bit 1)
//             octet 2: TEI (bits 8-2), EA=1 (bit 1)
//   I         N(S) (bits 8-2), 0 (bit 1) | N(R) (bits 8-2), P (bit 1)
//   S         0000 SS 01                 | N(R) (bits 8-2), P/F (bit 1)
//             SS: RR 00, RNR 01, REJ 10
//   U         MMM P/F MM 11 (one octet): SABME 011P1111, DM 000F1111,
//             UI 000P0011, DISC 010P0011, UA 011F0011, FRMR 100F0111,
//             XID 101P1111
//   FRMR info the rejected frame's control field (2 octets; a U frame's one
//             octet then 0), V(S) 0, V(R) C/R, 0000 Z Y X W
// C/R: the network side sends commands with C/R=1 and responses with C/R=0,
// the user side the other way round (Table 1/Q.921), so decoding and
// encoding take the side that sent the frame.
//
// Decoding never reads outside its input and never allocates: a decoded
// frame's information field is a view into the input.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "pri/side.h"

namespace sipnic::pri {

inline constexpr std::uint8_t kSapiCallControl = 0;  // Q.931
inline constexpr std::uint8_t kTeiPointToPoint = 0;  // PRI: the one TEI, no TEI management
inline constexpr std::uint8_t kSequenceModulus = 128;

enum class FrameType : std::uint8_t { kI, kRR, kRNR, kREJ, kSABME, kDM, kUI, kDISC, kUA, kFRMR, kXID };
inline constexpr std::size_t kFrameTypeCount = 11;

// "SABME", "RR", ... as Q.921 names them.
std::string_view frame_type_name(FrameType t);

// The FRMR information field (Q.921 §3.6.11, Figure 6). Its spare bits are
// ignored when decoded and sent as 0.
struct FrmrInfo {
  std::array<std::uint8_t, 2> rejected_control{};
  std::uint8_t v_s = 0;
  std::uint8_t v_r = 0;
  bool rejected_was_response = false;  // the C/R bit: 1 = the rejected frame was a response
  bool w = false;                      // control field undefined or not implemented
  bool x = false;                      // information field not permitted, or wrong length (with W)
  bool y = false;                      // information field longer than N201
  bool z = false;                      // invalid N(R)
  bool operator==(const FrmrInfo&) const = default;
};

struct Frame {
  FrameType type = FrameType::kUI;
  std::uint8_t sapi = kSapiCallControl;  // 0..63
  std::uint8_t tei = kTeiPointToPoint;   // 0..127
  bool command = true;                   // else a response
  bool poll_final = false;               // P in a command, F in a response
  std::uint8_t n_s = 0;                  // I frames
  std::uint8_t n_r = 0;                  // I, RR, RNR, REJ
  std::span<const std::uint8_t> info{};  // I, UI, XID (may be empty); a view, not a copy
  FrmrInfo frmr{};                       // FRMR
};
// Field by field, the information field by content.
bool operator==(const Frame& a, const Frame& b);

// Why bytes are not a frame. The first three make a frame invalid in the
// sense of Q.921 §2.9 (discarded without a word to the peer); the others are
// frame rejection conditions of §5.8.5, reported with MDL-ERROR codes L
// (undefined control, wrong C/R), M (information not permitted) and N (wrong
// length).
enum class DecodeError : std::uint8_t {
  kNone,
  kTooShort,              // fewer than 3 octets: no address and control field
  kBadAddressEa,          // EA bits of the address not 0 then 1
  kTruncatedControl,      // an I or S frame of 3 octets: its control field's 2nd octet is missing
  kUndefinedControl,      // a control field Q.921 does not define (S frame SS=11 or spare bits set, unknown U)
  kWrongCommandResponse,  // an I, SABME, DISC or UI frame sent as a response, a UA, DM or FRMR as a command
  kWrongLength,           // an S frame longer than 4 octets, an FRMR whose information is not 5 octets
  kInfoNotPermitted,      // a SABME, DM, DISC or UA with an information field
};
inline constexpr std::size_t kDecodeErrorCount = 8;

std::string_view decode_error_text(DecodeError e);

// Whether a decode error makes the frame invalid (§2.9: discarded, nothing
// reported) rather than a frame rejection condition (§5.8.5).
constexpr bool is_invalid_frame(DecodeError e) {
  return e == DecodeError::kTooShort || e == DecodeError::kBadAddressEa || e == DecodeError::kTruncatedControl;
}

struct DecodeResult {
  DecodeError error = DecodeError::kNone;
  // The frame when error is kNone. With a frame rejection condition, what
  // could be read: the address (sapi, tei, command) and, where the control
  // field was understood, type and poll_final.
  Frame frame{};
  explicit operator bool() const { return error == DecodeError::kNone; }
};

// `sender` is the side that sent the bytes (the peer's, for a received frame).
DecodeResult decode_frame(std::span<const std::uint8_t> bytes, Side sender);

// Writes the frame's bytes into `out`, which is cleared first (its capacity
// is reused, so a sender that keeps one buffer does not allocate per frame).
// Fields are taken modulo their width (SAPI 6 bits, TEI, N(S), N(R) 7 bits).
void encode_frame(const Frame& frame, Side sender, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode_frame(const Frame& frame, Side sender);

}  // namespace sipnic::pri
