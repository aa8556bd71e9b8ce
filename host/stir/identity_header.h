// The Identity header of RFC 8224 §4.1 as SHAKEN uses it:
//
//   Identity: TOKEN;info=<URL>;alg=ES256;ppt=shaken     (compact name: y)
//
// TOKEN is the full-form PASSporT (passport.h). Parameters are read in any
// order and names case-insensitively; ppt may be quoted; an absoluteURI in
// info may hold ';' (it ends at '>').
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/header_values.h"
#include "sip/message_view.h"

namespace sipnic::stir {

inline constexpr std::string_view kIdentityHeaderName = "Identity";
inline constexpr std::string_view kIdentityCompactName = "y";

struct IdentityHeader {
  std::string_view token;  // the PASSporT
  std::string_view info;   // the URL inside <>; "" when absent
  std::string_view alg;    // "" when absent (RFC 8224 §4.1: then ES256)
  std::string_view ppt;    // unquoted; "" when absent
};

// "TOKEN;info=<URL>;alg=ES256;ppt=shaken".
std::string format_identity_header(std::string_view token, std::string_view info_url);
// Parses one header value (views into `value`). Errors: an empty token, a
// parameter without a name or '=', info without <...>, a parameter repeated.
sip::Decoded<IdentityHeader> parse_identity_header(std::string_view value);

// True for "Identity" and "y", case-insensitive.
bool is_identity_header_name(std::string_view name);
// Every Identity header value of `message`, long or compact name, in order
// (RFC 8224 allows several; SHAKEN sends one).
std::vector<std::string_view> identity_header_values(const sip::MessageView& message);

}  // namespace sipnic::stir
