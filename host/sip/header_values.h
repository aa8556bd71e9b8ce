// Lazy decoders for header values, from the spans of the header index. They
// take a std::string_view and return views into it: nothing is copied or
// allocated except where a value must be unescaped (percent_decode,
// unquote). Each decoder says what is wrong instead of guessing (Decoded::error);
// the validation layer (validate.h) turns that into a response. Header
// parameter lists are split lazily: parse_name_addr and parse_via check the
// structure up to the parameters, and ParamList::error() checks those when a
// caller (validation) asks, so reading one tag costs one short scan.
//
// Grammar: RFC 3261 §25.1 (LWS, SWS, token, quoted-string, SIP-URI, name-addr,
// via-parm), RFC 5118 (IPv6 references), RFC 4291 §2.2 (IPv6 text form).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ascii.h"

namespace sipnic::sip {

// A decoded value or the reason it could not be decoded.
template <typename T>
struct Decoded {
  T value{};
  std::string_view error;  // empty: ok; else a static English phrase
  bool ok() const { return error.empty(); }
  explicit operator bool() const { return ok(); }
  const T* operator->() const { return &value; }
  const T& operator*() const { return value; }
};

// ---------------------------------------------------------------- basics

bool is_token_char(char c);
bool is_token(std::string_view s);                    // 1*token-char
using core::ascii::iequals;  // ASCII case-insensitive (core/ascii.h)
// Trims SP, HTAB, CR and LF (LWS, folded lines included) from both ends.
std::string_view trim_lws(std::string_view s);

// Unsigned decimal, 1*DIGIT, no sign, value <= max.
Decoded<std::uint64_t> parse_uint(std::string_view s, std::uint64_t max);

// %HH unescaping (RFC 3986 §2.1); error on a malformed escape.
Decoded<std::string> percent_decode(std::string_view s);
bool has_escapes(std::string_view s);
// quoted-string -> its content with quoted-pairs resolved. `s` includes the quotes.
Decoded<std::string> unquote(std::string_view s);
// The inverse: `text` as a quoted-string, `"` and `\` escaped (CR and LF,
// which a quoted-string cannot hold, dropped).
std::string quoted(std::string_view text);

// Host forms.
bool is_ipv4_address(std::string_view s);
bool is_ipv6_address(std::string_view s);  // without brackets; RFC 4291 text forms
bool is_hostname(std::string_view s);      // RFC 3261 hostname

// ---------------------------------------------------------------- lists

// Splits a header value at top-level commas (not inside "..." or <...>),
// returning each element trimmed of LWS. Empty elements are returned as ""
// so that the caller can reject them (RFC 4475 badinv01).
class CommaValues {
 public:
  explicit CommaValues(std::string_view value) : rest_(value) {}
  // Next element, or nullopt at the end (or on error; see error()).
  std::optional<std::string_view> next();
  std::string_view error() const { return error_; }

 private:
  std::string_view rest_;
  bool done_ = false;
  std::string_view error_;
};

struct Param {
  std::string_view name;   // trimmed
  std::string_view value;  // trimmed; quotes kept for quoted-string values
  bool has_value = false;
};

// Generic `;name[=value]` lists: header params (RFC 3261 generic-param) and
// URI params. Construct with the text after the first ';' (or the whole text
// starting with ';'). LWS around ';' and '=' is allowed (RFC 3261 SEMI, EQUAL).
class ParamList {
 public:
  ParamList() = default;
  explicit ParamList(std::string_view text) : text_(text) {}
  std::string_view text() const { return text_; }
  // Iteration: pass the previous position (start at 0); returns false at the end.
  bool next(std::size_t& pos, Param& out) const;
  // First parameter of that name (case-insensitive).
  std::optional<Param> find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name).has_value(); }
  // Empty value for a name-only parameter or an absent one.
  std::string_view get(std::string_view name) const;
  // Every parameter has a non-empty token name, and quoted values are closed.
  std::string_view error() const;

 private:
  std::string_view text_;
};

// ---------------------------------------------------------------- URIs

struct Uri {
  std::string_view scheme;    // as written ("sip", "SIPS", "tel", "isbn", ...)
  bool is_sip = false;        // sip or sips (case-insensitive)
  bool is_sips = false;
  // sip/sips parts (raw, still %-escaped):
  std::string_view user;      // "" if none
  std::string_view password;  // "" if none
  bool has_userinfo = false;
  std::string_view host;      // without brackets for an IPv6 reference
  bool host_is_ipv6 = false;  // written as [IPv6address] (RFC 5118)
  std::uint16_t port = 0;
  bool has_port = false;
  ParamList params;           // after the first ';' of hostport, up to '?'
  std::string_view headers;   // after '?', without it; "" if none
  bool has_headers = false;
  // Non-sip schemes: everything after "scheme:".
  std::string_view opaque;

  Decoded<std::string> user_decoded() const { return percent_decode(user); }
};

// SIP-URI / SIPS-URI fully; any other scheme (tel included) as scheme ":" opaque.
Decoded<Uri> parse_uri(std::string_view s);

// ---------------------------------------------------------------- headers

// name-addr / addr-spec with header params (To, From, Contact, Route,
// Record-Route, P-Asserted-Identity, Refer-To, ...). One element: split
// multi-valued headers with CommaValues first.
struct NameAddr {
  std::string_view display_name;  // raw: quotes kept if quoted, "" if none
  bool display_quoted = false;
  std::string_view uri;           // text inside <> or the addr-spec
  bool angle_brackets = false;
  bool star = false;              // Contact: *
  ParamList params;               // header params (tag, expires, q, ...)
  std::string_view tag() const { return params.get("tag"); }
};
Decoded<NameAddr> parse_name_addr(std::string_view value);

// via-parm (one element of a Via header).
struct Via {
  std::string_view protocol_name;     // "SIP"
  std::string_view protocol_version;  // "2.0"
  std::string_view transport;         // "UDP", "TCP", "TLS", "SCTP", other token
  std::string_view host;              // without brackets for IPv6
  bool host_is_ipv6 = false;
  std::uint16_t port = 0;
  bool has_port = false;
  ParamList params;
  std::string_view branch() const { return params.get("branch"); }
  std::string_view received() const;  // brackets removed if present (RFC 5118 §4.5)
  bool has_rport() const { return params.has("rport"); }
  std::optional<std::uint16_t> rport() const;  // the value, if one was given
  std::string_view maddr() const { return params.get("maddr"); }
  std::optional<std::uint8_t> ttl() const;
};
Decoded<Via> parse_via(std::string_view element);

struct CSeq {
  std::uint32_t number = 0;  // < 2**31 (RFC 3261 §8.1.1.5)
  std::string_view method;
};
Decoded<CSeq> parse_cseq(std::string_view value);

Decoded<std::uint32_t> parse_max_forwards(std::string_view value);   // 0..255
Decoded<std::uint32_t> parse_content_length(std::string_view value);  // 32-bit
Decoded<std::uint32_t> parse_delta_seconds(std::string_view value);   // Expires: 32-bit

// Content-Type / Accept element: type "/" subtype *(";" param).
struct MediaType {
  std::string_view type;
  std::string_view subtype;
  ParamList params;
  bool is(std::string_view t, std::string_view sub) const { return iequals(type, t) && iequals(subtype, sub); }
};
Decoded<MediaType> parse_media_type(std::string_view value);

// Replaces (RFC 3891 §6.1): callid *(";" replaces-param). At the UA that
// receives it, to-tag is its local tag and from-tag the remote one.
struct Replaces {
  std::string_view call_id;
  std::string_view to_tag;
  std::string_view from_tag;
  bool early_only = false;
};
Decoded<Replaces> parse_replaces(std::string_view value);

// RFC 1123 date as RFC 3261 §20.17 restricts it: must be in "GMT".
bool is_sip_date(std::string_view value);

// ---------------------------------------------------------------- extensions

// RFC 4028 §4: Session-Expires (compact x) = delta-seconds
// [;refresher=uac|uas] *(;generic-param).
enum class Refresher : std::uint8_t { kUnset, kUac, kUas };
struct SessionExpires {
  std::uint32_t seconds = 0;
  Refresher refresher = Refresher::kUnset;
  ParamList params;  // every parameter, refresher included
};
Decoded<SessionExpires> parse_session_expires(std::string_view value);
// "1800;refresher=uac" (no refresher parameter for kUnset).
std::string format_session_expires(std::uint32_t seconds, Refresher refresher);
// RFC 4028 §5: Min-SE = delta-seconds *(;generic-param).
Decoded<std::uint32_t> parse_min_se(std::string_view value);

// RFC 3262 §7.1: RSeq = response-num, 1..2**32-1.
Decoded<std::uint32_t> parse_rseq(std::string_view value);
// RFC 3262 §7.2: RAck = response-num LWS CSeq-num LWS Method.
struct RAck {
  std::uint32_t rseq = 0;
  std::uint32_t cseq = 0;
  std::string_view method;
};
Decoded<RAck> parse_rack(std::string_view value);
std::string format_rack(std::uint32_t rseq, std::uint32_t cseq, std::string_view method);

// RFC 3326 §2: one reason-value of a Reason header (split the header with
// CommaValues first): protocol *(";" reason-params), with the cause, the
// text and RFC 8606's location (Q.850 only: U, LPN, LN, TN, RLN, RPN, INTL,
// BI) decoded; any other parameter stays in `params`.
struct Reason {
  std::string_view protocol;  // "SIP", "Q.850" or another token, as written
  std::optional<std::uint32_t> cause;
  std::string text;               // reason-text unquoted; "" when absent
  std::string_view location;      // "" when absent
  ParamList params;               // every parameter
  bool is_q850() const { return iequals(protocol, "Q.850"); }
};
Decoded<Reason> parse_reason(std::string_view element);
// `Q.850;cause=17;text="User busy";location=LN`: the text quoted (a `"` or
// `\` in it escaped), no text or location when empty.
std::string format_reason(std::string_view protocol, std::uint32_t cause, std::string_view text = {},
                          std::string_view location = {});

}  // namespace sipnic::sip
