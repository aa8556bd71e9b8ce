#include "interwork/redirection.h"

#include <charconv>
#include <vector>

#include "sip/header_values.h"

namespace sipnic::interwork {

namespace {

struct CauseReason {
  int cause;
  std::string_view reason;
};
// RFC 6044 §7, both ways; the first row of a cause is its reason.
constexpr CauseReason kCauses[] = {
    {302, "unconditional"}, {486, "user-busy"},    {408, "no-answer"},       {480, "deflection"},
    {487, "deflection"},    {503, "unavailable"},  {503, "out-of-service"},  {404, "unknown"},
    {404, "time-of-day"},   {480, "do-not-disturb"}, {302, "follow-me"},     {302, "away"},
};

struct Entry {
  std::string uri;          // as written, without <>
  std::string params_text;  // header parameters (index, mp, reason, counter, ...)
  sip::ParamList params() const { return sip::ParamList(params_text); }
};

// The elements of header values (name-addrs with header parameters).
std::vector<Entry> entries_of(const std::vector<std::string>& values) {
  std::vector<Entry> out;
  for (const auto& v : values) {
    sip::CommaValues elements(v);
    while (auto e = elements.next()) {
      auto na = sip::parse_name_addr(*e);
      if (!na || na->star) continue;
      Entry entry;
      entry.uri = std::string(na->uri);
      entry.params_text = std::string(na->params.text());
      out.push_back(std::move(entry));
    }
  }
  return out;
}

// A URI with its URI headers and every parameter but `user` left out: the
// diverting user, not how it was reached.
std::string bare_uri(std::string_view text) {
  auto uri = sip::parse_uri(text);
  if (!uri) return std::string(text.substr(0, text.find('?')));
  if (!uri->is_sip) return std::string(uri->scheme) + ":" + std::string(uri->opaque.substr(0, uri->opaque.find('?')));
  std::string out = std::string(uri->scheme) + ":";
  if (uri->has_userinfo) out.append(uri->user).append("@");
  out += uri->host_is_ipv6 ? "[" + std::string(uri->host) + "]" : std::string(uri->host);
  if (uri->has_port) out += ":" + std::to_string(uri->port);
  if (auto user = uri->params.find("user")) out.append(";user=").append(user->value);
  return out;
}

// `uri` (bare) with an RFC 4458 cause parameter.
std::string with_cause(std::string uri, int cause) { return uri + ";cause=" + std::to_string(cause); }

std::string diversion_from_history(const std::vector<Entry>& history) {
  std::vector<std::string> diversions;  // oldest first
  for (std::size_t k = 1; k < history.size(); ++k) {
    auto uri = sip::parse_uri(history[k].uri);
    if (!uri || !uri->is_sip) continue;
    auto cause = uri->params.find("cause");
    if (!cause) continue;  // retargeted, not diverted
    int code = 0;
    std::from_chars(cause->value.data(), cause->value.data() + cause->value.size(), code);
    diversions.push_back("<" + bare_uri(history[k - 1].uri) + ">;reason=" +
                         std::string(diversion_reason_for_cause(code)) + ";counter=1");
  }
  std::string out;
  for (auto it = diversions.rbegin(); it != diversions.rend(); ++it) out += (out.empty() ? "" : ", ") + *it;
  return out;
}

std::string history_from_diversion(const std::vector<Entry>& diversion, std::string_view request_uri) {
  // Diversion lists the newest first; the history starts with the oldest.
  std::vector<const Entry*> oldest_first;
  for (auto it = diversion.rbegin(); it != diversion.rend(); ++it) oldest_first.push_back(&*it);
  std::string out, index = "1";
  std::string parent;
  for (std::size_t k = 0; k <= oldest_first.size(); ++k) {
    std::string uri;
    if (k == 0) uri = bare_uri(oldest_first[0]->uri);
    else {
      int cause = cause_for_diversion_reason(oldest_first[k - 1]->params().get("reason"));
      uri = with_cause(k < oldest_first.size() ? bare_uri(oldest_first[k]->uri) : bare_uri(request_uri), cause);
    }
    if (!out.empty()) out += ", ";
    out += "<" + uri + ">;index=" + index;
    if (!parent.empty()) out += ";mp=" + parent;
    parent = index;
    index += ".1";
  }
  return out;
}

}  // namespace

int cause_for_diversion_reason(std::string_view reason) {
  for (const auto& c : kCauses)
    if (sip::iequals(c.reason, reason)) return c.cause;
  return 404;
}

std::string_view diversion_reason_for_cause(int cause) {
  for (const auto& c : kCauses)
    if (c.cause == cause) return c.reason;
  return "unknown";
}

std::string convert_redirection(std::string_view headers, core::RedirectionHeader want, std::string_view request_uri) {
  if (want == core::RedirectionHeader::kKeep) return std::string(headers);
  std::string others;
  std::vector<std::string> diversion, history;
  while (!headers.empty()) {
    std::size_t end = headers.find("\r\n");
    std::string_view line = headers.substr(0, end);
    headers = end == std::string_view::npos ? std::string_view{} : headers.substr(end + 2);
    std::size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view{} : sip::trim_lws(line.substr(colon + 1));
    if (sip::iequals(name, "Diversion")) diversion.emplace_back(value);
    else if (sip::iequals(name, "History-Info")) history.emplace_back(value);
    else others.append(line).append("\r\n");
  }
  std::string converted;
  if (want == core::RedirectionHeader::kDiversion) {
    if (!diversion.empty()) {
      for (const auto& d : diversion) converted += (converted.empty() ? "" : ", ") + d;
    } else if (!history.empty()) {
      converted = diversion_from_history(entries_of(history));
    }
    if (!converted.empty()) others += "Diversion: " + converted + "\r\n";
  } else {
    if (!history.empty()) {
      for (const auto& h : history) converted += (converted.empty() ? "" : ", ") + h;
    } else if (auto entries = entries_of(diversion); !entries.empty()) {
      converted = history_from_diversion(entries, request_uri);
    }
    if (!converted.empty()) others += "History-Info: " + converted + "\r\n";
  }
  return others;
}

}  // namespace sipnic::interwork
