#include "interwork/header_rules.h"

#include <array>
#include <cctype>

#include "sip/header_values.h"

namespace sipnic::interwork {

namespace {

using R = HeaderRule;

// The rules. Grouped as docs/sip-core.md shows them; keep the why short.
constexpr HeaderRuleEntry kRules[] = {
    // Dialog and transaction identifiers, routing and framing: each leg's own.
    {"Via", "v", R::kGenerated, "sipnic's own sent-by on each leg (RFC 3261 §8.1.1.7)"},
    {"Route", "", R::kGenerated, "each leg's route set (RFC 3261 §12.2.1.1)"},
    {"Record-Route", "", R::kGenerated, "echoed to the leg it came from only (§12.1.1)"},
    {"Contact", "m", R::kGenerated, "sipnic's address on the leg"},
    {"From", "f", R::kGenerated, "display name and user kept, host and tag the leg's"},
    {"To", "t", R::kGenerated, "user from the route, host the trunk's peer"},
    {"Call-ID", "i", R::kGenerated, "a new one on leg B"},
    {"CSeq", "", R::kGenerated, "each dialog's own sequence"},
    {"Max-Forwards", "", R::kGenerated, "the inbound value less one (RFC 3261 §16.6)"},
    {"Content-Length", "l", R::kGenerated, "of the body sent"},
    // Capabilities and extensions: negotiated per leg.
    {"Allow", "", R::kGenerated, "the methods sipnic relays"},
    {"Supported", "k", R::kGenerated, "the option tags sipnic implements on the leg"},
    {"Require", "", R::kConsumed, "option tags the hop must implement: 420 for any sipnic lacks"},
    {"Proxy-Require", "", R::kConsumed, "as Require, for proxies (RFC 3261 §20.29)"},
    {"Unsupported", "", R::kConsumed, "what the hop lacks, in its 420"},
    {"Session-Expires", "x", R::kConsumed, "negotiated per leg (RFC 4028): sipnic writes each leg's own"},
    {"Min-SE", "", R::kConsumed, "as Session-Expires"},
    {"RSeq", "", R::kConsumed, "reliable provisionals are per leg (RFC 3262): sipnic PRACKs and numbers its own"},
    {"RAck", "", R::kConsumed, "as RSeq"},
    {"Timestamp", "", R::kDropped, "a hop's round-trip measure (RFC 3261 §8.2.6.1)"},
    // Authentication: between sipnic and each trunk.
    {"Authorization", "", R::kConsumed, "credentials for this hop (RFC 3261 §22)"},
    {"Proxy-Authorization", "", R::kConsumed, "as Authorization"},
    {"WWW-Authenticate", "", R::kConsumed, "a challenge to sipnic, which answers it with the trunk's credentials"},
    {"Proxy-Authenticate", "", R::kConsumed, "as WWW-Authenticate"},
    {"Authentication-Info", "", R::kConsumed, "as WWW-Authenticate"},
    // The session and its description: end to end.
    {"Content-Type", "c", R::kRelayed, "with the body, which crosses as it is"},
    {"Content-Disposition", "", R::kRelayed, "of the body"},
    {"Content-Encoding", "e", R::kRelayed, "of the body"},
    {"Content-Language", "", R::kRelayed, "of the body"},
    {"MIME-Version", "", R::kRelayed, "of the body"},
    {"Accept", "", R::kRelayed, "body formats the endpoint takes"},
    {"Accept-Encoding", "", R::kRelayed, "as Accept"},
    {"Accept-Language", "", R::kRelayed, "as Accept"},
    {"Subject", "s", R::kRelayed, "the call's subject"},
    {"Priority", "", R::kRelayed, "the call's urgency"},
    {"Alert-Info", "", R::kRelayed, "the ring the callee plays"},
    {"Reason", "", R::kRelayed, "why the call or request ended (RFC 3326)"},
    {"Retry-After", "", R::kRelayed, "when the endpoint may be tried again"},
    {"Expires", "", R::kRelayed, "the life the requester asks for, or the one granted"},
    {"Min-Expires", "", R::kRelayed, "the shortest life the endpoint grants (423)"},
    {"Date", "", R::kRelayed, "the sender's time (STIR/SHAKEN reads it)"},
    {"Identity", "y", R::kRelayed, "a PASSporT (RFC 8224); sipnic's own replaces it toward a trunk with stir-attest"},
    // Identity and history: end to end, with hosts made the leg's own.
    {"P-Asserted-Identity", "", R::kRewritten, "the caller's asserted identity (RFC 3325), with the STIR verstat"},
    {"Privacy", "", R::kRelayed, "the caller's privacy wishes (RFC 3323)"},
    {"Diversion", "", R::kRewritten, "redirections of the call (RFC 5806)"},
    {"History-Info", "", R::kRewritten, "the call's retargeting history (RFC 7044)"},
    // Products and hosts of the other side.
    {"User-Agent", "", R::kDropped, "names the other side's product"},
    {"Server", "", R::kDropped, "as User-Agent"},
    {"Warning", "", R::kDropped, "its warn-agent names a host of the other side"},
    {"Organization", "", R::kDropped, "names the other side's owner"},
    {"Call-Info", "", R::kDropped, "URLs into the other side's network"},
    {"Error-Info", "", R::kDropped, "as Call-Info"},
    // Caller preferences are for proxies of this hop (RFC 3841).
    {"Accept-Contact", "a", R::kDropped, "for the hop's proxies (RFC 3841)"},
    {"Reject-Contact", "j", R::kDropped, "as Accept-Contact"},
    {"Request-Disposition", "d", R::kDropped, "as Accept-Contact"},
    // Events and state publication (RFC 6665, RFC 3903): end to end.
    {"Event", "o", R::kRelayed, "the event package of a PUBLISH or NOTIFY"},
    {"SIP-ETag", "", R::kRelayed, "the entity tag a PUBLISH's 2xx assigns (RFC 3903)"},
    {"SIP-If-Match", "", R::kRelayed, "the entity tag a PUBLISH refreshes or modifies"},
    {"Subscription-State", "", R::kRelayed, "the state of the subscription a NOTIFY reports on"},
    {"Allow-Events", "u", R::kRelayed, "the event packages the endpoint takes subscriptions for"},
    // Transfer (RFC 3515): the transferee reaches the target through sipnic.
    {"Refer-To", "r", R::kRewritten, "the transfer target, to be reached through sipnic"},
    {"Referred-By", "b", R::kRewritten, "who asked for the transfer (RFC 3892)"},
    {"Replaces", "", R::kConsumed, "names a dialog with sipnic: mapped to the replaced leg's own (RFC 3891)"},
};

bool name_is(const HeaderRuleEntry& e, std::string_view name) {
  return sip::iequals(e.name, name) || (!e.compact.empty() && sip::iequals(e.compact, name));
}

// sip/sips URI parameters that belong to the host they follow.
bool names_old_host(std::string_view param) {
  return sip::iequals(param, "maddr") || sip::iequals(param, "transport") || sip::iequals(param, "lr");
}

// One URI (sip/sips rewritten); false when it does not decode.
bool rewrite_uri(std::string_view text, std::string_view own_host, std::string& out) {
  auto uri = sip::parse_uri(text);
  if (!uri) return false;
  if (!uri->is_sip) {
    out += text;
    return true;
  }
  out += uri->scheme;
  out += ':';
  if (uri->has_userinfo) {
    out += uri->user;
    if (!uri->password.empty()) out.append(":").append(uri->password);
    out += '@';
  }
  out += own_host;
  std::size_t pos = 0;
  sip::Param p;
  while (uri->params.next(pos, p)) {
    if (names_old_host(p.name)) continue;
    out += ';';
    out += p.name;
    if (p.has_value) out.append("=").append(p.value);
  }
  // URI headers cross, but for Replaces (RFC 3891): it names a dialog of
  // the other side by its Call-ID and tags.
  char separator = '?';
  std::string_view rest = uri->has_headers ? uri->headers : std::string_view{};
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view header = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (sip::iequals(header.substr(0, header.find('=')), "Replaces")) continue;
    out += separator;
    out += header;
    separator = '&';
  }
  return true;
}

// Bytes other than alphanumerics, RFC 3261's mark characters and `extra`
// as %HH.
std::string escape_except(std::string_view v, std::string_view extra) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : v) {
    auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u) || std::string_view("-_.!~*'()").find(ch) != std::string_view::npos ||
        extra.find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// A URI parameter value (RFC 3261 §25.1 paramchar: param-unreserved too).
std::string escape_param_value(std::string_view v) { return escape_except(v, "[]/:&+$"); }

}  // namespace

std::string retargeting_uri_params(std::string_view uri_params, std::string_view own_host) {
  std::string out;
  sip::ParamList params(uri_params);
  std::size_t pos = 0;
  sip::Param p;
  while (params.next(pos, p)) {
    if (sip::iequals(p.name, "cause")) {
      out.append(";cause=").append(p.value);
    } else if (sip::iequals(p.name, "target")) {
      auto decoded = sip::percent_decode(p.value);
      std::string target;
      if (!decoded || !rewrite_uri(*decoded, own_host, target)) continue;
      out.append(";target=").append(escape_param_value(target));
    }
  }
  return out;
}

std::string escape_uri_header_value(std::string_view value) { return escape_except(value, "[]/?:+$"); }

std::string_view header_rule_name(HeaderRule rule) {
  switch (rule) {
    case R::kRelayed: return "relayed";
    case R::kRewritten: return "rewritten";
    case R::kConsumed: return "consumed";
    case R::kGenerated: return "generated";
    case R::kDropped: return "dropped";
  }
  return "?";
}

std::span<const HeaderRuleEntry> header_rules() { return kRules; }

HeaderRule header_rule(std::string_view name) {
  for (const auto& e : kRules)
    if (name_is(e, name)) return e.rule;
  return R::kDropped;
}

std::string rewrite_uri_hosts(std::string_view value, std::string_view own_host) {
  std::string out;
  sip::CommaValues elements(value);
  while (auto element = elements.next()) {
    auto na = sip::parse_name_addr(*element);
    if (!na || na->star) continue;
    std::string one;
    if (!na->display_name.empty()) {
      one += na->display_name;
      one += ' ';
    }
    // An addr-spec with parameters would read them as the URI's own: write
    // name-addr whenever there are header parameters.
    bool brackets = na->angle_brackets || !na->params.text().empty();
    if (brackets) one += '<';
    if (!rewrite_uri(na->uri, own_host, one)) continue;
    if (brackets) one += '>';
    one += na->params.text();  // ";name=value..." as written
    if (!out.empty()) out += ", ";
    out += one;
  }
  return out;
}

std::string crossing_headers(const sip::SipMessage& m, std::string_view own_host) {
  std::string out;
  sip::MessageView view = m.view();
  for (const auto& h : m.headers) {
    if (h.id == static_cast<std::uint8_t>(offload::HeaderId::kContentType)) continue;
    std::string_view name = view.name(h);
    HeaderRule rule = header_rule(name);
    if (rule != R::kRelayed && rule != R::kRewritten) continue;
    // The canonical name: the compact form is the sender's choice, not the leg's.
    std::string_view canonical = name;
    for (const auto& e : kRules)
      if (name_is(e, name)) canonical = e.name;
    std::string value = rule == R::kRelayed ? std::string(m.value(h)) : rewrite_uri_hosts(m.value(h), own_host);
    if (value.empty()) continue;
    out.append(canonical).append(": ").append(value).append("\r\n");
  }
  return out;
}

}  // namespace sipnic::interwork
