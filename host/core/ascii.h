#pragma once

// ASCII character tests and case folding, the one copy every layer uses.
// Locale-free on purpose: SIP, DNS names and X.509 identities compare
// case-insensitively in ASCII only (RFC 3261 §7.3.1, RFC 4343), whatever the
// process locale is. Bytes >= 0x80 are never letters or digits here.

#include <cstddef>
#include <string>
#include <string_view>

namespace sipnic::core::ascii {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
constexpr bool is_hex_digit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// SP or HTAB (RFC 5234 WSP).
constexpr bool is_blank(char c) { return c == ' ' || c == '\t'; }

// The value of a hex digit; only meaningful where is_hex_digit(c).
constexpr int hex_digit_value(char c) {
  return is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : c - 'A' + 10;
}

constexpr char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

// ASCII case-insensitive equality.
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

}  // namespace sipnic::core::ascii
