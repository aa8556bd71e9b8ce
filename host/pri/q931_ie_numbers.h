// Party number IEs: called party number (Q.931 §4.5.8), calling party
// number (§4.5.10), connected number (Q.951 §3) and redirecting number
// (Q.952 §4), with their type of number, numbering plan, presentation,
// screening and redirection reason, each enum holding its Q.931 values.
//
//   octet 3   ext | type of number (3 bits) | numbering plan (4 bits)
//   octet 3a  ext | presentation (2) | spare (3) | screening (2)   calling, connected, redirecting
//   octet 3b  ext=1 | spare (3) | reason for redirection (4)     redirecting only
//   octets 4+ digits, IA5 (bit 8 clear)
//
// The called party number has no octet 3a: its octet 3 always ends the
// group. An absent octet 3a means "presentation allowed, user provided, not
// screened" (Q.931 §4.5.10); PartyNumber::has_presentation keeps whether it
// was there, so that a number re-encodes as it came.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "pri/q931_ie.h"

namespace sipnic::pri::q931 {

enum class TypeOfNumber : std::uint8_t {
  kUnknown = 0,
  kInternational = 1,
  kNational = 2,
  kNetworkSpecific = 3,
  kSubscriber = 4,
  kAbbreviated = 6,
};

enum class NumberingPlan : std::uint8_t {
  kUnknown = 0x0,
  kIsdnTelephony = 0x1,  // E.164
  kData = 0x3,           // X.121
  kTelex = 0x4,          // F.69
  kNationalStandard = 0x8,
  kPrivate = 0x9,
};

enum class Presentation : std::uint8_t {
  kAllowed = 0,
  kRestricted = 1,
  kNotAvailable = 2,  // number not available due to interworking
};

enum class Screening : std::uint8_t {
  kUserProvidedNotScreened = 0,
  kUserProvidedVerifiedAndPassed = 1,
  kUserProvidedVerifiedAndFailed = 2,
  kNetworkProvided = 3,
};

// Q.952 §4 (redirecting number octet 3b).
enum class RedirectionReason : std::uint8_t {
  kUnknown = 0x0,
  kCallForwardingBusy = 0x1,
  kCallForwardingNoReply = 0x2,
  kCallDeflection = 0x4,
  kCalledDteOutOfOrder = 0x9,
  kCallForwardingByCalledDte = 0xA,
  kCallForwardingUnconditional = 0xF,
};

struct CalledPartyNumber {
  TypeOfNumber type = TypeOfNumber::kUnknown;
  NumberingPlan plan = NumberingPlan::kIsdnTelephony;
  std::string digits;
  bool operator==(const CalledPartyNumber&) const = default;
};

// Calling party number and connected number.
struct PartyNumber {
  TypeOfNumber type = TypeOfNumber::kUnknown;
  NumberingPlan plan = NumberingPlan::kIsdnTelephony;
  bool has_presentation = true;  // octet 3a present
  Presentation presentation = Presentation::kAllowed;
  Screening screening = Screening::kUserProvidedNotScreened;
  std::string digits;
  bool operator==(const PartyNumber&) const = default;
};

struct RedirectingNumber {
  PartyNumber number;
  std::optional<RedirectionReason> reason;  // octet 3b (only with octet 3a)
  bool operator==(const RedirectingNumber&) const = default;
};

// How to read octet 3: `octet3_extension_quirk` is the variant's
// VariantTraits::number_octet3_extension_quirk.
struct NumberDecodeOptions {
  bool octet3_extension_quirk = false;
};

InformationElement to_called_party_number_ie(const CalledPartyNumber& n);
InformationElement to_calling_party_number_ie(const PartyNumber& n);
InformationElement to_connected_number_ie(const PartyNumber& n);
InformationElement to_redirecting_number_ie(const RedirectingNumber& n);

IeDecoded<CalledPartyNumber> decode_called_party_number(std::span<const std::uint8_t> contents);
IeDecoded<PartyNumber> decode_calling_party_number(std::span<const std::uint8_t> contents,
                                                   NumberDecodeOptions options = {});
IeDecoded<PartyNumber> decode_connected_number(std::span<const std::uint8_t> contents,
                                               NumberDecodeOptions options = {});
IeDecoded<RedirectingNumber> decode_redirecting_number(std::span<const std::uint8_t> contents,
                                                       NumberDecodeOptions options = {});

}  // namespace sipnic::pri::q931
