// The switch variants a span can speak, and what they differ in: one table
// (switch_variant.cpp) that the Q.931 codec and the call state machine both
// read, so that a variant's quirks live in one place.
//
// The facts come from the variants' specifications as libpri (q931.c,
// pri.c, pri_facility.c, its change log) implements them; each field says
// where it matters. Variants:
//   EuroISDN  ETSI EN 300 403 (DSS1), on E1 or on T1;
//   NI-2      National ISDN-2 (Telcordia GR-1367 and friends), T1;
//   DMS-100   Nortel DMS-100 custom, T1;
//   4ESS      AT&T 4ESS custom (TR41459), T1;
//   5ESS      Lucent 5ESS custom (TR41459), T1;
//   QSIG      ECMA-143 / ISO 11572 basic call between PBXs, usually E1.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/config.h"
#include "pri/line_type.h"

namespace sipnic::pri {

enum class SwitchVariant : std::uint8_t { kEuroIsdnE1, kEuroIsdnT1, kNi2, kDms100, kAtt4ess, kLucent5ess, kQsig };

// The B-channel maintenance protocol of SERVICE / SERVICE ACKNOWLEDGE: its
// own protocol discriminator, and message type codes that the two
// discriminators use the other way round (libpri d9af5b2: "The 'national'
// SERVICE/SERVICE ACKNOWLEDGE and AT&T SERVICE/SERVICE ACKNOWLEDGE message
// values are opposite of each other").
struct MaintenanceProtocol {
  std::uint8_t protocol_discriminator;
  std::uint8_t service_code;
  std::uint8_t service_acknowledge_code;
  std::string_view name;
};
inline constexpr MaintenanceProtocol kAttMaintenance{0x03, 0x0F, 0x07, "AT&T maintenance"};
inline constexpr MaintenanceProtocol kNationalMaintenance{0x43, 0x07, 0x0F, "national maintenance"};

// The maintenance protocol a protocol discriminator names, if any.
const MaintenanceProtocol* maintenance_protocol(std::uint8_t protocol_discriminator);

// Where a variant carries the calling party's name.
enum class NameCarrier : std::uint8_t {
  kNone,      // not sent
  kDisplay,   // a Display IE (0x28) in the SETUP
  kFacility,  // a Facility IE: the ROSE callingName operation (ECMA-164 / GR-1367)
};

// What the codec does with IEs of a codeset other than 0 (kept raw either way).
enum class CodesetPolicy : std::uint8_t {
  kPassThrough,  // kept in the decoded message, for the state machine to pass on
  kSkip,         // dropped (counted in the decode warnings)
};

struct VariantTraits {
  SwitchVariant variant;
  std::string_view name;  // for logs: "euroisdn-e1", "ni2", ...
  std::string_view description;
  LineType usual_line;           // the line the variant runs on unless configured otherwise

  // SERVICE / SERVICE ACKNOWLEDGE B-channel maintenance and the Change
  // status IE (codeset 0, 0x01) they carry; nullptr: the variant has neither,
  // and a Change status IE is an unrecognised comprehension-required IE.
  const MaintenanceProtocol* maintenance;

  // Calling name. The network side of NI-2 sends it in a Facility IE (and
  // caps it at 15 characters, GR-1367); NI-2 users, DMS-100 and the AT&T
  // variants send a Display IE; EuroISDN networks send a Display IE and
  // EuroISDN users send none (Display is network-to-user only in EN 300
  // 403); QSIG sends only the Facility name and blocks Display both ways.
  NameCarrier name_from_network;
  NameCarrier name_from_user;
  std::uint8_t max_name_length;  // characters; 0: the Display IE's own limit
  // Names are also taken from a received Display IE (codeset 0, or codeset 6
  // as some North American switches send it); QSIG ignores Display.
  bool name_from_received_display;
  // The Display IE starts with a display type octet (bit 8 set; 0xB1 for a
  // calling party name) before the text: the North American variants.
  bool display_type_octet;

  // Lucent and NI switches set the extension bit of a party number's octet
  // 3 although octet 3a (presentation and screening) follows; when true, an
  // octet with bit 8 set right after octet 3 is read as octet 3a (digits are
  // IA5 and never have bit 8 set, so nothing else can be meant).
  bool number_octet3_extension_quirk;
  // DMS-100 and 4ESS refuse a presentation-allowed number that is not
  // network provided: a sender marks such numbers "network provided".
  bool allowed_numbers_network_provided;

  // TR41459 (4ESS, 5ESS): IEs reached through a non-locking shift are ignored.
  bool skips_non_locking_shifted_ies;
  // Codesets 4, 5, 6 and 7 (ISO/IEC, national, local network, user
  // specific), in that order; codesets 1-3 are reserved, and their IEs are
  // always skipped. libpri knows no variant that drops them: all pass through,
  // and a span's config may say otherwise.
  std::array<CodesetPolicy, 4> high_codesets;
  CodesetPolicy codeset_policy(std::uint8_t codeset) const {
    return codeset >= 4 && codeset <= 7 ? high_codesets[codeset - 4] : CodesetPolicy::kSkip;
  }

  // Channel identification: whether octet 3.1 (the interface identifier,
  // which NFAS needs) may be sent. ECMA-143 has no octet 3.1.
  bool channel_interface_identifier;
  // Notification indicator: EuroISDN knows the Q.932 / EN 300 196
  // descriptions beyond Q.931's three (user suspended, user resumed, bearer
  // service change); the others only those three.
  bool extended_notifications;
  // EuroISDN: a SETUP with the complete number carries Sending complete.
  bool sending_complete_en_bloc;
  // A progress indicator "called/calling equipment is non-ISDN" may go in
  // SETUP ACKNOWLEDGE and CONNECT; DMS-100 does not accept it there.
  bool non_isdn_progress_in_answers;
};

const VariantTraits& variant_traits(SwitchVariant v);
// The variant a span speaks: its config's `switch` (core::SwitchVariant,
// whose names the config owns) on its line type; EuroISDN is a variant per
// line type here because its channel identification differs.
SwitchVariant variant_of(core::SwitchVariant configured, core::SpanType line);
// Every variant, in the enum's order (for config errors and docs).
const std::array<VariantTraits, 7>& all_variants();

}  // namespace sipnic::pri
