// Q.931 message types and the rules Q.931 §3 gives each (one table,
// q931_message_types.cpp): its wire code, the IEs that are mandatory in it
// per direction, and which call references it may use.
//
// SERVICE and SERVICE ACKNOWLEDGE are the North American B-channel
// maintenance messages; they travel under their own protocol discriminator
// (switch_variant.h, MaintenanceProtocol), whose codes depend on it, so
// their MessageType values are not wire codes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "pri/q931_ie.h"

namespace sipnic::pri::q931 {

// The protocol discriminator (octet 1).
inline constexpr std::uint8_t kQ931ProtocolDiscriminator = 0x08;

enum class MessageType : std::uint8_t {
  // call establishment
  kAlerting = 0x01,
  kCallProceeding = 0x02,
  kProgress = 0x03,
  kSetup = 0x05,
  kConnect = 0x07,
  kSetupAcknowledge = 0x0D,
  kConnectAcknowledge = 0x0F,
  // call clearing
  kDisconnect = 0x45,
  kRestart = 0x46,
  kRelease = 0x4D,
  kRestartAcknowledge = 0x4E,
  kReleaseComplete = 0x5A,
  // miscellaneous
  kFacility = 0x62,  // Q.932
  kNotify = 0x6E,
  kStatusEnquiry = 0x75,
  kInformation = 0x7B,
  kStatus = 0x7D,
  // maintenance (not wire codes, see above)
  kService = 0x80,
  kServiceAcknowledge = 0x81,
};

std::string_view message_type_name(MessageType t);  // "SETUP", "RELEASE COMPLETE", ...

// The message type octet for `t` under `protocol_discriminator`; nullopt if
// the message does not exist under it (SERVICE under 0x08, SETUP under 0x03).
std::optional<std::uint8_t> message_type_code(MessageType t, std::uint8_t protocol_discriminator);
// The message a type octet means under a discriminator; nullopt: unknown.
std::optional<MessageType> message_type_from_code(std::uint8_t protocol_discriminator, std::uint8_t code);

// Direction of a message over the interface.
enum class Direction : std::uint8_t { kNetworkToUser, kUserToNetwork };

// When a "mandatory" IE of Q.931 §3 must be there.
enum class Presence : std::uint8_t {
  kAlways,
  // Channel identification in the first answer to a SETUP (CALL
  // PROCEEDING, SETUP ACKNOWLEDGE, ALERTING, CONNECT): mandatory from the
  // network; from the user unless it accepts the channel the SETUP gave
  // (Q.931 §3.1 notes). The state machine knows which message is first.
  kFirstResponseToSetup,
  // Cause in RELEASE and RELEASE COMPLETE when it is the first clearing
  // message of the call (Q.931 §3.1.9, §3.1.10 notes).
  kFirstClearingMessage,
  // Channel identification in RESTART and RESTART ACKNOWLEDGE whose restart
  // indicator says "indicated channels" (§3.4 notes).
  kRestartOfIndicatedChannels,
};

struct MandatoryIe {
  std::uint8_t id;              // codeset 0
  bool network_to_user;         // mandatory in that direction
  bool user_to_network;
  Presence presence;
};

struct MessageRules {
  MessageType type;
  std::string_view name;
  std::span<const MandatoryIe> mandatory;
  bool global_call_reference;           // may use the global call reference (value 0)
  bool requires_global_call_reference;  // may use nothing else
  bool dummy_call_reference;            // may use the dummy call reference (length 0)
};

const MessageRules& message_rules(MessageType t);

}  // namespace sipnic::pri::q931
