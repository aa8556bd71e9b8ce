// The verification result a verifier passes on downstream (3GPP TS 24.229
// §7.2A.20): the `verstat` tel URI parameter on the number of
// P-Asserted-Identity (or From when there is none). In a SIP URI the number
// is the user part (a telephone-subscriber, RFC 3261 §19.1.6), so verstat
// goes there, e.g.
//
//   P-Asserted-Identity: <sip:+15550102000;verstat=TN-Validation-Passed@carrier.example;user=phone>
//   From: <tel:+15550102000;verstat=TN-Validation-Failed>;tag=1
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipnic::stir {

enum class Verstat : std::uint8_t {
  kPassed,          // TN-Validation-Passed
  kFailed,          // TN-Validation-Failed
  kNoValidation,    // No-TN-Validation: no Identity header, or not checked
};
std::string_view verstat_name(Verstat v);

// `value` (a name-addr or addr-spec header value) with verstat set to `v`
// (in a SIP URI's user part; after a tel: number; among the URI parameters
// of a SIP URI without a user part), or removed when `v` is nullopt. A
// verstat already there, in the user part or among the URI parameters, is
// removed first: one from upstream must never be passed on unchecked. An
// addr-spec value is rewritten as <addr-spec> so nothing lands among the
// header parameters. nullopt if `value` is not an address
// (sip::parse_name_addr fails), its URI has no scheme or holds a byte no
// URI has (blank, control, non-ASCII, '<', '>', '"'), or it is '*'.
std::optional<std::string> with_verstat(std::string_view value, std::optional<Verstat> v);

}  // namespace sipnic::stir
