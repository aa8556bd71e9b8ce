// interwork calling identity: a span's calling party number and name in an
// INVITE's From, P-Asserted-Identity and Privacy (RFC 3325, RFC 3323), and
// back (docs/gateway.md, "Calling identity").
//
// To SIP: a number the far end may show goes in From and in
// P-Asserted-Identity; a restricted one only in P-Asserted-Identity, with
// `Privacy: id`, and From is anonymous (RFC 3323 §4.1.1.3); no number, or
// one not available through interworking, is an anonymous From alone. A
// number that failed screening (user provided, verified and failed) is
// asserted by no one: From only while it may be shown, nowhere when
// restricted. The name goes with the number: in From's display name while
// presentation is allowed, "Anonymous" otherwise.
//
// From SIP: the number of P-Asserted-Identity (its first value naming one)
// is the network's (screening `network provided`), else From's number is
// the user's (`user provided, not screened`); presentation is restricted
// with `Privacy: id`, `user` or `header`, or an anonymous From; no number
// at all is "not available" (Q.931's interworking value). The name is
// From's display name, unless restricted or "Anonymous".
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/config.h"
#include "pri/q931_ie_numbers.h"

namespace sipnic::interwork {

struct SipIdentity {
  std::string from;                      // From's value without its tag: `"Name" <sip:...>`
  std::optional<std::string> asserted;   // P-Asserted-Identity's value
  std::optional<std::string> privacy;    // Privacy's value ("id")
  bool operator==(const SipIdentity&) const = default;
};

struct IsdnIdentity {
  std::optional<pri::q931::PartyNumber> calling;
  std::string name;  // "" = none
  bool operator==(const IsdnIdentity&) const = default;
};

// `host`: what a sip: URI of a number names after the @ (the node's address
// or domain on the trunk).
SipIdentity identity_to_sip(const std::optional<pri::q931::PartyNumber>& calling, std::string_view name,
                            const core::SpanNumbering& span, std::string_view host);
// `from`: From's value; `asserted`: the P-Asserted-Identity header values
// (each may list two, a sip: and a tel: URI); `privacy`: Privacy's value.
IsdnIdentity identity_to_isdn(std::string_view from, std::span<const std::string_view> asserted,
                              std::string_view privacy, const core::SpanNumbering& span);

}  // namespace sipnic::interwork
