// Header value decoders. Every function works on views; the few that must
// produce new bytes (unescaping) return std::string. Grammar references are to
// RFC 3261 §25.1 unless said otherwise.
#include "sip/header_values.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipnic::sip {
namespace {

constexpr bool in(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }
using core::ascii::hex_digit_value;
using core::ascii::is_alnum;
using core::ascii::is_alpha;
using core::ascii::is_digit;
using core::ascii::is_hex_digit;

// Character classes as one table lookup each: these run for every byte of
// the values a transaction layer decodes, so they must not search strings.
enum CharClass : std::uint8_t {
  kClsToken = 1u << 0,     // RFC 3261 token
  kClsUser = 1u << 1,      // unreserved / escaped / user-unreserved
  kClsPassword = 1u << 2,  // unreserved / escaped / "&=+$,"
  kClsParam = 1u << 3,     // uri-parameter bytes (paramchar, '=', ';')
  kClsHeader = 1u << 4,    // URI headers (hnv-unreserved / unreserved / escaped, '=', '&')
  kClsPname = 1u << 5,     // parameter names: token / param-unreserved
  kClsLws = 1u << 6,       // SP HTAB CR LF
  kClsHost = 1u << 7,      // alphanum "-" "."
};
constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const bool unreserved = is_alnum(ch) || in(ch, "-_.!~*'()");
    std::uint8_t m = 0;
    if (is_alnum(ch) || in(ch, "-.!%*_+`'~")) m |= kClsToken;
    if (unreserved || ch == '%' || in(ch, "&=+$,;?/")) m |= kClsUser;
    if (unreserved || ch == '%' || in(ch, "&=+$,")) m |= kClsPassword;
    if (unreserved || ch == '%' || in(ch, "[]/:&+$=;")) m |= kClsParam;
    if (unreserved || ch == '%' || in(ch, "[]/?:+$=&")) m |= kClsHeader;
    if ((m & kClsToken) != 0 || in(ch, "[]/:&+$")) m |= kClsPname;
    if (in(ch, " \t\r\n")) m |= kClsLws;
    if (is_alnum(ch) || ch == '-' || ch == '.') m |= kClsHost;
    t[static_cast<std::size_t>(c)] = m;
  }
  return t;
}
constexpr std::array<std::uint8_t, 256> kClasses = make_classes();
constexpr bool has_class(char c, std::uint8_t cls) { return (kClasses[static_cast<unsigned char>(c)] & cls) != 0; }
constexpr bool is_lws(char c) { return has_class(c, kClsLws); }

std::size_t skip_lws(std::string_view s, std::size_t i) {
  while (i < s.size() && is_lws(s[i])) ++i;
  return i;
}

// First index >= i of a byte equal to one of `set` (up to four bytes), or
// s.size(). The values a transaction layer reads (Via, From, To) are tens of
// bytes with few interesting ones, so this looks at 16 bytes per step where
// SSE2 is there; the byte loop finishes the tail and is the portable fallback.
template <std::size_t N>
std::size_t find_any(std::string_view s, std::size_t i, const char (&set)[N]) {
  static_assert(N >= 2 && N <= 5, "one to four bytes, plus the terminating NUL");
  const std::size_t n = s.size();
#if defined(__SSE2__)
  const __m128i c0 = _mm_set1_epi8(set[0]);
  const __m128i c1 = _mm_set1_epi8(set[N >= 3 ? 1 : 0]);
  const __m128i c2 = _mm_set1_epi8(set[N >= 4 ? 2 : 0]);
  const __m128i c3 = _mm_set1_epi8(set[N >= 5 ? 3 : 0]);
  const auto hits = [&](std::size_t at) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, c0), _mm_cmpeq_epi8(x, c1)),
                                     _mm_or_si128(_mm_cmpeq_epi8(x, c2), _mm_cmpeq_epi8(x, c3)));
    return static_cast<unsigned>(_mm_movemask_epi8(hit));
  };
  if (n >= 16) {
    for (; i + 16 <= n; i += 16) {
      if (const unsigned m = hits(i); m != 0) return i + static_cast<std::size_t>(std::countr_zero(m));
    }
    if (i >= n) return n;
    // The tail: the last 16 bytes, minus those already looked at.
    const std::size_t at = n - 16;
    const unsigned m = hits(at) & (~0u << (i - at));
    return m != 0 ? at + static_cast<std::size_t>(std::countr_zero(m)) : n;
  }
#endif
  for (; i < n; ++i) {
    for (std::size_t k = 0; k + 1 < N; ++k) {
      if (s[i] == set[k]) return i;
    }
  }
  return n;
}

// Whether `s` holds SP, HTAB, CR or LF (URIs must not).
bool has_lws(std::string_view s) { return find_any(s, 0, " \t\r\n") != s.size(); }

// Every '%' starts a %HH escape.
bool escapes_well_formed(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !is_hex_digit(s[i + 1]) || !is_hex_digit(s[i + 2])) return false;
      i += 2;
    }
  }
  return true;
}

// Characters allowed in a part of a SIP URI, '%' (checked separately) included.
bool all_of_set(std::string_view s, bool (*ok)(char)) {
  for (char c : s) {
    if (!ok(c)) return false;
  }
  return true;
}
bool user_char(char c) { return has_class(c, kClsUser); }
bool password_char(char c) { return has_class(c, kClsPassword); }
bool param_char(char c) { return has_class(c, kClsParam); }
bool header_char(char c) { return has_class(c, kClsHeader); }
bool param_name_char(char c) { return has_class(c, kClsPname); }

// Index just past the closing quote of the quoted-string starting at s[i] ('"'),
// or npos if it is not closed.
std::size_t end_of_quoted(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// host [":" port] at the start of `s` (SIP URI hostport or Via sent-by host
// part). Returns the index after it, or npos with `error` set.
std::size_t parse_host(std::string_view s, std::string_view& host, bool& ipv6, std::string_view& error) {
  if (!s.empty() && s[0] == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 reference";
      return std::string_view::npos;
    }
    host = s.substr(1, close - 1);
    ipv6 = true;
    if (!is_ipv6_address(host)) {
      error = "malformed IPv6 address";
      return std::string_view::npos;
    }
    return close + 1;
  }
  std::size_t i = 0;
  while (i < s.size() && has_class(s[i], kClsHost)) ++i;
  host = s.substr(0, i);
  ipv6 = false;
  if (!is_ipv4_address(host) && !is_hostname(host)) {
    error = host.empty() ? std::string_view("missing host") : std::string_view("malformed host");
    return std::string_view::npos;
  }
  return i;
}

bool parse_port(std::string_view s, std::uint16_t& port) {
  const auto v = parse_uint(s, 65535);
  if (!v) return false;
  port = static_cast<std::uint16_t>(*v);
  return true;
}

}  // namespace

// ---------------------------------------------------------------- basics

bool is_token_char(char c) { return has_class(c, kClsToken); }

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

std::string_view trim_lws(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_lws(s[b])) ++b;
  while (e > b && is_lws(s[e - 1])) --e;
  return s.substr(b, e - b);
}

Decoded<std::uint64_t> parse_uint(std::string_view s, std::uint64_t max) {
  // One pass: leading zeros ("0068", RFC 4475 wsinv) are skipped, and more
  // than 19 significant digits never fit under any 64-bit max.
  Decoded<std::uint64_t> r;
  if (s.empty()) {
    r.error = "not a decimal number";
    return r;
  }
  std::uint64_t v = 0;
  std::size_t significant = 0;
  for (char c : s) {
    if (!is_digit(c)) {
      r.error = "not a decimal number";
      return r;
    }
    if (significant != 0 || c != '0') {
      if (++significant <= 19) v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
  }
  if (significant > 19 || v > max) {
    r.error = "number out of range";
    return r;
  }
  r.value = v;
  return r;
}

Decoded<std::string> percent_decode(std::string_view s) {
  Decoded<std::string> r;
  r.value.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      r.value.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size() || !is_hex_digit(s[i + 1]) || !is_hex_digit(s[i + 2])) {
      r.value.clear();
      r.error = "malformed %-escape";
      return r;
    }
    r.value.push_back(static_cast<char>(hex_digit_value(s[i + 1]) * 16 + hex_digit_value(s[i + 2])));
    i += 2;
  }
  return r;
}

bool has_escapes(std::string_view s) { return s.find('%') != std::string_view::npos; }

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\r' || c == '\n') continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

Decoded<std::string> unquote(std::string_view s) {
  Decoded<std::string> r;
  if (s.size() < 2 || s.front() != '"' || end_of_quoted(s, 0) != s.size()) {
    r.error = "not a closed quoted string";
    return r;
  }
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    r.value.push_back(s[i]);
  }
  return r;
}

bool is_ipv4_address(std::string_view s) {
  // Four parts of one to three digits, each at most 255 (leading zeros allowed).
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    const std::size_t b = i;
    unsigned v = 0;
    while (i < s.size() && is_digit(s[i]) && i - b < 4) v = v * 10 + static_cast<unsigned>(s[i++] - '0');
    if (i == b || i - b > 3 || v > 255) return false;
    ++parts;
    if (i == s.size()) return parts == 4;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
}

bool is_ipv6_address(std::string_view s) {
  // RFC 4291 §2.2: eight 16-bit groups, "::" once for one or more zero groups,
  // optionally ending in a dotted IPv4 address worth two groups.
  if (s.size() < 2) return false;
  int groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (s[0] == ':') {
    if (s[1] != ':') return false;
    compressed = true;
    i = 2;
    if (i == s.size()) return true;  // "::"
  }
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && is_hex_digit(s[j]) && j - i < 5) ++j;
    if (j < s.size() && s[j] == '.') {
      if (!is_ipv4_address(s.substr(i))) return false;
      groups += 2;
      break;
    }
    if (j == i || j - i > 4) return false;
    ++groups;
    i = j;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i == s.size()) return false;  // a single trailing ':'
    if (s[i] == ':') {
      if (compressed) return false;  // "::" twice, or ":::"
      compressed = true;
      ++i;
      if (i < s.size() && s[i] == ':') return false;
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

bool is_hostname(std::string_view s) {
  // hostname = *( domainlabel "." ) toplabel [ "." ]; toplabel starts with ALPHA.
  // Labels are alphanum, with '-' inside only. One pass over the bytes.
  if (s.empty()) return false;
  if (s.back() == '.') s.remove_suffix(1);
  if (s.empty()) return false;
  std::size_t label = 0;  // start of the current label
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (i == label || !is_alnum(s[label]) || !is_alnum(s[i - 1])) return false;
      if (i == s.size()) return is_alpha(s[label]);
      label = i + 1;
    } else if (!is_alnum(s[i]) && s[i] != '-') {
      return false;
    }
  }
  return false;  // not reached
}

// ---------------------------------------------------------------- lists

std::optional<std::string_view> CommaValues::next() {
  if (done_) return std::nullopt;
  // Jump from one interesting byte to the next instead of stepping through
  // every byte: outside quotes only '"', '<', '>' and ',' matter; inside, only
  // '\\' (which hides the next byte) and '"'.
  bool angle = false;
  std::size_t i = 0;
  for (;;) {
    i = find_any(rest_, i, "\"<>,");
    if (i >= rest_.size()) break;
    const char c = rest_[i];
    if (c == '"') {
      for (++i;; ++i) {
        i = find_any(rest_, i, "\\\"");
        if (i >= rest_.size()) {
          done_ = true;
          error_ = "unterminated quoted string";
          return std::nullopt;
        }
        if (rest_[i] == '"') break;
        ++i;  // the escaped byte
        if (i >= rest_.size()) {
          done_ = true;
          error_ = "unterminated quoted string";
          return std::nullopt;
        }
      }
    } else if (c == '<') {
      angle = true;
    } else if (c == '>') {
      angle = false;
    } else if (!angle) {  // ','
      const std::string_view v = trim_lws(rest_.substr(0, i));
      rest_.remove_prefix(i + 1);
      return v;
    }
    ++i;
  }
  done_ = true;
  return trim_lws(rest_);
}

bool ParamList::next(std::size_t& pos, Param& out) const {
  const std::string_view s = text_;
  std::size_t i = skip_lws(s, pos);
  if (i >= s.size()) return false;
  if (s[i] == ';') i = skip_lws(s, i + 1);
  out = Param{};
  std::size_t n = i;
  while (n < s.size() && s[n] != ';' && s[n] != '=' && !is_lws(s[n])) ++n;
  out.name = s.substr(i, n - i);
  i = skip_lws(s, n);
  if (i < s.size() && s[i] == '=') {
    out.has_value = true;
    i = skip_lws(s, i + 1);
    std::size_t v = i;
    if (v < s.size() && s[v] == '"') {
      const std::size_t e = end_of_quoted(s, v);
      v = e == std::string_view::npos ? s.size() : e;
    } else {
      v = find_any(s, v, ";");
    }
    out.value = trim_lws(s.substr(i, v - i));
    i = v;
  }
  // Skip to the next ';' (anything else here is malformed; error() reports it).
  pos = find_any(s, i, ";");
  return true;
}

std::optional<Param> ParamList::find(std::string_view name) const {
  std::size_t pos = 0;
  Param p;
  while (next(pos, p)) {
    if (iequals(p.name, name)) return p;
  }
  return std::nullopt;
}

std::string_view ParamList::get(std::string_view name) const {
  const auto p = find(name);
  return p ? p->value : std::string_view{};
}

std::string_view ParamList::error() const {
  const std::string_view s = text_;
  std::size_t i = skip_lws(s, 0);
  // Walk the raw text: each parameter is ";" name [= value]; the first ';' may
  // have been consumed by the caller.
  bool first = true;
  while (i < s.size()) {
    if (s[i] == ';') {
      i = skip_lws(s, i + 1);
    } else if (!first) {
      return "malformed parameter";
    }
    first = false;
    std::size_t n = i;
    while (n < s.size() && param_name_char(s[n])) ++n;
    if (n == i) return "empty or malformed parameter name";
    i = skip_lws(s, n);
    if (i < s.size() && s[i] == '=') {
      i = skip_lws(s, i + 1);
      if (i < s.size() && s[i] == '"') {
        const std::size_t e = end_of_quoted(s, i);
        if (e == std::string_view::npos) return "unterminated quoted string";
        i = e;
      } else {
        const std::size_t v = i;
        while (i < s.size() && s[i] != ';' && !is_lws(s[i]) && s[i] != '"') ++i;
        if (i == v) return "empty parameter value";
      }
      i = skip_lws(s, i);
    }
    if (i < s.size() && s[i] != ';') return "malformed parameter";
  }
  return {};
}

// ---------------------------------------------------------------- URIs

Decoded<Uri> parse_uri(std::string_view s) {
  Decoded<Uri> r;
  Uri& u = r.value;
  for (char c : s) {
    if (is_lws(c)) {
      r.error = "whitespace in URI";
      return r;
    }
  }
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !is_alpha(s[0])) {
    r.error = "URI without a scheme";
    return r;
  }
  u.scheme = s.substr(0, colon);
  for (char c : u.scheme) {
    if (!is_alnum(c) && !in(c, "+-.")) {
      r.error = "malformed URI scheme";
      return r;
    }
  }
  std::string_view rest = s.substr(colon + 1);
  u.is_sips = iequals(u.scheme, "sips");
  u.is_sip = u.is_sips || iequals(u.scheme, "sip");
  if (!u.is_sip) {
    u.opaque = rest;
    if (rest.empty()) r.error = "empty URI after the scheme";
    return r;
  }
  // userinfo: up to the first '@'; no part after it may contain an '@'
  // (params, headers and host have no '@' in their grammar).
  if (const std::size_t at = rest.find('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    const std::size_t pc = userinfo.find(':');
    u.user = userinfo.substr(0, pc);
    if (pc != std::string_view::npos) u.password = userinfo.substr(pc + 1);
    u.has_userinfo = true;
    if (u.user.empty()) {
      r.error = "empty user part";
      return r;
    }
    if (!all_of_set(u.user, user_char) || !all_of_set(u.password, password_char) ||
        !escapes_well_formed(userinfo)) {
      r.error = "malformed user part";
      return r;
    }
    rest.remove_prefix(at + 1);
  }
  std::string_view err;
  const std::size_t h = parse_host(rest, u.host, u.host_is_ipv6, err);
  if (h == std::string_view::npos) {
    r.error = err;
    return r;
  }
  rest.remove_prefix(h);
  if (!rest.empty() && rest[0] == ':') {
    std::size_t p = 1;
    while (p < rest.size() && is_digit(rest[p])) ++p;
    if (!parse_port(rest.substr(1, p - 1), u.port)) {
      r.error = "malformed port";
      return r;
    }
    u.has_port = true;
    rest.remove_prefix(p);
  }
  const std::size_t q = rest.find('?');
  std::string_view params = rest.substr(0, q);
  if (q != std::string_view::npos) {
    u.headers = rest.substr(q + 1);
    u.has_headers = true;
    if (!all_of_set(u.headers, header_char) || !escapes_well_formed(u.headers)) {
      r.error = "malformed URI headers";
      return r;
    }
  }
  if (!params.empty()) {
    if (params[0] != ';') {
      r.error = "malformed host or port";
      return r;
    }
    u.params = ParamList(params);
    if (!all_of_set(params, param_char) || !escapes_well_formed(params) || !u.params.error().empty()) {
      r.error = "malformed URI parameter";
      return r;
    }
  }
  return r;
}

// ---------------------------------------------------------------- headers

Decoded<NameAddr> parse_name_addr(std::string_view value) {
  Decoded<NameAddr> r;
  NameAddr& na = r.value;
  const std::string_view v = trim_lws(value);
  if (v.empty()) {
    r.error = "empty address";
    return r;
  }
  if (v == "*") {
    na.star = true;
    return r;
  }
  std::size_t lt = std::string_view::npos;
  if (v[0] == '"') {
    const std::size_t e = end_of_quoted(v, 0);
    if (e == std::string_view::npos) {
      r.error = "unterminated quoted string";
      return r;
    }
    na.display_name = v.substr(0, e);
    na.display_quoted = true;
    lt = skip_lws(v, e);
    if (lt >= v.size() || v[lt] != '<') {
      r.error = "quoted display name not followed by <addr-spec>";
      return r;
    }
  } else {
    // name-addr if a '<' comes before any ';' (in addr-spec form ';' starts
    // the header params, whose quoted values may hold a '<').
    const std::size_t semi = v.find(';');
    const std::size_t l = v.find('<');
    if (l != std::string_view::npos && (semi == std::string_view::npos || l < semi)) {
      lt = l;
      na.display_name = trim_lws(v.substr(0, l));
      // display-name = *(token LWS) / quoted-string
      std::size_t i = 0;
      const std::string_view dn = na.display_name;
      while (i < dn.size()) {
        if (is_lws(dn[i])) {
          ++i;
        } else if (is_token_char(dn[i])) {
          ++i;
        } else {
          r.error = "display name is neither a quoted string nor a sequence of tokens";
          return r;
        }
      }
    }
  }
  std::string_view after;
  if (lt != std::string_view::npos) {
    const std::size_t gt = v.find('>', lt);
    if (gt == std::string_view::npos) {
      r.error = "unterminated <";
      return r;
    }
    na.angle_brackets = true;
    na.uri = v.substr(lt + 1, gt - lt - 1);
    if (has_lws(na.uri)) {
      r.error = "whitespace inside <> around the URI";
      return r;
    }
    after = trim_lws(v.substr(gt + 1));
    if (!after.empty() && after[0] != ';') {
      r.error = "unexpected text after >";
      return r;
    }
  } else {
    const std::size_t semi = v.find(';');
    na.uri = trim_lws(v.substr(0, semi));
    if (semi != std::string_view::npos) after = v.substr(semi);
    for (char c : na.uri) {
      if (c == ',' || c == '?') {
        // RFC 3261 §20: a URI with a comma, question mark or semicolon must be
        // written as name-addr, in angle brackets (RFC 4475 regbadct).
        r.error = "URI with ',', '?' or ';' must be enclosed in <>";
        return r;
      }
      if (is_lws(c)) {
        r.error = "whitespace in URI";
        return r;
      }
    }
  }
  if (na.uri.empty()) {
    r.error = "empty URI";
    return r;
  }
  // Params are checked on demand (na.params.error()), not here: the hot path
  // reads one tag and should not pay for a full syntax pass.
  na.params = ParamList(after);
  return r;
}

std::string_view Via::received() const {
  std::string_view v = params.get("received");
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
  return v;
}

std::optional<std::uint16_t> Via::rport() const {
  const auto p = params.find("rport");
  if (!p || !p->has_value) return std::nullopt;
  const auto v = parse_uint(p->value, 65535);
  if (!v) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

std::optional<std::uint8_t> Via::ttl() const {
  const auto p = params.find("ttl");
  if (!p || !p->has_value) return std::nullopt;
  const auto v = parse_uint(p->value, 255);
  if (!v) return std::nullopt;
  return static_cast<std::uint8_t>(*v);
}

Decoded<Via> parse_via(std::string_view element) {
  Decoded<Via> r;
  Via& via = r.value;
  const std::string_view s = trim_lws(element);
  std::size_t i = 0;
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport,
  // SLASH = SWS "/" SWS (RFC 4475 wsinv folds lines in there).
  std::string_view* parts[3] = {&via.protocol_name, &via.protocol_version, &via.transport};
  for (int k = 0; k < 3; ++k) {
    i = skip_lws(s, i);
    const std::size_t b = i;
    while (i < s.size() && is_token_char(s[i])) ++i;
    *parts[k] = s.substr(b, i - b);
    if (parts[k]->empty()) {
      r.error = "malformed Via sent-protocol";
      return r;
    }
    if (k < 2) {
      i = skip_lws(s, i);
      if (i >= s.size() || s[i] != '/') {
        r.error = "malformed Via sent-protocol";
        return r;
      }
      ++i;
    }
  }
  const std::size_t hs = skip_lws(s, i);
  if (hs == i) {
    r.error = "no whitespace before Via sent-by";
    return r;
  }
  std::string_view err;
  const std::size_t he = parse_host(s.substr(hs), via.host, via.host_is_ipv6, err);
  if (he == std::string_view::npos) {
    r.error = err;
    return r;
  }
  i = skip_lws(s, hs + he);
  if (i < s.size() && s[i] == ':') {
    i = skip_lws(s, i + 1);
    const std::size_t p = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (!parse_port(s.substr(p, i - p), via.port)) {
      r.error = "malformed Via port";
      return r;
    }
    via.has_port = true;
    i = skip_lws(s, i);
  }
  if (i < s.size()) {
    if (s[i] != ';') {
      r.error = "unexpected text after Via sent-by";
      return r;
    }
    via.params = ParamList(s.substr(i));  // checked on demand: via.params.error()
  }
  return r;
}

namespace {

// "1*DIGIT LWS rest" (CSeq, RAck): the digits, and what follows the LWS
// ("" and separated = false when no LWS follows the digits).
struct LeadingNumber {
  std::string_view digits;
  std::string_view rest;
  bool separated = false;
};
LeadingNumber split_leading_number(std::string_view value) {
  const std::string_view s = trim_lws(value);
  std::size_t i = 0;
  while (i < s.size() && is_digit(s[i])) ++i;
  const std::size_t m = skip_lws(s, i);
  return {s.substr(0, i), s.substr(m), m != i};
}

}  // namespace

Decoded<CSeq> parse_cseq(std::string_view value) {
  Decoded<CSeq> r;
  const LeadingNumber parts = split_leading_number(value);
  if (parts.digits.empty()) {
    r.error = "CSeq number is not a decimal number";
    return r;
  }
  const auto n = parse_uint(parts.digits, 0x7FFFFFFFu);
  if (!n) {
    r.error = "CSeq number out of range (must be below 2**31)";
    return r;
  }
  r.value.number = static_cast<std::uint32_t>(*n);
  if (!parts.separated) {
    r.error = "CSeq without a method";
    return r;
  }
  r.value.method = parts.rest;
  if (!is_token(r.value.method)) r.error = "CSeq method is not a token";
  return r;
}

Decoded<std::uint32_t> parse_max_forwards(std::string_view value) {
  Decoded<std::uint32_t> r;
  const auto v = parse_uint(trim_lws(value), 255);
  if (!v) {
    r.error = v.error == "number out of range" ? std::string_view("Max-Forwards out of range (0-255)")
                                               : std::string_view("Max-Forwards is not a decimal number");
    return r;
  }
  r.value = static_cast<std::uint32_t>(*v);
  return r;
}

Decoded<std::uint32_t> parse_content_length(std::string_view value) {
  Decoded<std::uint32_t> r;
  const std::string_view s = trim_lws(value);
  const auto v = parse_uint(s, 0xFFFFFFFFu);
  if (!v) {
    r.error = (!s.empty() && s[0] == '-') ? std::string_view("negative Content-Length")
              : v.error == "number out of range" ? std::string_view("Content-Length out of range")
                                                 : std::string_view("Content-Length is not a decimal number");
    return r;
  }
  r.value = static_cast<std::uint32_t>(*v);
  return r;
}

Decoded<std::uint32_t> parse_delta_seconds(std::string_view value) {
  Decoded<std::uint32_t> r;
  const auto v = parse_uint(trim_lws(value), 0xFFFFFFFFu);
  if (!v) {
    r.error = v.error == "number out of range" ? std::string_view("delta-seconds out of range (32 bits)")
                                               : std::string_view("delta-seconds is not a decimal number");
    return r;
  }
  r.value = static_cast<std::uint32_t>(*v);
  return r;
}

Decoded<MediaType> parse_media_type(std::string_view value) {
  Decoded<MediaType> r;
  const std::string_view s = trim_lws(value);
  std::size_t i = 0;
  while (i < s.size() && is_token_char(s[i])) ++i;
  r.value.type = s.substr(0, i);
  i = skip_lws(s, i);
  if (r.value.type.empty() || i >= s.size() || s[i] != '/') {
    r.error = "malformed media type";
    return r;
  }
  i = skip_lws(s, i + 1);
  const std::size_t b = i;
  while (i < s.size() && is_token_char(s[i])) ++i;
  r.value.subtype = s.substr(b, i - b);
  if (r.value.subtype.empty()) {
    r.error = "malformed media type";
    return r;
  }
  i = skip_lws(s, i);
  if (i < s.size()) {
    if (s[i] != ';') {
      r.error = "malformed media type";
      return r;
    }
    r.value.params = ParamList(s.substr(i));
    if (const auto e = r.value.params.error(); !e.empty()) r.error = e;
  }
  return r;
}

Decoded<Replaces> parse_replaces(std::string_view value) {
  Decoded<Replaces> r;
  const std::string_view s = trim_lws(value);
  const std::size_t semi = s.find(';');
  r.value.call_id = trim_lws(s.substr(0, semi));
  ParamList params(semi == std::string_view::npos ? std::string_view{} : s.substr(semi));
  r.value.to_tag = params.get("to-tag");
  r.value.from_tag = params.get("from-tag");
  r.value.early_only = params.has("early-only");
  if (r.value.call_id.empty() || has_lws(r.value.call_id)) r.error = "malformed Call-ID in Replaces";
  else if (!params.error().empty()) r.error = params.error();
  else if (r.value.to_tag.empty() || r.value.from_tag.empty()) r.error = "Replaces needs to-tag and from-tag";
  return r;
}

bool is_sip_date(std::string_view value) {
  // rfc1123-date = wkday "," SP date1 SP time SP "GMT"; date1 = 2DIGIT SP month SP 4DIGIT
  // e.g. "Sat, 13 Nov 2010 23:29:00 GMT" (29 characters).
  const std::string_view s = trim_lws(value);
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29) return false;
  bool day = false, month = false;
  for (auto d : kDays) day = day || s.substr(0, 3) == d;
  for (auto m : kMonths) month = month || s.substr(8, 3) == m;
  const auto digits = [&](std::size_t at, std::size_t n) {
    for (std::size_t k = at; k < at + n; ++k) {
      if (!is_digit(s[k])) return false;
    }
    return true;
  };
  return day && month && s.substr(3, 2) == ", " && digits(5, 2) && s[7] == ' ' && s[11] == ' ' && digits(12, 4) &&
         s[16] == ' ' && digits(17, 2) && s[19] == ':' && digits(20, 2) && s[22] == ':' && digits(23, 2) &&
         s.substr(25) == " GMT";
}

namespace {

// delta-seconds followed by an optional ";params" tail: the number and the
// parameter list (RFC 4028 Session-Expires and Min-SE share this shape).
struct SecondsWithParams {
  std::uint32_t seconds = 0;
  ParamList params;
};
Decoded<SecondsWithParams> parse_seconds_with_params(std::string_view value) {
  Decoded<SecondsWithParams> r;
  const std::string_view s = trim_lws(value);
  const std::size_t semi = s.find(';');
  const auto n = parse_delta_seconds(s.substr(0, semi));
  if (!n) {
    r.error = n.error;
    return r;
  }
  r.value.seconds = *n;
  if (semi != std::string_view::npos) {
    r.value.params = ParamList(s.substr(semi + 1));
    if (!r.value.params.error().empty()) r.error = r.value.params.error();
  }
  return r;
}

}  // namespace

Decoded<SessionExpires> parse_session_expires(std::string_view value) {
  Decoded<SessionExpires> r;
  auto base = parse_seconds_with_params(value);
  if (!base) {
    r.error = base.error;
    return r;
  }
  r.value.seconds = base->seconds;
  r.value.params = base->params;
  if (auto p = base->params.find("refresher")) {
    if (iequals(p->value, "uac")) {
      r.value.refresher = Refresher::kUac;
    } else if (iequals(p->value, "uas")) {
      r.value.refresher = Refresher::kUas;
    } else {
      r.error = "refresher is neither uac nor uas";
    }
  }
  return r;
}

std::string format_session_expires(std::uint32_t seconds, Refresher refresher) {
  std::string out = std::to_string(seconds);
  if (refresher == Refresher::kUac) out += ";refresher=uac";
  if (refresher == Refresher::kUas) out += ";refresher=uas";
  return out;
}

Decoded<std::uint32_t> parse_min_se(std::string_view value) {
  Decoded<std::uint32_t> r;
  auto base = parse_seconds_with_params(value);
  if (!base) {
    r.error = base.error;
    return r;
  }
  r.value = base->seconds;
  return r;
}

// response-num (RFC 3262 §7.1) has delta-seconds' grammar, without 0.
Decoded<std::uint32_t> parse_rseq(std::string_view value) {
  auto n = parse_delta_seconds(value);
  if (!n || *n == 0) n.error = "RSeq is not a number 1..2**32-1";
  return n;
}

Decoded<RAck> parse_rack(std::string_view value) {
  Decoded<RAck> r;
  const LeadingNumber parts = split_leading_number(value);
  const auto rseq = parse_rseq(parts.digits);
  if (!rseq) {
    r.error = "RAck response-num is not a number 1..2**32-1";
    return r;
  }
  r.value.rseq = *rseq;
  if (!parts.separated) {
    r.error = "RAck without a CSeq number";
    return r;
  }
  // The rest is a CSeq value: number LWS Method.
  auto cseq = parse_cseq(parts.rest);
  if (!cseq) {
    r.error = "RAck CSeq part is malformed";
    return r;
  }
  r.value.cseq = cseq->number;
  r.value.method = cseq->method;
  return r;
}

std::string format_rack(std::uint32_t rseq, std::uint32_t cseq, std::string_view method) {
  return std::to_string(rseq) + " " + std::to_string(cseq) + " " + std::string(method);
}

Decoded<Reason> parse_reason(std::string_view element) {
  Decoded<Reason> r;
  element = trim_lws(element);
  const std::size_t semi = element.find(';');
  r.value.protocol = trim_lws(element.substr(0, semi));
  if (!is_token(r.value.protocol)) {
    r.error = "Reason protocol is not a token";
    return r;
  }
  if (semi == std::string_view::npos) return r;
  r.value.params = ParamList(element.substr(semi + 1));
  if (!r.value.params.error().empty()) {
    r.error = r.value.params.error();
    return r;
  }
  if (const auto cause = r.value.params.find("cause")) {
    const auto n = parse_uint(cause->value, 0xFFFFFFFFu);
    if (!n) {
      r.error = "Reason cause is not a number";
      return r;
    }
    r.value.cause = static_cast<std::uint32_t>(*n);
  }
  if (const auto text = r.value.params.find("text")) {
    // RFC 3326 has reason-text as a quoted-string; a token is taken too.
    if (!text->value.empty() && text->value.front() == '"') {
      auto unquoted = unquote(text->value);
      if (!unquoted) {
        r.error = "Reason text is not a closed quoted string";
        return r;
      }
      r.value.text = std::move(*unquoted);
    } else {
      r.value.text = std::string(text->value);
    }
  }
  r.value.location = r.value.params.get("location");
  return r;
}

std::string format_reason(std::string_view protocol, std::uint32_t cause, std::string_view text,
                          std::string_view location) {
  std::string out = std::string(protocol) + ";cause=" + std::to_string(cause);
  if (!text.empty()) out += ";text=" + quoted(text);
  if (!location.empty()) out += ";location=" + std::string(location);
  return out;
}

}  // namespace sipnic::sip
