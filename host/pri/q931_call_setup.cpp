#include "pri/q931_call_setup.h"

#include <algorithm>

#include "pri/q931_facility.h"

namespace sipnic::pri::q931 {

namespace {

NameCarrier name_carrier(const VariantTraits& v, Side side) {
  return side == Side::kUser ? v.name_from_user : v.name_from_network;
}

// DMS-100 and 4ESS refuse an allowed number that is not network provided.
PartyNumber outgoing_number(PartyNumber n, const VariantTraits& v) {
  if (v.allowed_numbers_network_provided && n.has_presentation && n.presentation == Presentation::kAllowed &&
      n.screening == Screening::kUserProvidedNotScreened)
    n.screening = Screening::kNetworkProvided;
  return n;
}

NumberDecodeOptions number_options(const VariantTraits& v) { return {v.number_octet3_extension_quirk}; }

// Whether the variant carries names in Facility in either direction.
bool reads_facility_names(const VariantTraits& v) {
  return v.name_from_network == NameCarrier::kFacility || v.name_from_user == NameCarrier::kFacility;
}

// The calling name as the Facility IE sends it: restricted with the calling
// number when that is restricted, else allowed; cut to the variant's length.
CallingName outgoing_facility_name(const CallSetup& s, const VariantTraits& v) {
  CallingName n;
  n.name = s.calling_name;
  if (v.max_name_length != 0 && n.name.size() > v.max_name_length) n.name.resize(v.max_name_length);
  if (s.calling && s.calling->has_presentation && s.calling->presentation == Presentation::kRestricted)
    n.presentation = NamePresentation::kRestricted;
  return n;
}

}  // namespace

void add_setup_ies(Message& m, const CallSetup& s, const VariantTraits& variant, Side side) {
  m.add(to_ie(s.bearer));
  if (s.progress) {
    m.add(to_ie(ProgressIndicatorIe{CodingStandard::kItuT,
                                    side == Side::kUser ? Location::kUser : Location::kPrivateNetworkLocalUser,
                                    static_cast<std::uint8_t>(*s.progress)}));
  }
  if (!s.calling_name.empty() && name_carrier(variant, side) == NameCarrier::kDisplay) {
    DisplayIe d;
    if (variant.display_type_octet) d.display_type = kDisplayTypeCallingName;
    d.text = s.calling_name;
    if (variant.max_name_length != 0 && d.text.size() > variant.max_name_length) d.text.resize(variant.max_name_length);
    m.add(to_ie(d));
  }
  if (!s.calling_name.empty() && name_carrier(variant, side) == NameCarrier::kFacility) {
    // The invoke ID only has to differ between the calls in progress: the call reference does.
    m.add(to_calling_name_facility_ie(outgoing_facility_name(s, variant), facility_form(variant.variant),
                                      m.call_reference.value));
  }
  if (s.calling) m.add(to_calling_party_number_ie(outgoing_number(*s.calling, variant)));
  m.add(to_called_party_number_ie(s.called));
  if (s.redirecting) {
    RedirectingNumber r = *s.redirecting;
    r.number = outgoing_number(r.number, variant);
    m.add(to_redirecting_number_ie(r));
  }
  if (s.high_layer_compatibility) m.add(to_ie(*s.high_layer_compatibility));
  if (s.user_user) m.add(to_ie(*s.user_user));
  if (s.sending_complete && variant.sending_complete_en_bloc) m.add(sending_complete_ie());
  for (const auto& e : s.passed_through) m.add(e);
}

CallSetup read_setup(const Message& m, const VariantTraits& variant) {
  CallSetup s;
  if (const auto* e = m.find(ie::kBearerCapability))
    if (auto b = decode_bearer_capability(e->contents)) s.bearer = *b;
  if (const auto* e = m.find(ie::kCalledPartyNumber))
    if (auto n = decode_called_party_number(e->contents)) s.called = *n;
  if (const auto* e = m.find(ie::kCallingPartyNumber))
    if (auto n = decode_calling_party_number(e->contents, number_options(variant))) s.calling = *n;
  if (const auto* e = m.find(ie::kRedirectingNumber))
    if (auto n = decode_redirecting_number(e->contents, number_options(variant))) s.redirecting = *n;
  if (auto name = read_calling_name_facility(m, variant)) {
    // The Facility name decides, also when it says restricted or not available.
    if (name->presentation == NamePresentation::kAllowed) s.calling_name = name->name;
  } else if (auto text = read_display(m, variant)) {
    s.calling_name = *text;
  }
  if (auto p = read_progress(m)) s.progress = static_cast<ProgressDescription>(*p);
  if (const auto* e = m.find(ie::kHighLayerCompatibility))
    if (auto h = decode_high_layer_compatibility(e->contents)) s.high_layer_compatibility = *h;
  if (const auto* e = m.find(ie::kUserUser))
    if (auto u = decode_user_user(e->contents)) s.user_user = *u;
  s.sending_complete = m.find(ie::kSendingComplete) != nullptr;
  s.passed_through = read_passed_through(m);
  return s;
}

std::optional<ChannelIdentification> read_channel(const Message& m, const VariantTraits& variant, LineType line) {
  const auto* e = m.find(ie::kChannelIdentification);
  if (!e) return std::nullopt;
  auto c = decode_channel_identification(e->contents, {line, variant.channel_interface_identifier});
  if (!c) return std::nullopt;
  return *c;
}

std::optional<std::uint8_t> read_progress(const Message& m) {
  const auto* e = m.find(ie::kProgressIndicator);
  if (!e) return std::nullopt;
  auto p = decode_progress_indicator(e->contents);
  if (!p) return std::nullopt;
  return p->description;
}

std::optional<CauseIe> read_cause(const Message& m) {
  const auto* e = m.find(ie::kCause);
  if (!e) return std::nullopt;
  auto c = decode_cause(e->contents);
  if (!c) return std::nullopt;
  return *c;
}

std::optional<std::string> read_display(const Message& m, const VariantTraits& variant) {
  if (!variant.name_from_received_display) return std::nullopt;
  const auto* e = m.find(ie::kDisplay);
  if (!e) e = m.find(ie::kDisplay, 6);
  if (!e) return std::nullopt;
  auto d = decode_display(e->contents);
  if (!d) return std::nullopt;
  return d->text;
}

std::optional<CallingName> read_calling_name_facility(const Message& m, const VariantTraits& variant) {
  if (!reads_facility_names(variant)) return std::nullopt;
  for (const auto& e : m.ies)
    if (e.codeset == 0 && e.id == ie::kFacility)
      if (auto name = decode_calling_name_facility(e.contents)) return name;
  return std::nullopt;
}

std::optional<PartyNumber> read_connected_number(const Message& m, const VariantTraits& variant) {
  const auto* e = m.find(ie::kConnectedNumber);
  if (!e) return std::nullopt;
  auto n = decode_connected_number(e->contents, number_options(variant));
  if (!n) return std::nullopt;
  return *n;
}

std::string read_digits(const Message& m) {
  std::string digits;
  if (const auto* e = m.find(ie::kCalledPartyNumber))
    if (auto n = decode_called_party_number(e->contents)) digits += n->digits;
  if (const auto* e = m.find(ie::kKeypadFacility))
    if (auto k = decode_keypad_facility(e->contents)) digits += k->text;
  return digits;
}

std::vector<InformationElement> read_passed_through(const Message& m) {
  std::vector<InformationElement> out;
  for (const auto& e : m.ies)
    if (e.codeset != 0 || e.id == ie::kFacility) out.push_back(e);
  return out;
}

}  // namespace sipnic::pri::q931
