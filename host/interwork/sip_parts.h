// Small pieces of SIP text that both the B2BUA and the out-of-dialog relay
// read or write: parts of From/To values and of URIs, decoded with the
// shared decoders (sip/header_values.h), and the URI forms of a trunk's
// transport and peer.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

#include "core/config.h"
#include "sip/header_values.h"
#include "sip/message.h"

namespace sipnic::interwork {

// Parts of a name-addr or addr-spec (From, To); "" when it does not decode
// (validation has already refused requests whose From or To do not).
inline std::string_view uri_of(std::string_view v) {
  auto na = sip::parse_name_addr(v);
  return na ? na->uri : std::string_view{};
}
inline std::string_view display_of(std::string_view v) {
  auto na = sip::parse_name_addr(v);
  return na ? na->display_name : std::string_view{};
}
inline std::string_view tag_of(std::string_view v) {
  auto na = sip::parse_name_addr(v);
  return na ? na->tag() : std::string_view{};
}

// The user part of a sip:, sips: or tel: URI (still %-escaped).
inline std::string_view user_of(std::string_view uri) {
  auto u = sip::parse_uri(uri);
  if (!u) return {};
  if (u->is_sip) return u->user;
  if (sip::iequals(u->scheme, "tel")) return u->opaque.substr(0, u->opaque.find(';'));
  return {};
}

// The ";name=value..." parameters of a sip:/sips: URI; "" for other schemes.
inline std::string_view uri_params_of(std::string_view uri) {
  auto u = sip::parse_uri(uri);
  return u && u->is_sip ? u->params.text() : std::string_view{};
}

inline std::string_view transport_param(core::Transport t) {
  return t == core::Transport::kTcp ? ";transport=tcp" : t == core::Transport::kTls ? ";transport=tls" : "";
}

// What a 503 for a busy or unavailable trunk carries (RFC 3261 §21.5.4).
inline constexpr std::string_view kRetryAfter = "Retry-After: 5\r\n";

// The Max-Forwards of a request, 70 (RFC 3261 §8.1.1.6) without one. At 0
// or below the request may go no further (483, §16.3); a relayed copy
// carries one less.
inline int max_forwards_of(const sip::SipMessage& m) {
  std::string_view mf = sip::trim_lws(m.header(offload::HeaderId::kMaxForwards));
  int max_forwards = 70;
  if (!mf.empty()) std::from_chars(mf.data(), mf.data() + mf.size(), max_forwards);
  return max_forwards;
}

// "Display <sip:user@" for the From sipnic sends on the far leg: the
// sender's display name and user ("anonymous" without one); the leg's own
// host and sipnic's tag go after it (no address of the sender's side).
inline std::string from_prefix_of(std::string_view from_value) {
  std::string user(user_of(uri_of(from_value)));
  std::string display(display_of(from_value));
  return (display.empty() ? "" : display + " ") + "<sip:" + (user.empty() ? "anonymous" : user) + "@";
}

// A trunk's peer as a URI hostport: IPv6 in brackets, the port if given.
inline std::string peer_hostport(const core::HostPort& peer) {
  std::string host = peer.host.find(':') != std::string::npos ? "[" + peer.host + "]" : peer.host;
  if (peer.port) host += ":" + std::to_string(peer.port);
  return host;
}

}  // namespace sipnic::interwork
