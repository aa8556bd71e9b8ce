// What the B2BUA does with every header it meets, one rule per header: the
// table in header_rules.cpp is the one source, docs/sip-core.md ("Headers
// across the B2BUA") shows it and a test holds the two equal.
//
// A B2BUA is two user agents: nothing crosses from one leg to the other
// unless a rule says so. Headers that describe the endpoints' session and
// identity cross (relayed, or rewritten where they carry a URI whose host
// is the other side's topology); headers about one hop are acted on there
// (consumed) or made anew by sipnic on each leg (generated); the rest, and
// every header the table does not know, are dropped.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sip/message.h"

namespace sipnic::interwork {

enum class HeaderRule : std::uint8_t {
  kRelayed,    // copied to the other leg as it is
  kRewritten,  // copied with the host of each sip:/sips: URI in it replaced by the leg's own
  kConsumed,   // acted on by sipnic on the leg it arrived on; not copied
  kGenerated,  // sipnic writes its own on each leg; the other leg's is not copied
  kDropped,    // neither copied nor acted on
};
std::string_view header_rule_name(HeaderRule rule);  // "relayed", "rewritten", ...

struct HeaderRuleEntry {
  std::string_view name;     // canonical form
  std::string_view compact;  // RFC 3261 §7.3.3 compact form; "" if none
  HeaderRule rule;
  std::string_view why;      // one line: docs/sip-core.md shows it
};

// Every header with a rule, in the order docs/sip-core.md lists them.
std::span<const HeaderRuleEntry> header_rules();
// The rule of a header name (long or compact form, any case); unknown
// names are dropped.
HeaderRule header_rule(std::string_view name);

// The header lines of `m` that cross to the other leg: relayed ones as they
// are, rewritten ones with `own_host` (sipnic's address on that leg, as a
// URI host) in place of each sip:/sips: URI's host and port. Content-Type is
// relayed but left out here: the message builders write it with the body.
std::string crossing_headers(const sip::SipMessage& m, std::string_view own_host);

// One header value with the host of every sip:/sips: URI in it replaced by
// `own_host`; the port, and the URI parameters that name the old host's
// transport (maddr, transport, lr), go with it, and so does a Replaces URI
// header (RFC 3891: it names a dialog of the other side). tel: and other
// schemes are kept; an element that does not decode is left out.
std::string rewrite_uri_hosts(std::string_view value, std::string_view own_host);

// The Request-URI parameters that cross with it (RFC 4458: `target`, the
// retargeted-from URI, and `cause`, why), from the parameter text of a
// Request-URI (";user=phone;target=...;cause=486"). A sip:/sips: `target`
// takes `own_host` as rewrite_uri_hosts does, and is escaped again; one that
// does not decode is left out.
std::string retargeting_uri_params(std::string_view uri_params, std::string_view own_host);

// A URI header value (RFC 3261 §25.1 hvalue): bytes other than unreserved
// and hnv-unreserved as %HH ("a;b=c" -> "a%3Bb%3Dc").
std::string escape_uri_header_value(std::string_view value);

}  // namespace sipnic::interwork
