// pri/switch_variant.h: the variant table, the facts the codec reads from
// it, and the two maintenance protocols of SERVICE.
#include "pri/switch_variant.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sipnic::pri {
namespace {

TEST(SwitchVariant, EveryConfiguredSwitchMapsToOneVariantAndEveryVariantIsReached) {
  std::set<SwitchVariant> reached;
  for (auto configured : {core::SwitchVariant::kEuroIsdn, core::SwitchVariant::kNi2, core::SwitchVariant::kDms100,
                          core::SwitchVariant::k4ess, core::SwitchVariant::k5ess, core::SwitchVariant::kQsig})
    for (auto line : {core::SpanType::kE1, core::SpanType::kT1}) reached.insert(variant_of(configured, line));
  EXPECT_EQ(reached.size(), all_variants().size());
  EXPECT_EQ(variant_of(core::SwitchVariant::kEuroIsdn, core::SpanType::kE1), SwitchVariant::kEuroIsdnE1);
  EXPECT_EQ(variant_of(core::SwitchVariant::kEuroIsdn, core::SpanType::kT1), SwitchVariant::kEuroIsdnT1);
  EXPECT_EQ(variant_of(core::SwitchVariant::k5ess, core::SpanType::kT1), SwitchVariant::kLucent5ess);
  std::set<std::string> names;
  for (const auto& t : all_variants()) {
    EXPECT_EQ(&variant_traits(t.variant), &t);
    names.insert(std::string(t.name));
  }
  EXPECT_EQ(names.size(), all_variants().size());
}

TEST(SwitchVariant, ServiceMessagesExistForNi2AndTheAttVariantsOnly) {
  EXPECT_EQ(variant_traits(SwitchVariant::kNi2).maintenance, &kNationalMaintenance);
  EXPECT_EQ(variant_traits(SwitchVariant::kAtt4ess).maintenance, &kAttMaintenance);
  EXPECT_EQ(variant_traits(SwitchVariant::kLucent5ess).maintenance, &kAttMaintenance);
  for (auto v : {SwitchVariant::kEuroIsdnE1, SwitchVariant::kEuroIsdnT1, SwitchVariant::kDms100, SwitchVariant::kQsig})
    EXPECT_EQ(variant_traits(v).maintenance, nullptr) << variant_traits(v).name;
}

TEST(SwitchVariant, TheMaintenanceProtocolsUseOppositeServiceCodes) {
  EXPECT_EQ(kAttMaintenance.protocol_discriminator, 0x03);
  EXPECT_EQ(kAttMaintenance.service_code, 0x0F);
  EXPECT_EQ(kAttMaintenance.service_acknowledge_code, 0x07);
  EXPECT_EQ(kNationalMaintenance.protocol_discriminator, 0x43);
  EXPECT_EQ(kNationalMaintenance.service_code, 0x07);
  EXPECT_EQ(kNationalMaintenance.service_acknowledge_code, 0x0F);
  EXPECT_EQ(maintenance_protocol(0x03), &kAttMaintenance);
  EXPECT_EQ(maintenance_protocol(0x43), &kNationalMaintenance);
  EXPECT_EQ(maintenance_protocol(0x08), nullptr);
}

TEST(SwitchVariant, CallingNameTravelsWhereEachVariantPutsIt) {
  const auto& euro = variant_traits(SwitchVariant::kEuroIsdnE1);
  EXPECT_EQ(euro.name_from_network, NameCarrier::kDisplay);
  EXPECT_EQ(euro.name_from_user, NameCarrier::kNone);  // Display is network-to-user only
  EXPECT_FALSE(euro.display_type_octet);
  const auto& ni2 = variant_traits(SwitchVariant::kNi2);
  EXPECT_EQ(ni2.name_from_network, NameCarrier::kFacility);
  EXPECT_EQ(ni2.max_name_length, 15);  // GR-1367
  EXPECT_EQ(ni2.name_from_user, NameCarrier::kDisplay);
  EXPECT_TRUE(ni2.display_type_octet);
  const auto& dms = variant_traits(SwitchVariant::kDms100);
  EXPECT_EQ(dms.name_from_network, NameCarrier::kDisplay);
  EXPECT_TRUE(dms.display_type_octet);
  const auto& qsig = variant_traits(SwitchVariant::kQsig);
  EXPECT_EQ(qsig.name_from_network, NameCarrier::kFacility);
  EXPECT_EQ(qsig.name_from_user, NameCarrier::kFacility);
  EXPECT_FALSE(qsig.name_from_received_display);
}

TEST(SwitchVariant, CodecFactsDifferWhereLibpriSaysTheyDo) {
  EXPECT_FALSE(variant_traits(SwitchVariant::kQsig).channel_interface_identifier);
  EXPECT_TRUE(variant_traits(SwitchVariant::kNi2).channel_interface_identifier);
  EXPECT_TRUE(variant_traits(SwitchVariant::kAtt4ess).skips_non_locking_shifted_ies);
  EXPECT_TRUE(variant_traits(SwitchVariant::kLucent5ess).skips_non_locking_shifted_ies);
  EXPECT_FALSE(variant_traits(SwitchVariant::kNi2).skips_non_locking_shifted_ies);
  EXPECT_TRUE(variant_traits(SwitchVariant::kNi2).number_octet3_extension_quirk);
  EXPECT_FALSE(variant_traits(SwitchVariant::kEuroIsdnE1).number_octet3_extension_quirk);
  EXPECT_TRUE(variant_traits(SwitchVariant::kEuroIsdnT1).extended_notifications);
  EXPECT_FALSE(variant_traits(SwitchVariant::kQsig).extended_notifications);
  EXPECT_TRUE(variant_traits(SwitchVariant::kEuroIsdnE1).sending_complete_en_bloc);
  EXPECT_FALSE(variant_traits(SwitchVariant::kDms100).non_isdn_progress_in_answers);
  EXPECT_TRUE(variant_traits(SwitchVariant::kAtt4ess).allowed_numbers_network_provided);
  EXPECT_EQ(variant_traits(SwitchVariant::kEuroIsdnE1).usual_line, LineType::kE1);
  EXPECT_EQ(variant_traits(SwitchVariant::kEuroIsdnT1).usual_line, LineType::kT1);
  EXPECT_EQ(variant_traits(SwitchVariant::kDms100).usual_line, LineType::kT1);
}

TEST(SwitchVariant, ReservedCodesetsAreSkippedAndHighOnesPassThrough) {
  for (const auto& t : all_variants()) {
    for (std::uint8_t cs = 1; cs <= 3; ++cs) EXPECT_EQ(t.codeset_policy(cs), CodesetPolicy::kSkip);
    for (std::uint8_t cs = 4; cs <= 7; ++cs) EXPECT_EQ(t.codeset_policy(cs), CodesetPolicy::kPassThrough);
  }
}

}  // namespace
}  // namespace sipnic::pri
