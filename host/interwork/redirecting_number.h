// interwork redirecting number: a span's redirecting number (Q.931/Q.952:
// the party that forwarded or deflected the call, and why) as SIP's
// redirection history and back (docs/gateway.md, "Redirection"):
//   - a Diversion header value (RFC 5806) with the reason Q.952's names,
//     `counter=1`, and `privacy=full` for a number not to be shown; a trunk
//     that wants History-Info gets it from there (redirection.h, RFC 6044);
//   - RFC 4458's `target` and `cause` Request-URI parameters, for a call
//     sent to a voicemail or IVR server: whom the call was for, and why it
//     came here.
// From SIP the newest diversion counts: the first Diversion value, or the
// last History-Info entry that carries a cause (converted as redirection.h
// does); failing both, a Request-URI's `target` and `cause`.
//
// Reasons, Q.952 <-> RFC 5806: unconditional <-> unconditional, busy <->
// user-busy, no reply <-> no-answer, deflection <-> deflection, called DTE
// out of order <-> out-of-service (and unavailable), unknown <-> unknown;
// Q.952's "forwarding by the called DTE" has no RFC 5806 reason and goes as
// unknown; time-of-day, do-not-disturb, follow-me and away (forwarding
// without trying the user) come back as unconditional.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "pri/q931_ie_numbers.h"

namespace sipnic::interwork {

std::string_view diversion_reason_for(std::optional<pri::q931::RedirectionReason> reason);
pri::q931::RedirectionReason redirection_reason_for(std::string_view diversion_reason);

// `<sip:+13035550100@HOST;user=phone>;reason=user-busy;counter=1`.
std::string diversion_for(const pri::q931::RedirectingNumber& redirecting, const core::SpanNumbering& span,
                          std::string_view host);
// `base` with `;target=` (the redirecting party's URI, escaped) and
// `;cause=` (RFC 4458's code for the reason) added.
std::string request_uri_with_target(std::string_view base, const pri::q931::RedirectingNumber& redirecting,
                                    const core::SpanNumbering& span, std::string_view host);

// `headers`: the request's header lines, one "Name: value\r\n" each (as
// crossing_headers writes them); `request_uri` its Request-URI. nullopt
// when neither names a redirecting party with a number.
std::optional<pri::q931::RedirectingNumber> redirecting_of(std::string_view headers, std::string_view request_uri,
                                                           const core::SpanNumbering& span);

}  // namespace sipnic::interwork
