// Telephone numbers as STIR compares them (RFC 8224 §8.3): the canonical
// form keeps the digits (and '*', '#' of service codes) and drops a leading
// '+' and visual separators. No country code is added: sipnic does not know
// a number's national context, so both ends must send E.164 numbers for
// orig/dest to match (RFC 8588 §3 asks for that).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sipnic::stir {

// The canonical TN of `text` ("+1 (555) 010-2000" -> "15550102000"), or
// nullopt if it holds a character that is no digit, '*', '#', leading '+' or
// visual separator ("-", ".", "(", ")", " "), or no digit at all.
std::optional<std::string> canonical_tn(std::string_view text);

// The canonical TN that a From, To, P-Asserted-Identity value (name-addr or
// addr-spec) or a Request-URI names: a tel: URI's number, or a sip:/sips:
// URI's user part (without its user parameters) when that is a number.
// nullopt for anything else ("sip:alice@example.com").
std::optional<std::string> tn_from_address(std::string_view value);
// The same for a header that may list several addresses (P-Asserted-Identity
// may carry a sip: and a tel: URI): the first one that names a number.
std::optional<std::string> tn_from_address_list(std::string_view value);

}  // namespace sipnic::stir
