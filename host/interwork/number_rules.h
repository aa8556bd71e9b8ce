// interwork number rules: a span's numbers (Q.931 type of number, numbering
// plan and digits) in SIP's terms and back (docs/gateway.md, "Numbers").
//
// SIP carries a telephone number as global, the E.164 "+" form (RFC 3966
// global-number), or local, digits as dialled that need their context. A
// span's SpanNumbering (country code, area code, prefixes) says how its
// numbers become global:
//   international       +digits
//   national            +CC digits              (local without a country code)
//   subscriber          +CC AREA digits          (local without both)
//   unknown             as dialled: the international prefix first makes it
//                       international, the national prefix national (each
//                       prefix removed), anything else stays local
//   network-specific, abbreviated, and any plan but E.164/unknown: local
// and back: +CC... with the span's own country code is national (its
// digits after CC), any other + number international, a local number
// unknown (as dialled), all in the E.164 plan.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "pri/q931_ie_numbers.h"

namespace sipnic::interwork {

// A telephone number as SIP carries it: `digits` are 0-9 (and * # for a
// local dial string); a global one is CC and national number, written
// "+digits".
struct SipNumber {
  std::string digits;
  bool global = false;
  std::string text() const { return global ? "+" + digits : digits; }
  bool operator==(const SipNumber&) const = default;
};

// A number in Q.931's terms.
struct IsdnNumber {
  pri::q931::TypeOfNumber type = pri::q931::TypeOfNumber::kUnknown;
  pri::q931::NumberingPlan plan = pri::q931::NumberingPlan::kIsdnTelephony;
  std::string digits;
  bool operator==(const IsdnNumber&) const = default;
};

SipNumber to_sip(const IsdnNumber& number, const core::SpanNumbering& span);
IsdnNumber to_isdn(const SipNumber& number, const core::SpanNumbering& span);

// The telephone number a URI names: a tel: URI (RFC 3966: visual separators
// - . ( ) removed; a local number with a global phone-context "+..." is
// that context's number, RFC 3966 §5.1.5), or a sip:/sips: URI whose user
// part is one (with or without user=phone; its own ;params cut). nullopt
// for anything else ("sip:alice@...", a tel: URI with letters, no user).
std::optional<SipNumber> number_of_uri(std::string_view uri);

// URIs for a number: `tel:+13035550100`; `sip:+13035550100@HOST;user=phone`
// (a local number likewise, without the +).
std::string tel_uri(const SipNumber& number);
std::string sip_uri(const SipNumber& number, std::string_view host);

}  // namespace sipnic::interwork
