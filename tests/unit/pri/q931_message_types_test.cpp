// pri/q931_message_types: message type codes (the SERVICE messages under
// their two maintenance discriminators) and the Q.931 §3 rules table.
#include "pri/q931_message_types.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sipnic::pri::q931 {
namespace {

constexpr MessageType kAll[] = {
    MessageType::kAlerting,         MessageType::kCallProceeding,     MessageType::kProgress,
    MessageType::kSetup,            MessageType::kConnect,            MessageType::kSetupAcknowledge,
    MessageType::kConnectAcknowledge, MessageType::kDisconnect,       MessageType::kRestart,
    MessageType::kRelease,          MessageType::kRestartAcknowledge, MessageType::kReleaseComplete,
    MessageType::kFacility,         MessageType::kNotify,             MessageType::kStatusEnquiry,
    MessageType::kInformation,      MessageType::kStatus,             MessageType::kService,
    MessageType::kServiceAcknowledge,
};

bool mandatory(MessageType t, std::uint8_t id, Direction d, Presence p) {
  const auto& m = message_rules(t).mandatory;
  return std::any_of(m.begin(), m.end(), [&](const MandatoryIe& x) {
    return x.id == id && x.presence == p && (d == Direction::kNetworkToUser ? x.network_to_user : x.user_to_network);
  });
}

TEST(Q931MessageTypes, EveryTypeHasItsRowAndName) {
  for (auto t : kAll) {
    EXPECT_EQ(message_rules(t).type, t) << message_type_name(t);
    EXPECT_EQ(message_rules(t).name, message_type_name(t));
  }
  EXPECT_EQ(message_type_name(MessageType::kReleaseComplete), "RELEASE COMPLETE");
  EXPECT_EQ(message_type_name(MessageType::kServiceAcknowledge), "SERVICE ACKNOWLEDGE");
}

TEST(Q931MessageTypes, Q931CodesAreTheTableOfQ931Section4_4) {
  EXPECT_EQ(message_type_code(MessageType::kSetup, 0x08), 0x05);
  EXPECT_EQ(message_type_code(MessageType::kConnectAcknowledge, 0x08), 0x0F);
  EXPECT_EQ(message_type_code(MessageType::kReleaseComplete, 0x08), 0x5A);
  EXPECT_EQ(message_type_code(MessageType::kStatus, 0x08), 0x7D);
  for (auto t : kAll) {
    if (t == MessageType::kService || t == MessageType::kServiceAcknowledge) continue;
    auto code = message_type_code(t, 0x08);
    ASSERT_TRUE(code) << message_type_name(t);
    EXPECT_EQ(message_type_from_code(0x08, *code), t);
  }
  // not implemented or not Q.931: USER INFORMATION, SUSPEND, HOLD, escape, bit 8 set
  for (std::uint8_t code : {0x20, 0x25, 0x24, 0x00, 0x85, 0xFF}) EXPECT_FALSE(message_type_from_code(0x08, code));
}

TEST(Q931MessageTypes, ServiceCodesDependOnTheMaintenanceDiscriminator) {
  EXPECT_FALSE(message_type_code(MessageType::kService, 0x08));
  EXPECT_EQ(message_type_code(MessageType::kService, 0x03), 0x0F);
  EXPECT_EQ(message_type_code(MessageType::kServiceAcknowledge, 0x03), 0x07);
  EXPECT_EQ(message_type_code(MessageType::kService, 0x43), 0x07);
  EXPECT_EQ(message_type_code(MessageType::kServiceAcknowledge, 0x43), 0x0F);
  EXPECT_EQ(message_type_from_code(0x03, 0x0F), MessageType::kService);
  EXPECT_EQ(message_type_from_code(0x43, 0x0F), MessageType::kServiceAcknowledge);
  EXPECT_EQ(message_type_from_code(0x08, 0x0F), MessageType::kConnectAcknowledge);
  EXPECT_FALSE(message_type_from_code(0x03, 0x05));
  EXPECT_FALSE(message_type_code(MessageType::kSetup, 0x03));
  EXPECT_FALSE(message_type_from_code(0x44, 0x07));
}

TEST(Q931MessageTypes, MandatoryIesFollowQ931Section3) {
  constexpr auto nu = Direction::kNetworkToUser;
  constexpr auto un = Direction::kUserToNetwork;
  EXPECT_TRUE(mandatory(MessageType::kSetup, ie::kBearerCapability, nu, Presence::kAlways));
  EXPECT_TRUE(mandatory(MessageType::kSetup, ie::kBearerCapability, un, Presence::kAlways));
  EXPECT_TRUE(mandatory(MessageType::kSetup, ie::kChannelIdentification, nu, Presence::kAlways));
  EXPECT_FALSE(mandatory(MessageType::kSetup, ie::kChannelIdentification, un, Presence::kAlways));
  for (auto t : {MessageType::kAlerting, MessageType::kCallProceeding, MessageType::kConnect,
                 MessageType::kSetupAcknowledge})
    for (auto d : {nu, un})
      EXPECT_TRUE(mandatory(t, ie::kChannelIdentification, d, Presence::kFirstResponseToSetup)) << message_type_name(t);
  EXPECT_TRUE(mandatory(MessageType::kDisconnect, ie::kCause, nu, Presence::kAlways));
  EXPECT_TRUE(mandatory(MessageType::kRelease, ie::kCause, un, Presence::kFirstClearingMessage));
  EXPECT_TRUE(mandatory(MessageType::kReleaseComplete, ie::kCause, nu, Presence::kFirstClearingMessage));
  EXPECT_TRUE(mandatory(MessageType::kProgress, ie::kProgressIndicator, nu, Presence::kAlways));
  EXPECT_TRUE(mandatory(MessageType::kNotify, ie::kNotificationIndicator, un, Presence::kAlways));
  EXPECT_TRUE(mandatory(MessageType::kStatus, ie::kCause, nu, Presence::kAlways));
  EXPECT_TRUE(mandatory(MessageType::kStatus, ie::kCallState, un, Presence::kAlways));
  EXPECT_TRUE(mandatory(MessageType::kRestart, ie::kRestartIndicator, nu, Presence::kAlways));
  EXPECT_TRUE(mandatory(MessageType::kRestartAcknowledge, ie::kChannelIdentification, un,
                        Presence::kRestartOfIndicatedChannels));
  EXPECT_TRUE(mandatory(MessageType::kFacility, ie::kFacility, nu, Presence::kAlways));
  EXPECT_TRUE(mandatory(MessageType::kService, ie::kChangeStatus, nu, Presence::kAlways));
  EXPECT_TRUE(mandatory(MessageType::kServiceAcknowledge, ie::kChannelIdentification, un, Presence::kAlways));
  for (auto t : {MessageType::kConnectAcknowledge, MessageType::kInformation, MessageType::kStatusEnquiry})
    EXPECT_TRUE(message_rules(t).mandatory.empty()) << message_type_name(t);
}

TEST(Q931MessageTypes, CallReferenceRulesFollowQ931Section5_8_3) {
  for (auto t : kAll) {
    const auto& r = message_rules(t);
    const bool global_messages = t == MessageType::kRestart || t == MessageType::kRestartAcknowledge ||
                                 t == MessageType::kStatus || t == MessageType::kService ||
                                 t == MessageType::kServiceAcknowledge;
    EXPECT_EQ(r.global_call_reference, global_messages) << r.name;
    EXPECT_EQ(r.requires_global_call_reference, global_messages && t != MessageType::kStatus) << r.name;
    EXPECT_EQ(r.dummy_call_reference, t == MessageType::kFacility) << r.name;
  }
}

}  // namespace
}  // namespace sipnic::pri::q931
