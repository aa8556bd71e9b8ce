#include "pri/q931_message_types.h"

#include <array>

#include "pri/switch_variant.h"

namespace sipnic::pri::q931 {

namespace {

constexpr bool kN = true;  // readability of the tables below: mandatory in that direction
constexpr bool k_ = false;

// Q.931 §3.1 (basic call), §3.4 (global call reference messages), Q.932
// §8.2 (FACILITY), and the AT&T / National ISDN maintenance messages
// (SERVICE: Change status and Channel identification, as libpri sends
// them). Columns: IE, network-to-user, user-to-network, when.
constexpr MandatoryIe kChannelInFirstResponse[] = {
    {ie::kChannelIdentification, kN, kN, Presence::kFirstResponseToSetup}};
constexpr MandatoryIe kProgressIes[] = {{ie::kProgressIndicator, kN, kN, Presence::kAlways}};
constexpr MandatoryIe kSetupIes[] = {
    {ie::kBearerCapability, kN, kN, Presence::kAlways},
    {ie::kChannelIdentification, kN, k_, Presence::kAlways},  // a PRI user may leave the choice to the network
};
constexpr MandatoryIe kDisconnectIes[] = {{ie::kCause, kN, kN, Presence::kAlways}};
constexpr MandatoryIe kReleaseIes[] = {{ie::kCause, kN, kN, Presence::kFirstClearingMessage}};
constexpr MandatoryIe kRestartIes[] = {
    {ie::kChannelIdentification, kN, kN, Presence::kRestartOfIndicatedChannels},
    {ie::kRestartIndicator, kN, kN, Presence::kAlways},
};
constexpr MandatoryIe kFacilityIes[] = {{ie::kFacility, kN, kN, Presence::kAlways}};
constexpr MandatoryIe kNotifyIes[] = {{ie::kNotificationIndicator, kN, kN, Presence::kAlways}};
constexpr MandatoryIe kStatusIes[] = {
    {ie::kCause, kN, kN, Presence::kAlways},
    {ie::kCallState, kN, kN, Presence::kAlways},
};
constexpr MandatoryIe kServiceIes[] = {
    {ie::kChangeStatus, kN, kN, Presence::kAlways},
    {ie::kChannelIdentification, kN, kN, Presence::kAlways},
};

// Columns: type, name, mandatory IEs, global call reference allowed, only
// the global one, dummy call reference allowed.
constexpr std::array kRules{
    MessageRules{MessageType::kAlerting, "ALERTING", kChannelInFirstResponse, false, false, false},
    MessageRules{MessageType::kCallProceeding, "CALL PROCEEDING", kChannelInFirstResponse, false, false, false},
    MessageRules{MessageType::kProgress, "PROGRESS", kProgressIes, false, false, false},
    MessageRules{MessageType::kSetup, "SETUP", kSetupIes, false, false, false},
    MessageRules{MessageType::kConnect, "CONNECT", kChannelInFirstResponse, false, false, false},
    MessageRules{MessageType::kSetupAcknowledge, "SETUP ACKNOWLEDGE", kChannelInFirstResponse, false, false, false},
    MessageRules{MessageType::kConnectAcknowledge, "CONNECT ACKNOWLEDGE", {}, false, false, false},
    MessageRules{MessageType::kDisconnect, "DISCONNECT", kDisconnectIes, false, false, false},
    MessageRules{MessageType::kRestart, "RESTART", kRestartIes, true, true, false},
    MessageRules{MessageType::kRelease, "RELEASE", kReleaseIes, false, false, false},
    MessageRules{MessageType::kRestartAcknowledge, "RESTART ACKNOWLEDGE", kRestartIes, true, true, false},
    MessageRules{MessageType::kReleaseComplete, "RELEASE COMPLETE", kReleaseIes, false, false, false},
    MessageRules{MessageType::kFacility, "FACILITY", kFacilityIes, false, false, true},
    MessageRules{MessageType::kNotify, "NOTIFY", kNotifyIes, false, false, false},
    MessageRules{MessageType::kStatusEnquiry, "STATUS ENQUIRY", {}, false, false, false},
    MessageRules{MessageType::kInformation, "INFORMATION", {}, false, false, false},
    MessageRules{MessageType::kStatus, "STATUS", kStatusIes, true, false, false},
    MessageRules{MessageType::kService, "SERVICE", kServiceIes, true, true, false},
    MessageRules{MessageType::kServiceAcknowledge, "SERVICE ACKNOWLEDGE", kServiceIes, true, true, false},
};

const MessageRules* find_rules(MessageType t) {
  for (const auto& r : kRules)
    if (r.type == t) return &r;
  return nullptr;
}

bool is_maintenance(MessageType t) { return t == MessageType::kService || t == MessageType::kServiceAcknowledge; }

}  // namespace

const MessageRules& message_rules(MessageType t) {
  const MessageRules* r = find_rules(t);
  return r ? *r : kRules.front();  // every enumerator has a row (tested)
}

std::string_view message_type_name(MessageType t) {
  const MessageRules* r = find_rules(t);
  return r ? r->name : std::string_view("unknown");
}

std::optional<std::uint8_t> message_type_code(MessageType t, std::uint8_t protocol_discriminator) {
  if (protocol_discriminator == kQ931ProtocolDiscriminator) {
    if (is_maintenance(t) || !find_rules(t)) return std::nullopt;
    return static_cast<std::uint8_t>(t);
  }
  const MaintenanceProtocol* m = maintenance_protocol(protocol_discriminator);
  if (!m) return std::nullopt;
  if (t == MessageType::kService) return m->service_code;
  if (t == MessageType::kServiceAcknowledge) return m->service_acknowledge_code;
  return std::nullopt;
}

std::optional<MessageType> message_type_from_code(std::uint8_t protocol_discriminator, std::uint8_t code) {
  if (protocol_discriminator == kQ931ProtocolDiscriminator) {
    const auto t = static_cast<MessageType>(code);
    if (code & 0x80 || is_maintenance(t) || !find_rules(t)) return std::nullopt;
    return t;
  }
  const MaintenanceProtocol* m = maintenance_protocol(protocol_discriminator);
  if (!m) return std::nullopt;
  if (code == m->service_code) return MessageType::kService;
  if (code == m->service_acknowledge_code) return MessageType::kServiceAcknowledge;
  return std::nullopt;
}

}  // namespace sipnic::pri::q931
