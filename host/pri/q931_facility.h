// The calling name in a Facility IE (Q.932 §8.2.3): the contents of a
// Facility IE carrying one ROSE Invoke of the callingName operation, in the
// two forms the switch variants use, encoded and decoded.
//
//   octet 3      ext=1 | spare | protocol profile: 0x9F networking
//                extensions (sent), 0x91 remote operations (also accepted)
//   header       QSIG (ECMA-165 §7): NetworkFacilityExtension [10] {
//                sourceEntity [0] endPINX, destinationEntity [2] endPINX },
//                then InterpretationApdu [11] discardAnyUnrecognisedInvokePdu;
//                NI-2 (GR-1367 as libpri sends it): the InterpretationApdu only
//   component    Invoke [1] { invokeId INTEGER, operation INTEGER 0
//                (callingName, ECMA-164 localValue), argument Name }
//   Name         (ECMA-164) namePresentationAllowedSimple [0] IMPLICIT
//                NameData, namePresentationAllowedExtended [1] IMPLICIT
//                NameSet, namePresentationRestrictedSimple [2],
//                namePresentationRestrictedExtended [3],
//                nameNotAvailable [4] IMPLICIT NULL,
//                namePresentationRestrictedNull [7] IMPLICIT NULL; NameData
//                an OCTET STRING of 1 to 50 octets, NameSet a SEQUENCE of
//                NameData and an optional characterSet INTEGER.
//
// NI-2 uses the QSIG name operations under its own profile (libpri's NI-2
// table has them as "pirated" from Q.SIG), so both forms share the
// component and differ in the header.
//
// The decoder takes either profile and either header whatever the variant
// (as libpri does; also DMS-100's octet 3 without its ext bit, followed by
// a service indicator octet), the header's elements in any order, BER
// definite lengths in the short and the long form (up to four length
// octets), the operation as localValue 0 or as the global value 1.3.12.9.0
// of ECMA-164's earlier editions, and the argument as a bare Name or as the
// SEQUENCE { name, extension } of ECMA-164. It reads the components in turn
// and returns the name of the first well-formed callingName Invoke. A
// component that is not one is skipped: another operation, a ReturnResult,
// ReturnError or Reject, an unknown tag, and a callingName whose argument is
// malformed (a name of 0 or more than 50 octets, a NameData that is not a
// primitive OCTET STRING, a NULL with contents, a character set beyond 255,
// an alternative ECMA-164 does not have). It returns nullopt when no
// component is one, when the profile is neither of the two, and when the
// octets cannot be delimited before one is found (a length past its
// container, an indefinite length, a multi-octet tag). Every read is
// bounded by its container and the structure is walked without recursion
// (at most three levels: component, argument sequence, NameSet), so any
// input of any length is safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pri/q931_ie.h"
#include "pri/switch_variant.h"

namespace sipnic::pri::q931 {

// ECMA-164 Name: its presentation.
enum class NamePresentation : std::uint8_t {
  kAllowed,         // namePresentationAllowed: the name may be shown
  kRestricted,      // namePresentationRestricted with the name
  kRestrictedNull,  // namePresentationRestrictedNull: restricted, no name given
  kNotAvailable,    // nameNotAvailable
};

// ECMA-164 CharacterSet values sipnic names (any 0-255 is carried).
inline constexpr std::uint8_t kNameCharacterSetUnknown = 0;
inline constexpr std::uint8_t kNameCharacterSetIso8859_1 = 1;  // the default
inline constexpr std::size_t kMaxNameOctets = 50;              // NameData SIZE (1..50)

struct CallingName {
  NamePresentation presentation = NamePresentation::kAllowed;
  // The NameData octets as received (ISO 8859-1 unless `character_set`
  // says otherwise); empty for kRestrictedNull and kNotAvailable.
  std::string name;
  // characterSet of the extended forms; a simple form is ISO 8859-1.
  std::uint8_t character_set = kNameCharacterSetIso8859_1;
  bool operator==(const CallingName&) const = default;
};

// The header before the component: which switch family's form.
enum class FacilityForm : std::uint8_t {
  kQsig,  // ECMA-165: network facility extension (endPINX to endPINX) and interpretation APDU
  kNi2,   // GR-1367 as libpri sends it: interpretation APDU only
};
// The form `variant` sends: QSIG's for QSIG, NI-2's for the others (libpri
// sends the NI-2 form on NI-2, 4ESS and 5ESS).
FacilityForm facility_form(SwitchVariant variant);

// The Facility IE contents (octet 3 on) of a callingName Invoke with
// `invoke_id` (0 to 32767, taken modulo 32768). A name of kAllowed or
// kRestricted goes in the simple form when its character set is ISO 8859-1
// and in the extended form otherwise; it is cut to 50 octets, and an empty
// one is sent as nameNotAvailable (allowed) or namePresentationRestrictedNull.
std::vector<std::uint8_t> encode_calling_name_facility(const CallingName& name, FacilityForm form,
                                                       std::uint16_t invoke_id);
InformationElement to_calling_name_facility_ie(const CallingName& name, FacilityForm form, std::uint16_t invoke_id);

// The calling name a Facility IE's contents (octet 3 on) carry, if any
// (see the top of this file for what is accepted).
std::optional<CallingName> decode_calling_name_facility(std::span<const std::uint8_t> contents);

}  // namespace sipnic::pri::q931
