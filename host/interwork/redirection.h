// Redirection history across the B2BUA: Diversion (RFC 5806) and
// History-Info (RFC 7044, with the RFC 4458 `cause` URI parameter) kept as
// they are, or converted to the one a trunk takes (`redirection =` per
// trunk, docs/config.md), after RFC 6044's mapping:
//
// - Diversion -> History-Info: the diverting users, oldest first, become a
//   chain of entries (index 1, 1.1, 1.1.1, ...; `mp` naming the parent),
//   each later entry's URI carrying the `cause` of the diversion that led
//   to it, the last one the Request-URI the call now goes to.
// - History-Info -> Diversion: each entry whose URI has a `cause` was a
//   diversion by the entry before it: that one's URI is the diverting user,
//   with the `reason` for the cause; newest first, `counter=1` each. Entries
//   without a `cause` (a proxy's retargeting) are no diversions.
//
// Reasons and causes (RFC 6044 §7): unconditional 302, user-busy 486,
// no-answer 408, deflection 480 (487: deflection while alerting, back to
// deflection), unavailable and out-of-service 503, unknown, time-of-day and
// anything else 404.
#pragma once

#include <string>
#include <string_view>

#include "core/config.h"

namespace sipnic::interwork {

// `headers`: header lines as crossing_headers (header_rules.h) writes them,
// one "Name: value\r\n" each. Returns them with Diversion and History-Info
// in the form `want` says (kKeep: unchanged). `request_uri` is where the
// call goes now (the last History-Info entry made from Diversion).
std::string convert_redirection(std::string_view headers, core::RedirectionHeader want, std::string_view request_uri);

// RFC 6044 §7 (see above).
int cause_for_diversion_reason(std::string_view reason);
std::string_view diversion_reason_for_cause(int cause);

}  // namespace sipnic::interwork
