#include "pri/q931_ie.h"

#include <algorithm>

namespace sipnic::pri::q931 {

namespace {

constexpr std::uint8_t kExt = 0x80;

constexpr CodingStandard coding_of(std::uint8_t octet) { return static_cast<CodingStandard>((octet >> 5) & 0x3); }
constexpr std::uint8_t coding_bits(CodingStandard c) {
  return static_cast<std::uint8_t>(static_cast<unsigned>(c) << 5);
}

template <class T>
IeDecoded<T> fail(std::string_view why) {
  return IeDecoded<T>{T{}, why};
}

bool all_ia5(std::span<const std::uint8_t> octets) {
  return std::none_of(octets.begin(), octets.end(), [](std::uint8_t o) { return (o & 0x80) != 0; });
}

}  // namespace

bool is_defined_location(std::uint8_t value) {
  switch (value) {
    case 0x0: case 0x1: case 0x2: case 0x3: case 0x4: case 0x5: case 0x7: case 0xA:
      return true;
    default:
      return false;
  }
}

// ---------------------------------------------------------------- cause

CauseIe make_cause(Cause cause, Location location, std::vector<std::uint8_t> diagnostics) {
  CauseIe c;
  c.location = location;
  c.value = static_cast<std::uint8_t>(cause);
  c.diagnostics = std::move(diagnostics);
  return c;
}

InformationElement to_ie(const CauseIe& c) {
  InformationElement e{0, ie::kCause, {}};
  const std::uint8_t octet3 = coding_bits(c.coding) | (static_cast<std::uint8_t>(c.location) & 0x0F);
  if (c.recommendation) {
    e.contents.push_back(octet3);
    e.contents.push_back(kExt | (*c.recommendation & 0x7F));
  } else {
    e.contents.push_back(kExt | octet3);
  }
  e.contents.push_back(kExt | (c.value & 0x7F));
  const std::size_t room = 30 - e.contents.size();
  e.contents.insert(e.contents.end(), c.diagnostics.begin(),
                    c.diagnostics.begin() + static_cast<std::ptrdiff_t>(std::min(room, c.diagnostics.size())));
  return e;
}

IeDecoded<CauseIe> decode_cause(std::span<const std::uint8_t> contents) {
  CauseIe c;
  if (contents.size() < 2) return fail<CauseIe>("cause shorter than octets 3 and 4");
  if (contents.size() > 30) return fail<CauseIe>("cause longer than 32 octets");
  std::size_t i = 0;
  const std::uint8_t o3 = contents[i++];
  c.coding = coding_of(o3);
  c.location = static_cast<Location>(o3 & 0x0F);
  if (c.coding == CodingStandard::kItuT && !is_defined_location(o3 & 0x0F))
    return fail<CauseIe>("cause location is reserved");
  if (!(o3 & kExt)) {
    const std::uint8_t o3a = contents[i++];
    if (!(o3a & kExt)) return fail<CauseIe>("cause octet 3a does not end its group");
    c.recommendation = o3a & 0x7F;
    if (i >= contents.size()) return fail<CauseIe>("cause has no cause value octet");
  }
  const std::uint8_t o4 = contents[i++];
  if (!(o4 & kExt)) return fail<CauseIe>("cause value octet does not end its group");
  c.value = o4 & 0x7F;
  c.diagnostics.assign(contents.begin() + static_cast<std::ptrdiff_t>(i), contents.end());
  return {std::move(c), {}};
}

// ---------------------------------------------------------------- call state

namespace {
bool is_call_state_value(std::uint8_t v) {
  switch (static_cast<CallStateValue>(v)) {
    case CallStateValue::kNull: case CallStateValue::kCallInitiated: case CallStateValue::kOverlapSending:
    case CallStateValue::kOutgoingCallProceeding: case CallStateValue::kCallDelivered:
    case CallStateValue::kCallPresent: case CallStateValue::kCallReceived: case CallStateValue::kConnectRequest:
    case CallStateValue::kIncomingCallProceeding: case CallStateValue::kActive:
    case CallStateValue::kDisconnectRequest: case CallStateValue::kDisconnectIndication:
    case CallStateValue::kSuspendRequest: case CallStateValue::kResumeRequest:
    case CallStateValue::kReleaseRequest: case CallStateValue::kCallAbort:
    case CallStateValue::kOverlapReceiving: case CallStateValue::kRestartRequest: case CallStateValue::kRestart:
      return true;
  }
  return false;
}
}  // namespace

InformationElement to_ie(const CallStateIe& s) {
  return {0, ie::kCallState,
          {static_cast<std::uint8_t>(static_cast<unsigned>(s.coding) << 6 | (s.value & 0x3F))}};
}

IeDecoded<CallStateIe> decode_call_state(std::span<const std::uint8_t> contents) {
  if (contents.size() != 1) return fail<CallStateIe>("call state is not one octet");
  CallStateIe s{static_cast<CodingStandard>(contents[0] >> 6), static_cast<std::uint8_t>(contents[0] & 0x3F)};
  if (s.coding == CodingStandard::kItuT && !is_call_state_value(s.value))
    return fail<CallStateIe>("call state value is reserved");
  return {s, {}};
}

// ---------------------------------------------------------------- progress indicator

InformationElement to_ie(const ProgressIndicatorIe& p) {
  return {0, ie::kProgressIndicator,
          {static_cast<std::uint8_t>(kExt | coding_bits(p.coding) | (static_cast<std::uint8_t>(p.location) & 0x0F)),
           static_cast<std::uint8_t>(kExt | (p.description & 0x7F))}};
}

IeDecoded<ProgressIndicatorIe> decode_progress_indicator(std::span<const std::uint8_t> contents) {
  if (contents.size() != 2) return fail<ProgressIndicatorIe>("progress indicator is not two octets");
  if (!(contents[0] & kExt)) return fail<ProgressIndicatorIe>("progress indicator octet 3 does not end its group");
  if (!(contents[1] & kExt)) return fail<ProgressIndicatorIe>("progress description does not end its group");
  ProgressIndicatorIe p{coding_of(contents[0]), static_cast<Location>(contents[0] & 0x0F),
                        static_cast<std::uint8_t>(contents[1] & 0x7F)};
  if (p.coding == CodingStandard::kItuT) {
    if (!is_defined_location(contents[0] & 0x0F)) return fail<ProgressIndicatorIe>("progress location is reserved");
    switch (static_cast<ProgressDescription>(p.description)) {
      case ProgressDescription::kNotEndToEndIsdn: case ProgressDescription::kDestinationNotIsdn:
      case ProgressDescription::kOriginationNotIsdn: case ProgressDescription::kReturnedToIsdn:
      case ProgressDescription::kInterworkingServiceChange: case ProgressDescription::kInbandInformationAvailable:
        break;
      default:
        return fail<ProgressIndicatorIe>("progress description is reserved");
    }
  }
  return {p, {}};
}

// ---------------------------------------------------------------- notification indicator

InformationElement to_ie(const NotificationIndicatorIe& n) {
  InformationElement e{0, ie::kNotificationIndicator, {}};
  e.contents.reserve(1 + n.extension.size());
  e.contents.push_back(static_cast<std::uint8_t>(kExt | (n.description & 0x7F)));
  e.contents.insert(e.contents.end(), n.extension.begin(), n.extension.end());
  return e;
}

IeDecoded<NotificationIndicatorIe> decode_notification_indicator(std::span<const std::uint8_t> contents,
                                                                 bool extended) {
  if (contents.empty()) return fail<NotificationIndicatorIe>("notification indicator is empty");
  if (!(contents[0] & kExt)) return fail<NotificationIndicatorIe>("notification description does not end its group");
  NotificationIndicatorIe n;
  n.description = contents[0] & 0x7F;
  if (!extended) {
    if (contents.size() != 1) return fail<NotificationIndicatorIe>("notification indicator is not one octet");
    if (n.description > kNotifyBearerServiceChange)
      return fail<NotificationIndicatorIe>("notification description is reserved");
  }
  n.extension.assign(contents.begin() + 1, contents.end());
  return {std::move(n), {}};
}

// ---------------------------------------------------------------- display

InformationElement to_ie(const DisplayIe& d, std::uint8_t codeset) {
  InformationElement e{codeset, ie::kDisplay, {}};
  e.contents.reserve(kMaxDisplayOctets);
  if (d.display_type) e.contents.push_back(*d.display_type | kExt);
  const std::size_t room = kMaxDisplayOctets - e.contents.size();
  const std::size_t n = std::min(room, d.text.size());
  e.contents.insert(e.contents.end(), d.text.begin(), d.text.begin() + static_cast<std::ptrdiff_t>(n));
  return e;
}

IeDecoded<DisplayIe> decode_display(std::span<const std::uint8_t> contents) {
  if (contents.size() > kMaxDisplayOctets) return fail<DisplayIe>("display longer than 80 octets");
  DisplayIe d;
  std::size_t i = 0;
  if (!contents.empty() && (contents[0] & kExt)) d.display_type = contents[i++];
  d.text.assign(contents.begin() + static_cast<std::ptrdiff_t>(i), contents.end());
  return {std::move(d), {}};
}

// ---------------------------------------------------------------- keypad facility

InformationElement to_ie(const KeypadFacilityIe& k) {
  const std::size_t n = std::min<std::size_t>(32, k.text.size());
  return {0, ie::kKeypadFacility,
          std::vector<std::uint8_t>(k.text.begin(), k.text.begin() + static_cast<std::ptrdiff_t>(n))};
}

IeDecoded<KeypadFacilityIe> decode_keypad_facility(std::span<const std::uint8_t> contents) {
  if (contents.empty()) return fail<KeypadFacilityIe>("keypad facility is empty");
  if (contents.size() > 32) return fail<KeypadFacilityIe>("keypad facility longer than 34 octets");
  if (!all_ia5(contents)) return fail<KeypadFacilityIe>("keypad facility is not IA5");
  return {KeypadFacilityIe{std::string(contents.begin(), contents.end())}, {}};
}

// ---------------------------------------------------------------- signal

InformationElement to_ie(const SignalIe& s) { return {0, ie::kSignal, {s.value}}; }

IeDecoded<SignalIe> decode_signal(std::span<const std::uint8_t> contents) {
  if (contents.size() != 1) return fail<SignalIe>("signal is not one octet");
  const std::uint8_t v = contents[0];
  const bool defined = v <= static_cast<std::uint8_t>(SignalValue::kPreemptionToneOn) ||
                       v == static_cast<std::uint8_t>(SignalValue::kTonesOff) || (v >= 0x40 && v <= 0x47) ||
                       v == static_cast<std::uint8_t>(SignalValue::kAlertingOff);
  if (!defined) return fail<SignalIe>("signal value is reserved");
  return {SignalIe{v}, {}};
}

// ---------------------------------------------------------------- date/time

InformationElement to_ie(const DateTimeIe& d) {
  InformationElement e{0, ie::kDateTime, {d.year, d.month, d.day}};
  if (d.hour) {
    e.contents.push_back(*d.hour);
    if (d.minute) {
      e.contents.push_back(*d.minute);
      if (d.second) e.contents.push_back(*d.second);
    }
  }
  return e;
}

IeDecoded<DateTimeIe> decode_date_time(std::span<const std::uint8_t> contents) {
  if (contents.size() < 3) return fail<DateTimeIe>("date/time shorter than year, month and day");
  if (contents.size() > 6) return fail<DateTimeIe>("date/time longer than 8 octets");
  DateTimeIe d{contents[0], contents[1], contents[2], {}, {}, {}};
  if (d.year > 99) return fail<DateTimeIe>("date/time year is not 0-99");
  if (d.month < 1 || d.month > 12) return fail<DateTimeIe>("date/time month is not 1-12");
  if (d.day < 1 || d.day > 31) return fail<DateTimeIe>("date/time day is not 1-31");
  if (contents.size() > 3) {
    if (contents[3] > 23) return fail<DateTimeIe>("date/time hour is not 0-23");
    d.hour = contents[3];
  }
  if (contents.size() > 4) {
    if (contents[4] > 59) return fail<DateTimeIe>("date/time minute is not 0-59");
    d.minute = contents[4];
  }
  if (contents.size() > 5) {
    if (contents[5] > 59) return fail<DateTimeIe>("date/time second is not 0-59");
    d.second = contents[5];
  }
  return {d, {}};
}

// ---------------------------------------------------------------- restart indicator

InformationElement to_ie(const RestartIndicatorIe& r) {
  return {0, ie::kRestartIndicator, {static_cast<std::uint8_t>(kExt | static_cast<std::uint8_t>(r.restart_class))}};
}

IeDecoded<RestartIndicatorIe> decode_restart_indicator(std::span<const std::uint8_t> contents) {
  if (contents.size() != 1) return fail<RestartIndicatorIe>("restart indicator is not one octet");
  if (!(contents[0] & kExt)) return fail<RestartIndicatorIe>("restart indicator does not end its group");
  const auto c = static_cast<RestartClass>(contents[0] & 0x07);
  if (c != RestartClass::kIndicatedChannels && c != RestartClass::kSingleInterface && c != RestartClass::kAllInterfaces)
    return fail<RestartIndicatorIe>("restart class is reserved");
  return {RestartIndicatorIe{c}, {}};
}

// ---------------------------------------------------------------- high layer compatibility

InformationElement to_ie(const HighLayerCompatibilityIe& h) {
  InformationElement e{0, ie::kHighLayerCompatibility,
                       {static_cast<std::uint8_t>(kExt | coding_bits(h.coding) | (h.interpretation & 0x7) << 2 |
                                                  (h.presentation & 0x3))}};
  if (h.extended_characteristics) {
    e.contents.push_back(h.characteristics & 0x7F);
    e.contents.push_back(kExt | (*h.extended_characteristics & 0x7F));
  } else {
    e.contents.push_back(kExt | (h.characteristics & 0x7F));
  }
  return e;
}

IeDecoded<HighLayerCompatibilityIe> decode_high_layer_compatibility(std::span<const std::uint8_t> contents) {
  using R = HighLayerCompatibilityIe;
  if (contents.size() < 2) return fail<R>("high layer compatibility shorter than octets 3 and 4");
  if (contents.size() > 3) return fail<R>("high layer compatibility longer than 5 octets");
  if (!(contents[0] & kExt)) return fail<R>("high layer compatibility octet 3 does not end its group");
  R h;
  h.coding = coding_of(contents[0]);
  h.interpretation = (contents[0] >> 2) & 0x7;
  h.presentation = contents[0] & 0x3;
  h.characteristics = contents[1] & 0x7F;
  if (contents[1] & kExt) {
    if (contents.size() != 2) return fail<R>("high layer compatibility octet 4a follows a final octet 4");
  } else {
    if (contents.size() != 3) return fail<R>("high layer compatibility octet 4a is missing");
    if (!(contents[2] & kExt)) return fail<R>("high layer compatibility octet 4a does not end its group");
    h.extended_characteristics = contents[2] & 0x7F;
  }
  if (h.coding == CodingStandard::kItuT) {
    if (h.interpretation != kHlcInterpretationFirst) return fail<R>("high layer interpretation is reserved");
    if (h.presentation != kHlcPresentationProtocolProfile) return fail<R>("high layer presentation method is reserved");
  }
  return {h, {}};
}

// ---------------------------------------------------------------- user-user

InformationElement to_ie(const UserUserIe& u) {
  InformationElement e{0, ie::kUserUser, {}};
  const std::size_t n = std::min(kMaxUserUserOctets, u.data.size());
  e.contents.reserve(1 + n);
  e.contents.push_back(u.protocol);
  e.contents.insert(e.contents.end(), u.data.begin(), u.data.begin() + static_cast<std::ptrdiff_t>(n));
  return e;
}

IeDecoded<UserUserIe> decode_user_user(std::span<const std::uint8_t> contents) {
  if (contents.empty()) return fail<UserUserIe>("user-user has no protocol discriminator");
  if (contents.size() > kMaxUserUserOctets + 1) return fail<UserUserIe>("user-user longer than 131 octets");
  return {UserUserIe{contents[0], std::vector<std::uint8_t>(contents.begin() + 1, contents.end())}, {}};
}

// ---------------------------------------------------------------- facility

InformationElement to_ie(const FacilityIe& f, std::uint8_t codeset) { return {codeset, ie::kFacility, f.contents}; }

IeDecoded<FacilityIe> decode_facility(std::span<const std::uint8_t> contents) {
  if (contents.empty()) return fail<FacilityIe>("facility is empty");
  if (!(contents[0] & kExt)) return fail<FacilityIe>("facility octet 3 does not end its group");
  return {FacilityIe{std::vector<std::uint8_t>(contents.begin(), contents.end())}, {}};
}

// ---------------------------------------------------------------- change status

InformationElement to_ie(const ChangeStatusIe& c) {
  return {0, ie::kChangeStatus,
          {static_cast<std::uint8_t>(kExt | (c.channel ? 0x40 : 0x00) | static_cast<std::uint8_t>(c.status))}};
}

IeDecoded<ChangeStatusIe> decode_change_status(std::span<const std::uint8_t> contents) {
  if (contents.size() != 1) return fail<ChangeStatusIe>("change status is not one octet");
  if (!(contents[0] & kExt)) return fail<ChangeStatusIe>("change status does not end its group");
  const std::uint8_t status = contents[0] & 0x07;
  if (status > static_cast<std::uint8_t>(ServiceStatus::kShutdown))
    return fail<ChangeStatusIe>("change status value is reserved");
  return {ChangeStatusIe{(contents[0] & 0x40) != 0, static_cast<ServiceStatus>(status)}, {}};
}

// ---------------------------------------------------------------- single-octet IEs

InformationElement sending_complete_ie() { return {0, ie::kSendingComplete, {}}; }

}  // namespace sipnic::pri::q931
