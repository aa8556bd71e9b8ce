// The verification result a verifier passes on downstream (3GPP TS 24.229
// §7.2A.20): a `verstat` URI parameter on the URI of P-Asserted-Identity
// (or From when there is none), e.g.
//
//   P-Asserted-Identity: <sip:+15550102000@carrier.example;user=phone;verstat=TN-Validation-Passed>
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

// `value` (a name-addr or addr-spec header value) with its URI's verstat
// parameter set to `v`, or removed when `v` is nullopt; a verstat already
// there is replaced (one from upstream must never be passed on unchecked).
// An addr-spec value is rewritten as <addr-spec> so the parameter lands on
// the URI, not among the header parameters. nullopt if `value` is not an
// address (sip::parse_name_addr fails) or its URI is '*'.
std::optional<std::string> with_verstat(std::string_view value, std::optional<Verstat> v);

}  // namespace sipnic::stir
