#include "pri/q931_ie_numbers.h"

#include <algorithm>

namespace sipnic::pri::q931 {

namespace {

constexpr std::uint8_t kExt = 0x80;

bool is_defined_type(std::uint8_t v) { return v <= 4 || v == 6; }
bool is_defined_plan(std::uint8_t v) { return v == 0x0 || v == 0x1 || v == 0x3 || v == 0x4 || v == 0x8 || v == 0x9; }
bool is_defined_reason(std::uint8_t v) { return v <= 2 || v == 4 || v == 9 || v == 0xA || v == 0xF; }

std::uint8_t octet3(TypeOfNumber t, NumberingPlan p) {
  return static_cast<std::uint8_t>((static_cast<unsigned>(t) & 0x7) << 4 | (static_cast<unsigned>(p) & 0xF));
}
std::uint8_t octet3a(Presentation p, Screening s) {
  return static_cast<std::uint8_t>((static_cast<unsigned>(p) & 0x3) << 5 | (static_cast<unsigned>(s) & 0x3));
}

// Digits as IA5: characters with bit 8 set cannot be sent and are dropped.
void append_digits(std::vector<std::uint8_t>& out, const std::string& digits) {
  for (char c : digits)
    if (!(static_cast<unsigned char>(c) & 0x80)) out.push_back(static_cast<std::uint8_t>(c));
}

// What the three number layouts share: octet 3, then (for all but the
// called number) an optional octet 3a, then (redirecting only) an optional
// 3b, then IA5 digits.
struct Layout {
  bool has_3a;  // octet 3a may follow octet 3
  bool has_3b;  // octet 3b may follow octet 3a
};

struct Parsed {
  TypeOfNumber type{};
  NumberingPlan plan{};
  bool has_3a = false;
  Presentation presentation = Presentation::kAllowed;
  Screening screening = Screening::kUserProvidedNotScreened;
  std::optional<RedirectionReason> reason;
  std::string digits;
};

std::string_view parse(std::span<const std::uint8_t> c, Layout layout, NumberDecodeOptions options, Parsed& out) {
  if (c.empty()) return "number has no octet 3";
  std::size_t i = 0;
  const std::uint8_t o3 = c[i++];
  const std::uint8_t type = (o3 >> 4) & 0x7;
  const std::uint8_t plan = o3 & 0xF;
  if (!is_defined_type(type)) return "type of number is reserved";
  if (!is_defined_plan(plan)) return "numbering plan is reserved";
  out.type = static_cast<TypeOfNumber>(type);
  out.plan = static_cast<NumberingPlan>(plan);
  bool more = !(o3 & kExt);
  if (!layout.has_3a && more) return "called party number octet 3 does not end its group";
  // The North American quirk: octet 3 says "last" but an octet 3a follows
  // (digits never have bit 8 set, so an octet that has it is 3a).
  if (layout.has_3a && !more && options.octet3_extension_quirk && i < c.size() && (c[i] & kExt)) more = true;
  if (more) {
    if (i >= c.size()) return "number octet 3a is missing";
    const std::uint8_t o3a = c[i++];
    const std::uint8_t pres = (o3a >> 5) & 0x3;
    if (pres == 3) return "presentation indicator is reserved";
    out.has_3a = true;
    out.presentation = static_cast<Presentation>(pres);
    out.screening = static_cast<Screening>(o3a & 0x3);
    if (!(o3a & kExt)) {
      if (!layout.has_3b) return "number octet 3a does not end its group";
      if (i >= c.size()) return "redirecting number octet 3b is missing";
      const std::uint8_t o3b = c[i++];
      if (!(o3b & kExt)) return "redirecting number octet 3b does not end its group";
      if (!is_defined_reason(o3b & 0xF)) return "reason for redirection is reserved";
      out.reason = static_cast<RedirectionReason>(o3b & 0xF);
    }
  }
  const auto digits = c.subspan(i);
  if (std::any_of(digits.begin(), digits.end(), [](std::uint8_t o) { return (o & kExt) != 0; }))
    return "number digits are not IA5";
  out.digits.assign(digits.begin(), digits.end());
  return {};
}

PartyNumber to_party(Parsed&& p) {
  return PartyNumber{p.type, p.plan, p.has_3a, p.presentation, p.screening, std::move(p.digits)};
}

InformationElement party_ie(std::uint8_t id, const PartyNumber& n, std::optional<RedirectionReason> reason) {
  InformationElement e{0, id, {}};
  const std::uint8_t o3 = octet3(n.type, n.plan);
  if (!n.has_presentation && !reason) {
    e.contents.push_back(kExt | o3);
  } else {
    e.contents.push_back(o3);
    const std::uint8_t o3a = octet3a(n.presentation, n.screening);
    if (reason) {
      e.contents.push_back(o3a);
      e.contents.push_back(static_cast<std::uint8_t>(kExt | (static_cast<unsigned>(*reason) & 0xF)));
    } else {
      e.contents.push_back(kExt | o3a);
    }
  }
  append_digits(e.contents, n.digits);
  return e;
}

}  // namespace

InformationElement to_called_party_number_ie(const CalledPartyNumber& n) {
  InformationElement e{0, ie::kCalledPartyNumber, {static_cast<std::uint8_t>(kExt | octet3(n.type, n.plan))}};
  append_digits(e.contents, n.digits);
  return e;
}

InformationElement to_calling_party_number_ie(const PartyNumber& n) {
  return party_ie(ie::kCallingPartyNumber, n, std::nullopt);
}

InformationElement to_connected_number_ie(const PartyNumber& n) {
  return party_ie(ie::kConnectedNumber, n, std::nullopt);
}

InformationElement to_redirecting_number_ie(const RedirectingNumber& n) {
  return party_ie(ie::kRedirectingNumber, n.number, n.reason);
}

IeDecoded<CalledPartyNumber> decode_called_party_number(std::span<const std::uint8_t> contents) {
  Parsed p;
  if (auto err = parse(contents, {false, false}, {}, p); !err.empty()) return {{}, err};
  return {CalledPartyNumber{p.type, p.plan, std::move(p.digits)}, {}};
}

IeDecoded<PartyNumber> decode_calling_party_number(std::span<const std::uint8_t> contents,
                                                   NumberDecodeOptions options) {
  Parsed p;
  if (auto err = parse(contents, {true, false}, options, p); !err.empty()) return {{}, err};
  return {to_party(std::move(p)), {}};
}

IeDecoded<PartyNumber> decode_connected_number(std::span<const std::uint8_t> contents, NumberDecodeOptions options) {
  return decode_calling_party_number(contents, options);
}

IeDecoded<RedirectingNumber> decode_redirecting_number(std::span<const std::uint8_t> contents,
                                                       NumberDecodeOptions options) {
  Parsed p;
  if (auto err = parse(contents, {true, true}, options, p); !err.empty()) return {{}, err};
  auto reason = p.reason;
  return {RedirectingNumber{to_party(std::move(p)), reason}, {}};
}

}  // namespace sipnic::pri::q931
