#include "pri/q850_cause.h"

#include <array>
#include <utility>

namespace sipnic::pri {

namespace {

struct Named {
  Cause cause;
  std::string_view name;
};

// Q.850 Table 1, in its order.
constexpr std::array kNames{
    Named{Cause::kUnallocatedNumber, "unallocated (unassigned) number"},
    Named{Cause::kNoRouteToTransitNetwork, "no route to specified transit network"},
    Named{Cause::kNoRouteToDestination, "no route to destination"},
    Named{Cause::kSendSpecialInformationTone, "send special information tone"},
    Named{Cause::kMisdialledTrunkPrefix, "misdialled trunk prefix"},
    Named{Cause::kChannelUnacceptable, "channel unacceptable"},
    Named{Cause::kCallAwardedInEstablishedChannel, "call awarded and being delivered in an established channel"},
    Named{Cause::kPreemption, "preemption"},
    Named{Cause::kPreemptionCircuitReserved, "preemption - circuit reserved for reuse"},
    Named{Cause::kNormalCallClearing, "normal call clearing"},
    Named{Cause::kUserBusy, "user busy"},
    Named{Cause::kNoUserResponding, "no user responding"},
    Named{Cause::kNoAnswerFromUser, "no answer from user (user alerted)"},
    Named{Cause::kSubscriberAbsent, "subscriber absent"},
    Named{Cause::kCallRejected, "call rejected"},
    Named{Cause::kNumberChanged, "number changed"},
    Named{Cause::kRedirectionToNewDestination, "redirection to new destination"},
    Named{Cause::kExchangeRoutingError, "exchange routing error"},
    Named{Cause::kNonSelectedUserClearing, "non-selected user clearing"},
    Named{Cause::kDestinationOutOfOrder, "destination out of order"},
    Named{Cause::kInvalidNumberFormat, "invalid number format (address incomplete)"},
    Named{Cause::kFacilityRejected, "facility rejected"},
    Named{Cause::kResponseToStatusEnquiry, "response to STATUS ENQUIRY"},
    Named{Cause::kNormalUnspecified, "normal, unspecified"},
    Named{Cause::kNoCircuitAvailable, "no circuit/channel available"},
    Named{Cause::kNetworkOutOfOrder, "network out of order"},
    Named{Cause::kPermanentFrameModeOutOfService, "permanent frame mode connection out of service"},
    Named{Cause::kPermanentFrameModeOperational, "permanent frame mode connection operational"},
    Named{Cause::kTemporaryFailure, "temporary failure"},
    Named{Cause::kSwitchingEquipmentCongestion, "switching equipment congestion"},
    Named{Cause::kAccessInformationDiscarded, "access information discarded"},
    Named{Cause::kRequestedCircuitNotAvailable, "requested circuit/channel not available"},
    Named{Cause::kPrecedenceCallBlocked, "precedence call blocked"},
    Named{Cause::kResourceUnavailable, "resource unavailable, unspecified"},
    Named{Cause::kQualityOfServiceNotAvailable, "quality of service not available"},
    Named{Cause::kRequestedFacilityNotSubscribed, "requested facility not subscribed"},
    Named{Cause::kOutgoingCallsBarredWithinCug, "outgoing calls barred within CUG"},
    Named{Cause::kIncomingCallsBarredWithinCug, "incoming calls barred within CUG"},
    Named{Cause::kBearerCapabilityNotAuthorized, "bearer capability not authorized"},
    Named{Cause::kBearerCapabilityNotAvailable, "bearer capability not presently available"},
    Named{Cause::kInconsistentOutgoingAccess,
          "inconsistency in designated outgoing access information and subscriber class"},
    Named{Cause::kServiceNotAvailable, "service or option not available, unspecified"},
    Named{Cause::kBearerCapabilityNotImplemented, "bearer capability not implemented"},
    Named{Cause::kChannelTypeNotImplemented, "channel type not implemented"},
    Named{Cause::kRequestedFacilityNotImplemented, "requested facility not implemented"},
    Named{Cause::kOnlyRestrictedDigitalAvailable, "only restricted digital information bearer capability is available"},
    Named{Cause::kServiceNotImplemented, "service or option not implemented, unspecified"},
    Named{Cause::kInvalidCallReference, "invalid call reference value"},
    Named{Cause::kIdentifiedChannelDoesNotExist, "identified channel does not exist"},
    Named{Cause::kSuspendedCallExistsButNotThisIdentity, "a suspended call exists, but this call identity does not"},
    Named{Cause::kCallIdentityInUse, "call identity in use"},
    Named{Cause::kNoCallSuspended, "no call suspended"},
    Named{Cause::kCallIdentityCleared, "call having the requested call identity has been cleared"},
    Named{Cause::kUserNotMemberOfCug, "user not member of CUG"},
    Named{Cause::kIncompatibleDestination, "incompatible destination"},
    Named{Cause::kNonExistentCug, "non-existent CUG"},
    Named{Cause::kInvalidTransitNetworkSelection, "invalid transit network selection"},
    Named{Cause::kInvalidMessage, "invalid message, unspecified"},
    Named{Cause::kMandatoryIeMissing, "mandatory information element is missing"},
    Named{Cause::kMessageTypeNonExistent, "message type non-existent or not implemented"},
    Named{Cause::kMessageNotCompatibleOrNonExistent,
          "message not compatible with call state or message type non-existent or not implemented"},
    Named{Cause::kIeNonExistent, "information element/parameter non-existent or not implemented"},
    Named{Cause::kInvalidIeContents, "invalid information element contents"},
    Named{Cause::kMessageNotCompatibleWithState, "message not compatible with call state"},
    Named{Cause::kRecoveryOnTimerExpiry, "recovery on timer expiry"},
    Named{Cause::kParameterNonExistentPassedOn, "parameter non-existent or not implemented - passed on"},
    Named{Cause::kUnrecognizedParameterDiscarded, "message with unrecognized parameter discarded"},
    Named{Cause::kProtocolError, "protocol error, unspecified"},
    Named{Cause::kInterworking, "interworking, unspecified"},
};

}  // namespace

std::optional<std::string_view> cause_name(std::uint8_t value) {
  for (const auto& n : kNames)
    if (static_cast<std::uint8_t>(n.cause) == value) return n.name;
  return std::nullopt;
}

}  // namespace sipnic::pri
