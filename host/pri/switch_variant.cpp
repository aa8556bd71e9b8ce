#include "pri/switch_variant.h"

namespace sipnic::pri {

namespace {

constexpr std::array<CodesetPolicy, 4> kPassAll{CodesetPolicy::kPassThrough, CodesetPolicy::kPassThrough,
                                                CodesetPolicy::kPassThrough, CodesetPolicy::kPassThrough};

constexpr VariantTraits euroisdn(SwitchVariant v, std::string_view name, std::string_view description,
                                 LineType line) {
  return VariantTraits{
      .variant = v,
      .name = name,
      .description = description,
      .usual_line = line,
      .maintenance = nullptr,
      .name_from_network = NameCarrier::kDisplay,
      .name_from_user = NameCarrier::kNone,
      .max_name_length = 0,
      .name_from_received_display = true,
      .display_type_octet = false,
      .number_octet3_extension_quirk = false,
      .allowed_numbers_network_provided = false,
      .skips_non_locking_shifted_ies = false,
      .high_codesets = kPassAll,
      .channel_interface_identifier = true,
      .extended_notifications = true,
      .sending_complete_en_bloc = true,
      .non_isdn_progress_in_answers = true,
  };
}

// The North American custom and national variants share most of their
// traits; `custom` names what differs.
struct NorthAmerican {
  SwitchVariant variant;
  std::string_view name;
  std::string_view description;
  const MaintenanceProtocol* maintenance;
  NameCarrier name_from_network;
  std::uint8_t max_name_length;
  bool allowed_numbers_network_provided;
  bool skips_non_locking_shifted_ies;
  bool non_isdn_progress_in_answers;
};

constexpr VariantTraits north_american(const NorthAmerican& custom) {
  return VariantTraits{
      .variant = custom.variant,
      .name = custom.name,
      .description = custom.description,
      .usual_line = LineType::kT1,
      .maintenance = custom.maintenance,
      .name_from_network = custom.name_from_network,
      .name_from_user = NameCarrier::kDisplay,
      .max_name_length = custom.max_name_length,
      .name_from_received_display = true,
      .display_type_octet = true,
      .number_octet3_extension_quirk = true,
      .allowed_numbers_network_provided = custom.allowed_numbers_network_provided,
      .skips_non_locking_shifted_ies = custom.skips_non_locking_shifted_ies,
      .high_codesets = kPassAll,
      .channel_interface_identifier = true,
      .extended_notifications = false,
      .sending_complete_en_bloc = false,
      .non_isdn_progress_in_answers = custom.non_isdn_progress_in_answers,
  };
}

constexpr std::array<VariantTraits, 7> kVariants{
    euroisdn(SwitchVariant::kEuroIsdnE1, "euroisdn-e1", "EuroISDN (ETSI EN 300 403) on E1", LineType::kE1),
    euroisdn(SwitchVariant::kEuroIsdnT1, "euroisdn-t1", "EuroISDN (ETSI EN 300 403) on T1", LineType::kT1),
    north_american({.variant = SwitchVariant::kNi2,
                    .name = "ni2",
                    .description = "National ISDN-2",
                    .maintenance = &kNationalMaintenance,
                    .name_from_network = NameCarrier::kFacility,
                    .max_name_length = 15,
                    .allowed_numbers_network_provided = false,
                    .skips_non_locking_shifted_ies = false,
                    .non_isdn_progress_in_answers = true}),
    north_american({.variant = SwitchVariant::kDms100,
                    .name = "dms100",
                    .description = "Nortel DMS-100 custom",
                    .maintenance = nullptr,
                    .name_from_network = NameCarrier::kDisplay,
                    .max_name_length = 0,
                    .allowed_numbers_network_provided = true,
                    .skips_non_locking_shifted_ies = false,
                    .non_isdn_progress_in_answers = false}),
    north_american({.variant = SwitchVariant::kAtt4ess,
                    .name = "4ess",
                    .description = "AT&T 4ESS custom (TR41459)",
                    .maintenance = &kAttMaintenance,
                    .name_from_network = NameCarrier::kDisplay,
                    .max_name_length = 0,
                    .allowed_numbers_network_provided = true,
                    .skips_non_locking_shifted_ies = true,
                    .non_isdn_progress_in_answers = true}),
    north_american({.variant = SwitchVariant::kLucent5ess,
                    .name = "5ess",
                    .description = "Lucent 5ESS custom (TR41459)",
                    .maintenance = &kAttMaintenance,
                    .name_from_network = NameCarrier::kDisplay,
                    .max_name_length = 0,
                    .allowed_numbers_network_provided = false,
                    .skips_non_locking_shifted_ies = true,
                    .non_isdn_progress_in_answers = true}),
    VariantTraits{
        .variant = SwitchVariant::kQsig,
        .name = "qsig",
        .description = "QSIG basic call (ECMA-143)",
        .usual_line = LineType::kE1,
        .maintenance = nullptr,
        .name_from_network = NameCarrier::kFacility,
        .name_from_user = NameCarrier::kFacility,
        .max_name_length = 50,  // ECMA-164 Name: up to 50 octets
        .name_from_received_display = false,
        .display_type_octet = false,
        .number_octet3_extension_quirk = false,
        .allowed_numbers_network_provided = false,
        .skips_non_locking_shifted_ies = false,
        .high_codesets = kPassAll,
        .channel_interface_identifier = false,
        .extended_notifications = false,
        .sending_complete_en_bloc = false,
        .non_isdn_progress_in_answers = true,
    },
};

static_assert([] {
  for (std::size_t i = 0; i < kVariants.size(); ++i)
    if (static_cast<std::size_t>(kVariants[i].variant) != i) return false;
  return true;
}(), "kVariants is indexed by SwitchVariant");

}  // namespace

const MaintenanceProtocol* maintenance_protocol(std::uint8_t protocol_discriminator) {
  if (protocol_discriminator == kAttMaintenance.protocol_discriminator) return &kAttMaintenance;
  if (protocol_discriminator == kNationalMaintenance.protocol_discriminator) return &kNationalMaintenance;
  return nullptr;
}

const VariantTraits& variant_traits(SwitchVariant v) { return kVariants[static_cast<std::size_t>(v)]; }

SwitchVariant variant_of(core::SwitchVariant configured, core::SpanType line) {
  switch (configured) {
    case core::SwitchVariant::kEuroIsdn:
      return line == core::SpanType::kE1 ? SwitchVariant::kEuroIsdnE1 : SwitchVariant::kEuroIsdnT1;
    case core::SwitchVariant::kNi2: return SwitchVariant::kNi2;
    case core::SwitchVariant::kDms100: return SwitchVariant::kDms100;
    case core::SwitchVariant::k4ess: return SwitchVariant::kAtt4ess;
    case core::SwitchVariant::k5ess: return SwitchVariant::kLucent5ess;
    case core::SwitchVariant::kQsig: return SwitchVariant::kQsig;
  }
  return SwitchVariant::kEuroIsdnE1;
}

const std::array<VariantTraits, 7>& all_variants() { return kVariants; }

}  // namespace sipnic::pri
