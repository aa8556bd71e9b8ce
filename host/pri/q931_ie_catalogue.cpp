#include "pri/q931_ie_catalogue.h"

#include <array>

#include "pri/q931_ie.h"
#include "pri/q931_ie_bearer.h"
#include "pri/q931_ie_channel.h"
#include "pri/q931_ie_numbers.h"

namespace sipnic::pri::q931 {

namespace {

using Octets = std::span<const std::uint8_t>;

NumberDecodeOptions number_options(const IeCheckContext& x) {
  return {.octet3_extension_quirk = x.variant->number_octet3_extension_quirk};
}

// The check of an IE whose decoder needs nothing but the octets.
template <auto Decode>
std::string_view check_plain(Octets c, const IeCheckContext&) {
  return Decode(c).error;
}

std::string_view check_channel(Octets c, const IeCheckContext& x) {
  return decode_channel_identification(
             c, {.line = x.line, .interface_identifier_allowed = x.variant->channel_interface_identifier})
      .error;
}
std::string_view check_notification(Octets c, const IeCheckContext& x) {
  return decode_notification_indicator(c, x.variant->extended_notifications).error;
}
std::string_view check_connected(Octets c, const IeCheckContext& x) {
  return decode_connected_number(c, number_options(x)).error;
}
std::string_view check_calling(Octets c, const IeCheckContext& x) {
  return decode_calling_party_number(c, number_options(x)).error;
}
std::string_view check_redirecting(Octets c, const IeCheckContext& x) {
  return decode_redirecting_number(c, number_options(x)).error;
}
std::string_view check_not_empty(Octets c, const IeCheckContext&) {
  return c.empty() ? std::string_view("information element is empty") : std::string_view();
}

// Codeset 0, ascending. Lengths: Q.931 §4 (Table 4-3 and the IE figures),
// less the identifier and length octets; an IE whose figure has no maximum
// is limited only by its length octet.
constexpr std::array kCodeset0{
    IeInfo{0, ie::kChangeStatus, "change status", 1, 1, false, check_plain<decode_change_status>},
    IeInfo{0, ie::kBearerCapability, "bearer capability", 12, 3, false, check_plain<decode_bearer_capability>},
    IeInfo{0, ie::kCause, "cause", 30, 2, false, check_plain<decode_cause>},
    IeInfo{0, ie::kCallIdentity, "call identity", 8, 1, false, nullptr},
    IeInfo{0, ie::kCallState, "call state", 1, 1, false, check_plain<decode_call_state>},
    IeInfo{0, ie::kChannelIdentification, "channel identification", kNoLengthLimit, 1, false, check_channel},
    IeInfo{0, ie::kFacility, "facility", kNoLengthLimit, 8, false, check_plain<decode_facility>},
    IeInfo{0, ie::kProgressIndicator, "progress indicator", 2, 2, false, check_plain<decode_progress_indicator>},
    IeInfo{0, ie::kNetworkSpecificFacilities, "network-specific facilities", kNoLengthLimit, 4, false, check_not_empty},
    IeInfo{0, ie::kNotificationIndicator, "notification indicator", kNoLengthLimit, 1, false, check_notification},
    IeInfo{0, ie::kDisplay, "display", kMaxDisplayOctets, 1, false, check_plain<decode_display>},
    IeInfo{0, ie::kDateTime, "date/time", 6, 1, false, check_plain<decode_date_time>},
    IeInfo{0, ie::kKeypadFacility, "keypad facility", 32, 1, false, check_plain<decode_keypad_facility>},
    IeInfo{0, ie::kSignal, "signal", 1, 1, false, check_plain<decode_signal>},
    IeInfo{0, ie::kConnectedNumber, "connected number", kNoLengthLimit, 1, false, check_connected},
    IeInfo{0, ie::kConnectedSubaddress, "connected subaddress", 21, 1, true, check_not_empty},
    IeInfo{0, ie::kCallingPartyNumber, "calling party number", kNoLengthLimit, 1, false, check_calling},
    IeInfo{0, ie::kCallingPartySubaddress, "calling party subaddress", 21, 1, true, check_not_empty},
    IeInfo{0, ie::kCalledPartyNumber, "called party number", kNoLengthLimit, 1, false,
           check_plain<decode_called_party_number>},
    IeInfo{0, ie::kCalledPartySubaddress, "called party subaddress", 21, 1, true, check_not_empty},
    IeInfo{0, ie::kRedirectingNumber, "redirecting number", kNoLengthLimit, 1, false, check_redirecting},
    IeInfo{0, ie::kRedirectionNumber, "redirection number", kNoLengthLimit, 1, false, check_not_empty},
    IeInfo{0, ie::kTransitNetworkSelection, "transit network selection", kNoLengthLimit, 4, false, check_not_empty},
    IeInfo{0, ie::kRestartIndicator, "restart indicator", 1, 1, false, check_plain<decode_restart_indicator>},
    IeInfo{0, ie::kLowLayerCompatibility, "low layer compatibility", 16, 4, true, check_not_empty},
    IeInfo{0, ie::kHighLayerCompatibility, "high layer compatibility", 3, 2, true,
           check_plain<decode_high_layer_compatibility>},
    IeInfo{0, ie::kUserUser, "user-user", kMaxUserUserOctets + 1, 1, true, check_plain<decode_user_user>},
    // Single-octet IEs (no contents).
    IeInfo{0, ie::kMoreData, "more data", 0, 1, false, nullptr},
    IeInfo{0, ie::kSendingComplete, "sending complete", 0, 1, false, nullptr},
    IeInfo{0, ie::kCongestionLevel, "congestion level", 1, 1, false, nullptr},
    IeInfo{0, ie::kRepeatIndicator, "repeat indicator", 1, 4, false, nullptr},
};

// Names of the IEs of other codesets that libpri knows; kept raw.
struct OtherName {
  std::uint8_t codeset;
  std::uint8_t id;
  std::string_view name;
};
constexpr std::array kOtherCodesets{
    OtherName{4, 0x31, "transit counter"},  // ECMA-143 (QSIG)
    OtherName{5, 0x32, "calling party category"},
    OtherName{6, 0x01, "originating line information"},
    OtherName{6, ie::kFacility, "facility"},
    OtherName{6, ie::kDisplay, "display"},
    OtherName{6, 0x37, "generic digits"},
};

}  // namespace

const IeInfo* find_ie(std::uint8_t id, const VariantTraits& variant) {
  if (id == ie::kChangeStatus && variant.maintenance == nullptr) return nullptr;
  for (const auto& info : kCodeset0)
    if (info.id == id) return &info;
  return nullptr;
}

std::string_view ie_name(std::uint8_t codeset, std::uint8_t id) {
  if (codeset == 0) {
    for (const auto& info : kCodeset0)
      if (info.id == id) return info.name;
    return "unknown";
  }
  for (const auto& o : kOtherCodesets)
    if (o.codeset == codeset && o.id == id) return o.name;
  return "unknown";
}

}  // namespace sipnic::pri::q931
