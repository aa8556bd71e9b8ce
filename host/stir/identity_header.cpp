#include "stir/identity_header.h"

#include <algorithm>

namespace sipnic::stir {

std::string format_identity_header(std::string_view token, std::string_view info_url) {
  std::string out;
  out.reserve(token.size() + info_url.size() + 32);
  out.append(token).append(";info=<").append(info_url).append(">;alg=ES256;ppt=shaken");
  return out;
}

namespace {

bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void skip_lws(std::string_view s, std::size_t& i) {
  while (i < s.size() && is_lws(s[i])) ++i;
}

}  // namespace

sip::Decoded<IdentityHeader> parse_identity_header(std::string_view value) {
  sip::Decoded<IdentityHeader> out;
  IdentityHeader& h = out.value;
  value = sip::trim_lws(value);
  std::size_t i = value.find(';');
  h.token = sip::trim_lws(value.substr(0, i));
  if (h.token.empty()) {
    out.error = "Identity header has no PASSporT before its parameters";
    return out;
  }
  const auto is_token_byte = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  };
  if (!std::all_of(h.token.begin(), h.token.end(), is_token_byte)) {
    out.error = "Identity header PASSporT holds a character outside base64url and '.'";
    return out;
  }
  bool seen_info = false, seen_alg = false, seen_ppt = false;
  while (i < value.size()) {
    ++i;  // the ';'
    skip_lws(value, i);
    const std::size_t name_start = i;
    while (i < value.size() && sip::is_token_char(value[i])) ++i;
    const std::string_view name = value.substr(name_start, i - name_start);
    skip_lws(value, i);
    if (name.empty() || i >= value.size() || value[i] != '=') {
      out.error = "Identity header parameter is not name=value";
      return out;
    }
    ++i;
    skip_lws(value, i);
    std::string_view param;
    bool bracketed = false;
    if (i < value.size() && (value[i] == '<' || value[i] == '"')) {
      const char close = value[i] == '<' ? '>' : '"';
      bracketed = close == '>';
      const std::size_t end = value.find(close, i + 1);
      if (end == std::string_view::npos) {
        out.error = "Identity header parameter value is not closed";
        return out;
      }
      param = value.substr(i + 1, end - i - 1);
      i = end + 1;
    } else {
      const std::size_t start = i;
      while (i < value.size() && sip::is_token_char(value[i])) ++i;
      param = value.substr(start, i - start);
    }
    skip_lws(value, i);
    if (i < value.size() && value[i] != ';') {
      out.error = "Identity header parameter is followed by something other than ';'";
      return out;
    }
    auto take = [&](bool& seen, std::string_view& field) {
      if (seen) {
        out.error = "Identity header parameter given twice";
        return false;
      }
      seen = true;
      field = param;
      return true;
    };
    if (sip::iequals(name, "info")) {
      if (!bracketed || param.empty()) {
        out.error = "Identity header info is not <absoluteURI>";
        return out;
      }
      if (!take(seen_info, h.info)) return out;
    } else if (sip::iequals(name, "alg")) {
      if (!take(seen_alg, h.alg)) return out;
    } else if (sip::iequals(name, "ppt")) {
      if (!take(seen_ppt, h.ppt)) return out;
    }
    // Other ident-info-extension parameters are allowed and ignored.
  }
  return out;
}

bool is_identity_header_name(std::string_view name) {
  return sip::iequals(name, kIdentityHeaderName) || sip::iequals(name, kIdentityCompactName);
}

std::vector<std::string_view> identity_header_values(const sip::MessageView& message) {
  std::vector<std::string_view> out;
  for (const auto& h : message.headers()) {
    if (is_identity_header_name(message.name(h))) out.push_back(message.value(h));
  }
  return out;
}

}  // namespace sipnic::stir
