#include "pri/q931_facility.h"

#include <algorithm>
#include <array>

namespace sipnic::pri::q931 {

namespace {

// Q.932 §8.2.3 octet 3: ext bit and protocol profile.
constexpr std::uint8_t kExt = 0x80;
constexpr std::uint8_t kProfileMask = 0x1F;
constexpr std::uint8_t kProfileRemoteOperations = 0x11;
constexpr std::uint8_t kProfileNetworkingExtensions = 0x1F;

// BER identifier octets (X.690 §8.1.2): class, constructed bit, number.
constexpr std::uint8_t kContext = 0x80;
constexpr std::uint8_t kConstructed = 0x20;
constexpr std::uint8_t kHighTagNumber = 0x1F;
constexpr std::uint8_t kTagInteger = 0x02;
constexpr std::uint8_t kTagOctetString = 0x04;
constexpr std::uint8_t kTagObjectIdentifier = 0x06;
constexpr std::uint8_t kTagSequence = 0x30;

// ECMA-165 §7 (facility information element header).
constexpr std::uint8_t kTagNetworkFacilityExtension = kContext | kConstructed | 10;
constexpr std::uint8_t kTagInterpretationApdu = kContext | 11;
constexpr std::uint8_t kTagNetworkProtocolProfile = kContext | 18;
constexpr std::uint8_t kTagSourceEntity = kContext | 0;
constexpr std::uint8_t kTagDestinationEntity = kContext | 2;
constexpr std::uint8_t kEntityEndPinx = 0;
constexpr std::uint8_t kDiscardAnyUnrecognisedInvokePdu = 0;

// ROSE (X.229 / Q.932 §8.2.3.1.2) components.
constexpr std::uint8_t kTagInvoke = kContext | kConstructed | 1;
constexpr std::uint8_t kTagLinkedId = kContext | 0;
constexpr std::uint8_t kCallingNameOperation = 0;  // ECMA-164 localValue
// ECMA-164 (earlier editions) callingName as a global value: 1.3.12.9.0.
constexpr std::array<std::uint8_t, 4> kCallingNameOid{0x2B, 0x0C, 0x09, 0x00};

// ECMA-164 Name alternatives.
constexpr std::uint8_t kTagAllowedSimple = kContext | 0;
constexpr std::uint8_t kTagAllowedExtended = kContext | kConstructed | 1;
constexpr std::uint8_t kTagRestrictedSimple = kContext | 2;
constexpr std::uint8_t kTagRestrictedExtended = kContext | kConstructed | 3;
constexpr std::uint8_t kTagNotAvailable = kContext | 4;
constexpr std::uint8_t kTagRestrictedNull = kContext | 7;

// ---------------------------------------------------------------- encoding

void append_length(std::vector<std::uint8_t>& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
  } else if (length <= 0xFF) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(length));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length));
  }
}

void append_element(std::vector<std::uint8_t>& out, std::uint8_t tag, std::span<const std::uint8_t> value) {
  out.push_back(tag);
  append_length(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

// A non-negative INTEGER in its shortest two's complement form.
std::vector<std::uint8_t> integer_octets(std::uint32_t value) {
  std::vector<std::uint8_t> octets;
  octets.reserve(5);
  do {
    octets.push_back(static_cast<std::uint8_t>(value));
    value >>= 8;
  } while (value != 0);
  if (octets.back() & 0x80) octets.push_back(0);  // keep it positive
  std::reverse(octets.begin(), octets.end());
  return octets;
}

void append_integer(std::vector<std::uint8_t>& out, std::uint8_t tag, std::uint32_t value) {
  append_element(out, tag, integer_octets(value));
}

std::span<const std::uint8_t> octets_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::vector<std::uint8_t> name_element(const CallingName& n) {
  std::string text = n.name;
  if (text.size() > kMaxNameOctets) text.resize(kMaxNameOctets);
  std::vector<std::uint8_t> out;
  out.reserve(text.size() + 8);
  const bool restricted = n.presentation == NamePresentation::kRestricted ||
                          n.presentation == NamePresentation::kRestrictedNull;
  const bool has_text = !text.empty() && (n.presentation == NamePresentation::kAllowed ||
                                          n.presentation == NamePresentation::kRestricted);
  if (!has_text) {
    out.push_back(restricted ? kTagRestrictedNull : kTagNotAvailable);
    out.push_back(0);
    return out;
  }
  if (n.character_set == kNameCharacterSetIso8859_1) {
    append_element(out, restricted ? kTagRestrictedSimple : kTagAllowedSimple, octets_of(text));
    return out;
  }
  std::vector<std::uint8_t> set;
  set.reserve(text.size() + 6);
  append_element(set, kTagOctetString, octets_of(text));
  append_integer(set, kTagInteger, n.character_set);
  append_element(out, restricted ? kTagRestrictedExtended : kTagAllowedExtended, set);
  return out;
}

// ---------------------------------------------------------------- decoding

// One BER element: its identifier octet and its contents.
struct Element {
  std::uint8_t tag = 0;
  std::span<const std::uint8_t> value;
};

// Reads the element at the front of `rest` and moves `rest` past it; none
// (and `rest` unchanged) when it has a multi-octet tag, an indefinite
// length, more than four length octets or contents past the end of `rest`.
std::optional<Element> take_element(std::span<const std::uint8_t>& rest) {
  if (rest.size() < 2) return std::nullopt;
  const std::uint8_t tag = rest[0];
  if ((tag & kHighTagNumber) == kHighTagNumber) return std::nullopt;
  std::size_t i = 1;
  std::size_t length = rest[i++];
  if (length & 0x80) {
    const std::size_t count = length & 0x7F;
    if (count == 0 || count > 4 || rest.size() - i < count) return std::nullopt;  // 0: indefinite
    length = 0;
    for (std::size_t k = 0; k < count; ++k) length = length << 8 | rest[i++];
  }
  if (length > rest.size() - i) return std::nullopt;
  Element e{tag, rest.subspan(i, length)};
  rest = rest.subspan(i + length);
  return e;
}

// An INTEGER (or an implicitly tagged one) of one to four octets.
std::optional<std::int32_t> integer_value(std::span<const std::uint8_t> v) {
  if (v.empty() || v.size() > 4) return std::nullopt;
  std::uint32_t u = (v[0] & 0x80) ? 0xFFFFFFFFu : 0u;
  for (std::uint8_t o : v) u = u << 8 | o;
  return static_cast<std::int32_t>(u);
}

std::optional<std::string> name_data(const Element& e) {
  if (e.value.empty() || e.value.size() > kMaxNameOctets) return std::nullopt;
  return std::string(e.value.begin(), e.value.end());
}

// NameSet ::= SEQUENCE { nameData NameData, characterSet CharacterSet OPTIONAL }
bool read_name_set(std::span<const std::uint8_t> contents, CallingName& out) {
  auto data = take_element(contents);
  if (!data || data->tag != kTagOctetString) return false;
  auto text = name_data(*data);
  if (!text) return false;
  out.name = std::move(*text);
  out.character_set = kNameCharacterSetIso8859_1;
  if (!contents.empty()) {
    auto set = take_element(contents);
    if (!set || set->tag != kTagInteger) return false;
    auto value = integer_value(set->value);
    if (!value || *value < 0 || *value > 255) return false;
    out.character_set = static_cast<std::uint8_t>(*value);
  }
  return true;  // anything after the character set is an extension: ignored
}

std::optional<CallingName> read_name(const Element& e) {
  CallingName n;
  switch (e.tag) {
    case kTagAllowedSimple:
    case kTagRestrictedSimple: {
      auto text = name_data(e);
      if (!text) return std::nullopt;
      n.presentation = e.tag == kTagAllowedSimple ? NamePresentation::kAllowed : NamePresentation::kRestricted;
      n.name = std::move(*text);
      return n;
    }
    case kTagAllowedExtended:
    case kTagRestrictedExtended:
      if (!read_name_set(e.value, n)) return std::nullopt;
      n.presentation = e.tag == kTagAllowedExtended ? NamePresentation::kAllowed : NamePresentation::kRestricted;
      return n;
    case kTagNotAvailable:
    case kTagRestrictedNull:
      if (!e.value.empty()) return std::nullopt;  // a NULL has no contents
      n.presentation = e.tag == kTagNotAvailable ? NamePresentation::kNotAvailable : NamePresentation::kRestrictedNull;
      return n;
    default: return std::nullopt;
  }
}

bool is_calling_name_operation(const Element& e) {
  if (e.tag == kTagInteger) {
    const auto value = integer_value(e.value);
    return value && *value == kCallingNameOperation;
  }
  if (e.tag == kTagObjectIdentifier) return std::ranges::equal(e.value, kCallingNameOid);
  return false;
}

// The name of an Invoke component's contents, if it is a callingName with
// a valid argument.
std::optional<CallingName> read_invoke(std::span<const std::uint8_t> contents) {
  auto invoke_id = take_element(contents);
  if (!invoke_id || invoke_id->tag != kTagInteger || !integer_value(invoke_id->value)) return std::nullopt;
  auto operation = take_element(contents);
  if (operation && operation->tag == kTagLinkedId) {
    if (!integer_value(operation->value)) return std::nullopt;
    operation = take_element(contents);
  }
  if (!operation || !is_calling_name_operation(*operation)) return std::nullopt;
  auto argument = take_element(contents);
  if (!argument) return std::nullopt;
  if (argument->tag == kTagSequence) {  // SEQUENCE { name Name, extension ... OPTIONAL }
    std::span<const std::uint8_t> inner = argument->value;
    argument = take_element(inner);
    if (!argument) return std::nullopt;
  }
  return read_name(*argument);
}

bool is_header_element(std::uint8_t tag) {
  return tag == kTagNetworkFacilityExtension || tag == kTagInterpretationApdu || tag == kTagNetworkProtocolProfile;
}

}  // namespace

FacilityForm facility_form(SwitchVariant variant) {
  return variant == SwitchVariant::kQsig ? FacilityForm::kQsig : FacilityForm::kNi2;
}

std::vector<std::uint8_t> encode_calling_name_facility(const CallingName& name, FacilityForm form,
                                                       std::uint16_t invoke_id) {
  std::vector<std::uint8_t> invoke;
  invoke.reserve(kMaxNameOctets + 16);
  append_integer(invoke, kTagInteger, invoke_id & 0x7FFFu);
  append_integer(invoke, kTagInteger, kCallingNameOperation);
  const auto argument = name_element(name);
  invoke.insert(invoke.end(), argument.begin(), argument.end());

  std::vector<std::uint8_t> out;
  out.reserve(invoke.size() + 20);
  out.push_back(kExt | kProfileNetworkingExtensions);
  if (form == FacilityForm::kQsig) {
    std::vector<std::uint8_t> nfe;
    nfe.reserve(6);
    append_integer(nfe, kTagSourceEntity, kEntityEndPinx);
    append_integer(nfe, kTagDestinationEntity, kEntityEndPinx);
    append_element(out, kTagNetworkFacilityExtension, nfe);
  }
  append_integer(out, kTagInterpretationApdu, kDiscardAnyUnrecognisedInvokePdu);
  append_element(out, kTagInvoke, invoke);
  return out;
}

InformationElement to_calling_name_facility_ie(const CallingName& name, FacilityForm form, std::uint16_t invoke_id) {
  return to_ie(FacilityIe{encode_calling_name_facility(name, form, invoke_id)});
}

std::optional<CallingName> decode_calling_name_facility(std::span<const std::uint8_t> contents) {
  if (contents.empty()) return std::nullopt;
  const std::uint8_t profile = contents[0] & kProfileMask;
  if (profile != kProfileRemoteOperations && profile != kProfileNetworkingExtensions) return std::nullopt;
  std::size_t start = 1;
  if (!(contents[0] & kExt)) {  // DMS-100: a service indicator octet follows octet 3
    if (contents.size() < 2) return std::nullopt;
    start = 2;
  }
  std::span<const std::uint8_t> rest = contents.subspan(start);
  bool in_header = true;
  while (!rest.empty()) {
    auto e = take_element(rest);
    if (!e) return std::nullopt;  // the rest cannot be delimited
    if (in_header && is_header_element(e->tag)) continue;
    in_header = false;
    if (e->tag != kTagInvoke) continue;  // ReturnResult, ReturnError, Reject, or unknown
    if (auto name = read_invoke(e->value)) return name;
  }
  return std::nullopt;
}

}  // namespace sipnic::pri::q931
