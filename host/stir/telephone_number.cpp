#include "stir/telephone_number.h"

#include "sip/header_values.h"

namespace sipnic::stir {

std::optional<std::string> canonical_tn(std::string_view text) {
  std::string out;
  bool digit = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c >= '0' && c <= '9') || c == '*' || c == '#') {
      digit = digit || (c >= '0' && c <= '9');
      out += c;
    } else if (c == '+' && out.empty()) {
      // a leading '+' (after separators at most)
    } else if (c == '-' || c == '.' || c == '(' || c == ')' || c == ' ') {
      // visual separators (RFC 3966 §5.1.1)
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  return out;
}

std::optional<std::string> tn_from_address(std::string_view value) {
  std::string_view uri_text = sip::trim_lws(value);
  if (uri_text.find('<') != std::string_view::npos) {
    // A name-addr; an addr-spec's header parameters read as URI parameters
    // below, which the TN does not look at.
    auto na = sip::parse_name_addr(uri_text);
    if (!na) return std::nullopt;
    uri_text = na->uri;
  }
  auto uri = sip::parse_uri(uri_text);
  if (!uri) return std::nullopt;
  if (uri->is_sip) {
    auto user = uri->user_decoded();
    if (!user) return std::nullopt;
    std::string_view number = *user;
    number = number.substr(0, number.find(';'));  // user parameters (RFC 3966 in a SIP URI)
    return canonical_tn(number);
  }
  if (sip::iequals(uri->scheme, "tel")) {
    std::string_view number = uri->opaque;
    return canonical_tn(number.substr(0, number.find(';')));
  }
  return std::nullopt;
}

std::optional<std::string> tn_from_address_list(std::string_view value) {
  sip::CommaValues values(value);
  while (auto v = values.next()) {
    if (auto tn = tn_from_address(*v)) return tn;
  }
  return std::nullopt;
}

}  // namespace sipnic::stir
