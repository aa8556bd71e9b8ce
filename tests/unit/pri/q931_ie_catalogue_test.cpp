// pri/q931_ie_catalogue: which codeset 0 IEs sipnic recognises (per
// variant), their limits, and that each check is its typed decoder with the
// variant's facts applied.
#include "pri/q931_ie_catalogue.h"

#include <gtest/gtest.h>

#include "pri/q931_ie.h"
#include "support/hex.h"

namespace sipnic::pri::q931 {
namespace {

using test::from_hex;

const VariantTraits& euro = variant_traits(SwitchVariant::kEuroIsdnE1);
const VariantTraits& ni2 = variant_traits(SwitchVariant::kNi2);
const VariantTraits& qsig = variant_traits(SwitchVariant::kQsig);

std::string_view check(std::uint8_t id, const char* hex, const VariantTraits& v, LineType line = LineType::kE1) {
  const IeInfo* info = find_ie(id, v);
  if (!info || !info->check) return "no check";
  IeCheckContext x{&v, line};
  return info->check(from_hex(hex), x);
}

TEST(Q931IeCatalogue, RecognisesTheTypedIesAndNotOthers) {
  for (std::uint8_t id : {ie::kBearerCapability, ie::kCause, ie::kCallState, ie::kChannelIdentification,
                          ie::kFacility, ie::kProgressIndicator, ie::kNotificationIndicator, ie::kDisplay,
                          ie::kDateTime, ie::kSignal, ie::kConnectedNumber, ie::kCallingPartyNumber,
                          ie::kCalledPartyNumber, ie::kRedirectingNumber, ie::kRestartIndicator,
                          ie::kHighLayerCompatibility, ie::kUserUser, ie::kSendingComplete}) {
    const IeInfo* info = find_ie(id, euro);
    ASSERT_NE(info, nullptr) << int(id);
    EXPECT_NE(info->check == nullptr, !is_single_octet_ie(id)) << info->name;
  }
  for (std::uint8_t id : {0x00, 0x02, 0x0B, 0x47, 0x7F, 0xE0}) EXPECT_EQ(find_ie(id, euro), nullptr) << int(id);
}

TEST(Q931IeCatalogue, KnowsChangeStatusOnlyWhereTheVariantHasServiceMessages) {
  EXPECT_EQ(find_ie(ie::kChangeStatus, euro), nullptr);
  EXPECT_EQ(find_ie(ie::kChangeStatus, qsig), nullptr);
  ASSERT_NE(find_ie(ie::kChangeStatus, ni2), nullptr);
  EXPECT_NE(find_ie(ie::kChangeStatus, variant_traits(SwitchVariant::kAtt4ess)), nullptr);
}

TEST(Q931IeCatalogue, LimitsFollowQ931) {
  EXPECT_EQ(find_ie(ie::kDisplay, euro)->max_octets, 80u);
  EXPECT_EQ(find_ie(ie::kUserUser, euro)->max_octets, 129u);
  EXPECT_EQ(find_ie(ie::kCause, euro)->max_octets, 30u);
  EXPECT_TRUE(find_ie(ie::kUserUser, euro)->access_information);
  EXPECT_TRUE(find_ie(ie::kCalledPartySubaddress, euro)->access_information);
  EXPECT_FALSE(find_ie(ie::kCalledPartyNumber, euro)->access_information);
  EXPECT_EQ(find_ie(ie::kProgressIndicator, euro)->max_count, 2);
  EXPECT_EQ(find_ie(ie::kDisplay, euro)->max_count, 1);
}

TEST(Q931IeCatalogue, ChecksApplyTheVariantsFacts) {
  // octet 3.1 (NFAS) is refused by QSIG only
  EXPECT_EQ(check(ie::kChannelIdentification, "E9 81 83 81", euro), "");
  EXPECT_NE(check(ie::kChannelIdentification, "E9 81 83 81", qsig), "");
  // T1 channel 24 exists, E1 timeslot 24 too, T1 channel 25 does not
  EXPECT_EQ(check(ie::kChannelIdentification, "A9 83 98", ni2, LineType::kT1), "");
  EXPECT_NE(check(ie::kChannelIdentification, "A9 83 99", ni2, LineType::kT1), "");
  // the octet 3 quirk of the North American switches
  EXPECT_EQ(check(ie::kCallingPartyNumber, "A1 83 35", ni2), "");
  EXPECT_NE(check(ie::kCallingPartyNumber, "A1 83 35", euro), "");
  // EuroISDN's notification descriptions
  EXPECT_EQ(check(ie::kNotificationIndicator, "FB", euro), "");
  EXPECT_NE(check(ie::kNotificationIndicator, "FB", ni2), "");
}

TEST(Q931IeCatalogue, NamesIesForLogs) {
  EXPECT_EQ(ie_name(0, ie::kCause), "cause");
  EXPECT_EQ(ie_name(0, ie::kSendingComplete), "sending complete");
  EXPECT_EQ(ie_name(6, ie::kDisplay), "display");
  EXPECT_EQ(ie_name(6, 0x01), "originating line information");
  EXPECT_EQ(ie_name(0, 0x47), "unknown");
  EXPECT_EQ(ie_name(7, 0x01), "unknown");
}

}  // namespace
}  // namespace sipnic::pri::q931
