// Q.931 information elements (ITU-T Q.931 §4.5): the raw form a message
// carries (InformationElement), the identifiers sipnic knows, and the typed
// encode/decode of the small IEs. The bigger families have files of their
// own: q931_ie_bearer.h (bearer capability), q931_ie_channel.h (channel
// identification), q931_ie_numbers.h (party numbers). q931_ie_catalogue.h
// says which IEs exist, their limits and their content checks.
//
// The pri layer's error convention: nothing here throws. A decoder returns
// IeDecoded<T>, whose `error` names the first content error (Q.931 §5.8.6.2
// and §5.8.7.2: a reserved value, a missing or truncated octet group, an
// extension bit that ends a group early or fails to end it); the message
// decoder turns that into the §5.8 answer. Spare bits are not checked.
// Encoders take typed values and always produce an IE; where a value can
// exceed what the IE holds (text, digits), the header of the encoder says
// what is cut.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pri/q850_cause.h"

namespace sipnic::pri::q931 {

// Codeset 0 IE identifiers (Q.931 Table 4-3, Q.932, Q.951, Q.952, and the
// Change status IE of the North American maintenance messages).
// Single-octet IEs: the type-2 ones by their whole octet, the type-1 ones by
// their high nibble (their low nibble is the value).
namespace ie {
inline constexpr std::uint8_t kSegmentedMessage = 0x00;
inline constexpr std::uint8_t kChangeStatus = 0x01;
inline constexpr std::uint8_t kBearerCapability = 0x04;
inline constexpr std::uint8_t kCause = 0x08;
inline constexpr std::uint8_t kCallIdentity = 0x10;
inline constexpr std::uint8_t kCallState = 0x14;
inline constexpr std::uint8_t kChannelIdentification = 0x18;
inline constexpr std::uint8_t kFacility = 0x1C;
inline constexpr std::uint8_t kProgressIndicator = 0x1E;
inline constexpr std::uint8_t kNetworkSpecificFacilities = 0x20;
inline constexpr std::uint8_t kNotificationIndicator = 0x27;
inline constexpr std::uint8_t kDisplay = 0x28;
inline constexpr std::uint8_t kDateTime = 0x29;
inline constexpr std::uint8_t kKeypadFacility = 0x2C;
inline constexpr std::uint8_t kSignal = 0x34;
inline constexpr std::uint8_t kConnectedNumber = 0x4C;
inline constexpr std::uint8_t kConnectedSubaddress = 0x4D;
inline constexpr std::uint8_t kCallingPartyNumber = 0x6C;
inline constexpr std::uint8_t kCallingPartySubaddress = 0x6D;
inline constexpr std::uint8_t kCalledPartyNumber = 0x70;
inline constexpr std::uint8_t kCalledPartySubaddress = 0x71;
inline constexpr std::uint8_t kRedirectingNumber = 0x74;
inline constexpr std::uint8_t kRedirectionNumber = 0x76;
inline constexpr std::uint8_t kTransitNetworkSelection = 0x78;
inline constexpr std::uint8_t kRestartIndicator = 0x79;
inline constexpr std::uint8_t kLowLayerCompatibility = 0x7C;
inline constexpr std::uint8_t kHighLayerCompatibility = 0x7D;
inline constexpr std::uint8_t kUserUser = 0x7E;
// Single-octet IEs.
inline constexpr std::uint8_t kShift = 0x90;  // 1001 Lxxx: L = non-locking, xxx = codeset
inline constexpr std::uint8_t kMoreData = 0xA0;
inline constexpr std::uint8_t kSendingComplete = 0xA1;
inline constexpr std::uint8_t kCongestionLevel = 0xB0;
inline constexpr std::uint8_t kRepeatIndicator = 0xD0;
}  // namespace ie

// Whether an identifier octet starts a single-octet IE (bit 8 set).
constexpr bool is_single_octet_ie(std::uint8_t octet) { return (octet & 0x80) != 0; }
// Q.931 §4.5.1 / §5.8.7.1: a codeset 0 IE whose identifier is 0000 xxxx
// must be understood by the receiver ("comprehension required").
constexpr bool is_comprehension_required(std::uint8_t codeset, std::uint8_t id) {
  return codeset == 0 && (id & 0xF0) == 0;
}

// One IE as a message carries it. For a variable-length IE `contents` is
// what follows the length octet; for a type-2 single-octet IE it is empty;
// for a type-1 one (congestion level, repeat indicator) `id` is the high
// nibble and contents[0] the low nibble. Shifts are not IEs here: the
// message encoder emits them from the codesets.
struct InformationElement {
  std::uint8_t codeset = 0;
  std::uint8_t id = 0;
  std::vector<std::uint8_t> contents;
  bool operator==(const InformationElement&) const = default;
};

// What a typed decoder returns (see the convention above).
template <class T>
struct IeDecoded {
  T value{};
  std::string_view error;  // empty: the contents are valid
  bool ok() const { return error.empty(); }
  explicit operator bool() const { return ok(); }
  const T* operator->() const { return &value; }
  const T& operator*() const { return value; }
};

// Octet 3's coding standard field (bits 7-6) of several IEs.
enum class CodingStandard : std::uint8_t { kItuT = 0, kIsoIec = 1, kNational = 2, kNetworkSpecific = 3 };

// Q.850 §2.2.3 location (cause, progress indicator).
enum class Location : std::uint8_t {
  kUser = 0x0,
  kPrivateNetworkLocalUser = 0x1,
  kPublicNetworkLocalUser = 0x2,
  kTransitNetwork = 0x3,
  kPublicNetworkRemoteUser = 0x4,
  kPrivateNetworkRemoteUser = 0x5,
  kInternationalNetwork = 0x7,
  kBeyondInterworkingPoint = 0xA,
};
bool is_defined_location(std::uint8_t value);

// ---------------------------------------------------------------- cause (§4.5.12, Q.850 §2)
// octet 3   ext | coding standard | spare | location
// octet 3a  ext=1 | recommendation          (only when octet 3's ext is 0)
// octet 4   ext=1 | cause value (7 bits)
// octet 5+  diagnostics
struct CauseIe {
  CodingStandard coding = CodingStandard::kItuT;
  Location location = Location::kUser;
  std::optional<std::uint8_t> recommendation;  // octet 3a: 0 = Q.931
  std::uint8_t value = 0;                      // 7 bits: a pri::Cause, or one Q.850 does not name
  std::vector<std::uint8_t> diagnostics;       // 27 octets at most with octet 3a, 28 without (32-octet IE)
  bool operator==(const CauseIe&) const = default;
};
CauseIe make_cause(Cause cause, Location location, std::vector<std::uint8_t> diagnostics = {});
InformationElement to_ie(const CauseIe& c);  // diagnostics beyond the 32-octet IE are cut
IeDecoded<CauseIe> decode_cause(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- call state (§4.5.7)
// octet 3   coding standard (bits 8-7) | call state value (bits 6-1)
enum class CallStateValue : std::uint8_t {
  kNull = 0,
  kCallInitiated = 1,
  kOverlapSending = 2,
  kOutgoingCallProceeding = 3,
  kCallDelivered = 4,
  kCallPresent = 6,
  kCallReceived = 7,
  kConnectRequest = 8,
  kIncomingCallProceeding = 9,
  kActive = 10,
  kDisconnectRequest = 11,
  kDisconnectIndication = 12,
  kSuspendRequest = 15,
  kResumeRequest = 17,
  kReleaseRequest = 19,
  kCallAbort = 22,  // network side only
  kOverlapReceiving = 25,
  kRestartRequest = 61,  // REST 1, global call reference
  kRestart = 62,         // REST 2, global call reference
};
struct CallStateIe {
  CodingStandard coding = CodingStandard::kItuT;
  std::uint8_t value = 0;  // a CallStateValue when ITU-T coded
  bool operator==(const CallStateIe&) const = default;
};
InformationElement to_ie(const CallStateIe& s);
IeDecoded<CallStateIe> decode_call_state(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- progress indicator (§4.5.23)
// octet 3   ext=1 | coding standard | spare | location
// octet 4   ext=1 | progress description
enum class ProgressDescription : std::uint8_t {
  kNotEndToEndIsdn = 1,       // further call progress information may be in-band
  kDestinationNotIsdn = 2,
  kOriginationNotIsdn = 3,
  kReturnedToIsdn = 4,
  kInterworkingServiceChange = 5,
  kInbandInformationAvailable = 8,
};
struct ProgressIndicatorIe {
  CodingStandard coding = CodingStandard::kItuT;
  Location location = Location::kUser;
  std::uint8_t description = 0;  // a ProgressDescription when ITU-T coded
  bool operator==(const ProgressIndicatorIe&) const = default;
};
InformationElement to_ie(const ProgressIndicatorIe& p);
IeDecoded<ProgressIndicatorIe> decode_progress_indicator(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- notification indicator (§4.5.22)
// octet 3   ext=1 | notification description; EuroISDN (EN 300 196 / Q.932)
// adds descriptions and, after octet 3, further octets (an ASN.1 component
// for description 0x03), kept raw in `extension`.
inline constexpr std::uint8_t kNotifyUserSuspended = 0x00;
inline constexpr std::uint8_t kNotifyUserResumed = 0x01;
inline constexpr std::uint8_t kNotifyBearerServiceChange = 0x02;
struct NotificationIndicatorIe {
  std::uint8_t description = 0;
  std::vector<std::uint8_t> extension;
  bool operator==(const NotificationIndicatorIe&) const = default;
};
InformationElement to_ie(const NotificationIndicatorIe& n);
// `extended`: the variant's VariantTraits::extended_notifications.
IeDecoded<NotificationIndicatorIe> decode_notification_indicator(std::span<const std::uint8_t> contents,
                                                                 bool extended);

// ---------------------------------------------------------------- display (§4.5.16)
// IA5 characters, up to 80 (the 82-octet IE of Q.931). The North American
// variants put a display type octet (bit 8 set, 0xB1 for a calling party
// name) first; a received first octet with bit 8 set is read as that octet
// whatever the variant, as libpri does. Text octets are kept as received:
// some PBXs send ISO 8859-1 in what Q.931 calls IA5.
inline constexpr std::uint8_t kDisplayTypeCallingName = 0xB1;
inline constexpr std::size_t kMaxDisplayOctets = 80;
struct DisplayIe {
  std::optional<std::uint8_t> display_type;
  std::string text;
  bool operator==(const DisplayIe&) const = default;
};
InformationElement to_ie(const DisplayIe& d, std::uint8_t codeset = 0);  // text cut to fit 80 octets
IeDecoded<DisplayIe> decode_display(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- keypad facility (§4.5.18)
// IA5 characters (bit 8 clear), 1 to 32.
struct KeypadFacilityIe {
  std::string text;
  bool operator==(const KeypadFacilityIe&) const = default;
};
InformationElement to_ie(const KeypadFacilityIe& k);  // cut to 32 characters
IeDecoded<KeypadFacilityIe> decode_keypad_facility(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- signal (§4.5.28)
enum class SignalValue : std::uint8_t {
  kDialToneOn = 0x00,
  kRingBackToneOn = 0x01,
  kInterceptToneOn = 0x02,
  kNetworkCongestionToneOn = 0x03,
  kBusyToneOn = 0x04,
  kConfirmToneOn = 0x05,
  kAnswerToneOn = 0x06,
  kCallWaitingTone = 0x07,
  kOffHookWarningTone = 0x08,
  kPreemptionToneOn = 0x09,
  kTonesOff = 0x3F,
  kAlertingOnPattern0 = 0x40,  // patterns 0-7: 0x40-0x47
  kAlertingOff = 0x4F,
};
struct SignalIe {
  std::uint8_t value = 0;  // a SignalValue
  bool operator==(const SignalIe&) const = default;
};
InformationElement to_ie(const SignalIe& s);
IeDecoded<SignalIe> decode_signal(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- date/time (§4.5.15)
// octets 3-5 year (last two digits), month, day; 6-8 hour, minute, second,
// each optional in that order (binary coded).
struct DateTimeIe {
  std::uint8_t year = 0;
  std::uint8_t month = 1;
  std::uint8_t day = 1;
  std::optional<std::uint8_t> hour;
  std::optional<std::uint8_t> minute;  // only with an hour
  std::optional<std::uint8_t> second;  // only with a minute
  bool operator==(const DateTimeIe&) const = default;
};
InformationElement to_ie(const DateTimeIe& d);  // stops at the first absent field
IeDecoded<DateTimeIe> decode_date_time(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- restart indicator (§4.5.25)
// octet 3   ext=1 | spare | class (3 bits)
enum class RestartClass : std::uint8_t { kIndicatedChannels = 0, kSingleInterface = 6, kAllInterfaces = 7 };
struct RestartIndicatorIe {
  RestartClass restart_class = RestartClass::kIndicatedChannels;
  bool operator==(const RestartIndicatorIe&) const = default;
};
InformationElement to_ie(const RestartIndicatorIe& r);
IeDecoded<RestartIndicatorIe> decode_restart_indicator(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- high layer compatibility (§4.5.17)
// octet 3   ext=1 | coding standard | interpretation (3 bits) | presentation method (2 bits)
// octet 4   ext | high layer characteristics identification
// octet 4a  ext=1 | extended high layer characteristics (when octet 4's ext is 0)
inline constexpr std::uint8_t kHlcInterpretationFirst = 0x4;      // 100: first (primary or only)
inline constexpr std::uint8_t kHlcPresentationProtocolProfile = 0x1;  // 01
inline constexpr std::uint8_t kHlcTelephony = 0x01;
inline constexpr std::uint8_t kHlcFacsimileGroup2And3 = 0x04;
inline constexpr std::uint8_t kHlcFacsimileGroup4Class1 = 0x21;
inline constexpr std::uint8_t kHlcMaintenance = 0x5E;  // followed by octet 4a
inline constexpr std::uint8_t kHlcManagement = 0x5F;   // followed by octet 4a
struct HighLayerCompatibilityIe {
  CodingStandard coding = CodingStandard::kItuT;
  std::uint8_t interpretation = kHlcInterpretationFirst;
  std::uint8_t presentation = kHlcPresentationProtocolProfile;
  std::uint8_t characteristics = kHlcTelephony;
  std::optional<std::uint8_t> extended_characteristics;
  bool operator==(const HighLayerCompatibilityIe&) const = default;
};
InformationElement to_ie(const HighLayerCompatibilityIe& h);
IeDecoded<HighLayerCompatibilityIe> decode_high_layer_compatibility(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- user-user (§4.5.30)
// octet 3   protocol discriminator; octets 4+ user information (up to 128).
inline constexpr std::uint8_t kUserUserUserSpecific = 0x00;
inline constexpr std::uint8_t kUserUserIa5 = 0x04;
inline constexpr std::size_t kMaxUserUserOctets = 128;
struct UserUserIe {
  std::uint8_t protocol = kUserUserIa5;
  std::vector<std::uint8_t> data;
  bool operator==(const UserUserIe&) const = default;
};
InformationElement to_ie(const UserUserIe& u);  // data cut to 128 octets
IeDecoded<UserUserIe> decode_user_user(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- facility (Q.932 §8.2.3)
// Passed through: octet 3 (ext=1, protocol profile, 0x91 = remote
// operations) and the ROSE components, as received.
struct FacilityIe {
  std::vector<std::uint8_t> contents;
  std::uint8_t protocol_profile() const { return contents.empty() ? 0 : contents[0] & 0x1F; }
  bool operator==(const FacilityIe&) const = default;
};
inline constexpr std::uint8_t kFacilityRemoteOperations = 0x11;
InformationElement to_ie(const FacilityIe& f, std::uint8_t codeset = 0);
IeDecoded<FacilityIe> decode_facility(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- change status (SERVICE)
// octet 3   ext=1 | preference (bit 7: 1 channel, 0 interface) | spare | new status (3 bits)
enum class ServiceStatus : std::uint8_t {
  kInService = 0,
  kLoopback = 1,
  kOutOfService = 2,
  kRequestContinuityCheck = 3,
  kShutdown = 4,
};
struct ChangeStatusIe {
  bool channel = true;  // the status applies to the channel(s) of the channel identification
  ServiceStatus status = ServiceStatus::kInService;
  bool operator==(const ChangeStatusIe&) const = default;
};
InformationElement to_ie(const ChangeStatusIe& c);
IeDecoded<ChangeStatusIe> decode_change_status(std::span<const std::uint8_t> contents);

// ---------------------------------------------------------------- single-octet IEs
InformationElement sending_complete_ie();

}  // namespace sipnic::pri::q931
