#include "pri/q921_frame.h"

#include <algorithm>

namespace sipnic::pri {

namespace {

// The U frames' control octets with P/F (bit 5) clear.
constexpr std::uint8_t kPollFinalBit = 0x10;
constexpr std::uint8_t kUSabme = 0x6F;
constexpr std::uint8_t kUDm = 0x0F;
constexpr std::uint8_t kUUi = 0x03;
constexpr std::uint8_t kUDisc = 0x43;
constexpr std::uint8_t kUUa = 0x63;
constexpr std::uint8_t kUFrmr = 0x87;
constexpr std::uint8_t kUXid = 0xAF;

constexpr std::size_t kFrmrInfoLength = 5;

// What a U frame type allows: whether it is a command, a response or either,
// and what information field it carries.
enum class Role { kCommand, kResponse, kEither };
enum class Info { kNone, kAny, kFrmr };
struct UnnumberedKind {
  std::uint8_t control;
  FrameType type;
  Role role;
  Info info;
};
constexpr std::array kUnnumbered{
    UnnumberedKind{kUSabme, FrameType::kSABME, Role::kCommand, Info::kNone},
    UnnumberedKind{kUDm, FrameType::kDM, Role::kResponse, Info::kNone},
    UnnumberedKind{kUUi, FrameType::kUI, Role::kCommand, Info::kAny},
    UnnumberedKind{kUDisc, FrameType::kDISC, Role::kCommand, Info::kNone},
    UnnumberedKind{kUUa, FrameType::kUA, Role::kResponse, Info::kNone},
    UnnumberedKind{kUFrmr, FrameType::kFRMR, Role::kResponse, Info::kFrmr},
    UnnumberedKind{kUXid, FrameType::kXID, Role::kEither, Info::kAny},
};

constexpr std::uint8_t supervisory_bits(FrameType t) {
  return t == FrameType::kRNR ? 0x04 : t == FrameType::kREJ ? 0x08 : 0x00;
}

// The C/R bit a frame carries: 1 for the network side's commands and the
// user side's responses (Table 1/Q.921).
constexpr bool cr_bit(bool command, Side sender) { return command == (sender == Side::kNetwork); }

DecodeResult fail(DecodeError e, const Frame& partial) { return DecodeResult{e, partial}; }

}  // namespace

std::string_view frame_type_name(FrameType t) {
  switch (t) {
    case FrameType::kI: return "I";
    case FrameType::kRR: return "RR";
    case FrameType::kRNR: return "RNR";
    case FrameType::kREJ: return "REJ";
    case FrameType::kSABME: return "SABME";
    case FrameType::kDM: return "DM";
    case FrameType::kUI: return "UI";
    case FrameType::kDISC: return "DISC";
    case FrameType::kUA: return "UA";
    case FrameType::kFRMR: return "FRMR";
    case FrameType::kXID: return "XID";
  }
  return "?";
}

std::string_view decode_error_text(DecodeError e) {
  switch (e) {
    case DecodeError::kNone: return "no error";
    case DecodeError::kTooShort: return "frame shorter than address and control field";
    case DecodeError::kBadAddressEa: return "address field EA bits are not 0, 1";
    case DecodeError::kTruncatedControl: return "I or S frame without the second control octet";
    case DecodeError::kUndefinedControl: return "undefined control field";
    case DecodeError::kWrongCommandResponse: return "C/R bit wrong for the frame type";
    case DecodeError::kWrongLength: return "S or FRMR frame of wrong length";
    case DecodeError::kInfoNotPermitted: return "information field in a frame that has none";
  }
  return "?";
}

bool operator==(const Frame& a, const Frame& b) {
  return a.type == b.type && a.sapi == b.sapi && a.tei == b.tei && a.command == b.command &&
         a.poll_final == b.poll_final && a.n_s == b.n_s && a.n_r == b.n_r && a.frmr == b.frmr &&
         std::ranges::equal(a.info, b.info);
}

DecodeResult decode_frame(std::span<const std::uint8_t> bytes, Side sender) {
  Frame f;
  if (bytes.size() < 3) return fail(DecodeError::kTooShort, f);
  const std::uint8_t a0 = bytes[0];
  const std::uint8_t a1 = bytes[1];
  if ((a0 & 0x01) != 0 || (a1 & 0x01) != 1) return fail(DecodeError::kBadAddressEa, f);
  f.sapi = static_cast<std::uint8_t>(a0 >> 2);
  f.tei = static_cast<std::uint8_t>(a1 >> 1);
  const bool cr = (a0 & 0x02) != 0;
  f.command = cr == (sender == Side::kNetwork);

  const std::uint8_t c0 = bytes[2];
  if ((c0 & 0x01) == 0) {  // I
    f.type = FrameType::kI;
    if (bytes.size() < 4) return fail(DecodeError::kTruncatedControl, f);
    f.n_s = static_cast<std::uint8_t>(c0 >> 1);
    f.n_r = static_cast<std::uint8_t>(bytes[3] >> 1);
    f.poll_final = (bytes[3] & 0x01) != 0;
    if (!f.command) return fail(DecodeError::kWrongCommandResponse, f);
    f.info = bytes.subspan(4);
    return DecodeResult{DecodeError::kNone, f};
  }
  if ((c0 & 0x03) == 0x01) {  // S
    if (bytes.size() < 4) return fail(DecodeError::kTruncatedControl, f);
    if ((c0 & 0xF0) != 0) return fail(DecodeError::kUndefinedControl, f);
    switch (c0 & 0x0C) {
      case 0x00: f.type = FrameType::kRR; break;
      case 0x04: f.type = FrameType::kRNR; break;
      case 0x08: f.type = FrameType::kREJ; break;
      default: return fail(DecodeError::kUndefinedControl, f);
    }
    f.n_r = static_cast<std::uint8_t>(bytes[3] >> 1);
    f.poll_final = (bytes[3] & 0x01) != 0;
    if (bytes.size() != 4) return fail(DecodeError::kWrongLength, f);
    return DecodeResult{DecodeError::kNone, f};
  }
  // U
  const auto base = static_cast<std::uint8_t>(c0 & ~kPollFinalBit);
  const auto* kind = std::ranges::find(kUnnumbered, base, &UnnumberedKind::control);
  if (kind == kUnnumbered.end()) return fail(DecodeError::kUndefinedControl, f);
  f.type = kind->type;
  f.poll_final = (c0 & kPollFinalBit) != 0;
  if ((kind->role == Role::kCommand && !f.command) || (kind->role == Role::kResponse && f.command)) {
    return fail(DecodeError::kWrongCommandResponse, f);
  }
  const auto info = bytes.subspan(3);
  switch (kind->info) {
    case Info::kNone:
      if (!info.empty()) return fail(DecodeError::kInfoNotPermitted, f);
      break;
    case Info::kAny:
      f.info = info;
      break;
    case Info::kFrmr:
      if (info.size() != kFrmrInfoLength) return fail(DecodeError::kWrongLength, f);
      f.frmr.rejected_control = {info[0], info[1]};
      f.frmr.v_s = static_cast<std::uint8_t>(info[2] >> 1);
      f.frmr.v_r = static_cast<std::uint8_t>(info[3] >> 1);
      f.frmr.rejected_was_response = (info[3] & 0x01) != 0;
      f.frmr.w = (info[4] & 0x01) != 0;
      f.frmr.x = (info[4] & 0x02) != 0;
      f.frmr.y = (info[4] & 0x04) != 0;
      f.frmr.z = (info[4] & 0x08) != 0;
      break;
  }
  return DecodeResult{DecodeError::kNone, f};
}

void encode_frame(const Frame& f, Side sender, std::vector<std::uint8_t>& out) {
  out.clear();
  out.push_back(static_cast<std::uint8_t>(((f.sapi & 0x3F) << 2) | (cr_bit(f.command, sender) ? 0x02 : 0x00)));
  out.push_back(static_cast<std::uint8_t>(((f.tei & 0x7F) << 1) | 0x01));
  const auto seq = [](std::uint8_t n) { return static_cast<std::uint8_t>((n & 0x7F) << 1); };
  const std::uint8_t pf = f.poll_final ? 1 : 0;
  switch (f.type) {
    case FrameType::kI:
      out.push_back(seq(f.n_s));
      out.push_back(static_cast<std::uint8_t>(seq(f.n_r) | pf));
      out.insert(out.end(), f.info.begin(), f.info.end());
      return;
    case FrameType::kRR:
    case FrameType::kRNR:
    case FrameType::kREJ:
      out.push_back(static_cast<std::uint8_t>(supervisory_bits(f.type) | 0x01));
      out.push_back(static_cast<std::uint8_t>(seq(f.n_r) | pf));
      return;
    default:
      break;
  }
  const auto* kind = std::ranges::find(kUnnumbered, f.type, &UnnumberedKind::type);
  out.push_back(static_cast<std::uint8_t>(kind->control | (f.poll_final ? kPollFinalBit : 0)));
  switch (kind->info) {
    case Info::kNone:
      break;
    case Info::kAny:
      out.insert(out.end(), f.info.begin(), f.info.end());
      break;
    case Info::kFrmr:
      out.push_back(f.frmr.rejected_control[0]);
      out.push_back(f.frmr.rejected_control[1]);
      out.push_back(seq(f.frmr.v_s));
      out.push_back(static_cast<std::uint8_t>(seq(f.frmr.v_r) | (f.frmr.rejected_was_response ? 1 : 0)));
      out.push_back(static_cast<std::uint8_t>((f.frmr.w ? 0x01 : 0) | (f.frmr.x ? 0x02 : 0) | (f.frmr.y ? 0x04 : 0) |
                                              (f.frmr.z ? 0x08 : 0)));
      break;
  }
}

std::vector<std::uint8_t> encode_frame(const Frame& frame, Side sender) {
  std::vector<std::uint8_t> out;
  encode_frame(frame, sender, out);
  return out;
}

}  // namespace sipnic::pri
