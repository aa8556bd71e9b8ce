// ITU-T Q.850 cause values: the one list of them that Q.931 (the cause IE,
// §5.8's error answers) and the SIP interworking (RFC 3398 tables, the
// Reason header of RFC 3326) read. Numbers are the 7-bit cause values;
// names are Q.850 Table 1's, as operators read them in logs.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sipnic::pri {

enum class Cause : std::uint8_t {
  kUnallocatedNumber = 1,
  kNoRouteToTransitNetwork = 2,
  kNoRouteToDestination = 3,
  kSendSpecialInformationTone = 4,
  kMisdialledTrunkPrefix = 5,
  kChannelUnacceptable = 6,
  kCallAwardedInEstablishedChannel = 7,
  kPreemption = 8,
  kPreemptionCircuitReserved = 9,
  kNormalCallClearing = 16,
  kUserBusy = 17,
  kNoUserResponding = 18,
  kNoAnswerFromUser = 19,
  kSubscriberAbsent = 20,
  kCallRejected = 21,
  kNumberChanged = 22,
  kRedirectionToNewDestination = 23,
  kExchangeRoutingError = 25,
  kNonSelectedUserClearing = 26,
  kDestinationOutOfOrder = 27,
  kInvalidNumberFormat = 28,
  kFacilityRejected = 29,
  kResponseToStatusEnquiry = 30,
  kNormalUnspecified = 31,
  kNoCircuitAvailable = 34,
  kNetworkOutOfOrder = 38,
  kPermanentFrameModeOutOfService = 39,
  kPermanentFrameModeOperational = 40,
  kTemporaryFailure = 41,
  kSwitchingEquipmentCongestion = 42,
  kAccessInformationDiscarded = 43,
  kRequestedCircuitNotAvailable = 44,
  kPrecedenceCallBlocked = 46,
  kResourceUnavailable = 47,
  kQualityOfServiceNotAvailable = 49,
  kRequestedFacilityNotSubscribed = 50,
  kOutgoingCallsBarredWithinCug = 53,
  kIncomingCallsBarredWithinCug = 55,
  kBearerCapabilityNotAuthorized = 57,
  kBearerCapabilityNotAvailable = 58,
  kInconsistentOutgoingAccess = 62,
  kServiceNotAvailable = 63,
  kBearerCapabilityNotImplemented = 65,
  kChannelTypeNotImplemented = 66,
  kRequestedFacilityNotImplemented = 69,
  kOnlyRestrictedDigitalAvailable = 70,
  kServiceNotImplemented = 79,
  kInvalidCallReference = 81,
  kIdentifiedChannelDoesNotExist = 82,
  kSuspendedCallExistsButNotThisIdentity = 83,
  kCallIdentityInUse = 84,
  kNoCallSuspended = 85,
  kCallIdentityCleared = 86,
  kUserNotMemberOfCug = 87,
  kIncompatibleDestination = 88,
  kNonExistentCug = 90,
  kInvalidTransitNetworkSelection = 91,
  kInvalidMessage = 95,
  kMandatoryIeMissing = 96,
  kMessageTypeNonExistent = 97,
  kMessageNotCompatibleOrNonExistent = 98,
  kIeNonExistent = 99,
  kInvalidIeContents = 100,
  kMessageNotCompatibleWithState = 101,
  kRecoveryOnTimerExpiry = 102,
  kParameterNonExistentPassedOn = 103,
  kUnrecognizedParameterDiscarded = 110,
  kProtocolError = 111,
  kInterworking = 127,
};

// Q.850's name of a cause value ("user busy"); nullopt for a value Q.850
// does not define (which a peer may still send: it is passed on as a number).
std::optional<std::string_view> cause_name(std::uint8_t value);

// Q.850 §2.2.5: the class of a value, its three high bits: 0 and 1 normal
// event, 2 resource unavailable, 3 service or option not available, 4
// service or option not implemented, 5 invalid message, 6 protocol error,
// 7 interworking.
constexpr std::uint8_t cause_class(std::uint8_t value) { return static_cast<std::uint8_t>((value >> 4) & 0x7); }

}  // namespace sipnic::pri
