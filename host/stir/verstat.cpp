#include "stir/verstat.h"

#include "sip/header_values.h"

namespace sipnic::stir {

std::string_view verstat_name(Verstat v) {
  switch (v) {
    case Verstat::kPassed: return "TN-Validation-Passed";
    case Verstat::kFailed: return "TN-Validation-Failed";
    case Verstat::kNoValidation: return "No-TN-Validation";
  }
  return "No-TN-Validation";
}

namespace {

// `params` (";a=1;b" or "") without any parameter named verstat.
std::string without_verstat(std::string_view params) {
  std::string out;
  std::size_t i = 0;
  while (i < params.size()) {
    const std::size_t next = params.find(';', i + 1);
    const std::string_view param = params.substr(i, next == std::string_view::npos ? next : next - i);  // ";name[=v]"
    const std::size_t eq = param.find('=');
    const std::string_view name = param.substr(1, eq == std::string_view::npos ? eq : eq - 1);
    if (!sip::iequals(sip::trim_lws(name), "verstat")) out += param;
    if (next == std::string_view::npos) break;
    i = next;
  }
  return out;
}

}  // namespace

std::optional<std::string> with_verstat(std::string_view value, std::optional<Verstat> v) {
  auto na = sip::parse_name_addr(value);
  if (!na || na->star) return std::nullopt;
  std::string_view uri = na->uri;
  const std::size_t q = uri.find('?');
  const std::string_view headers = q == std::string_view::npos ? std::string_view() : uri.substr(q);
  uri = uri.substr(0, q);
  const std::size_t colon = uri.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  // An addr-spec may hold bytes no URI has ('>' among them): bracketing it
  // would make another address of it.
  for (char c : uri) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '<' || c == '>' || c == '"') return std::nullopt;
  }
  const std::string param = v ? ";verstat=" + std::string(verstat_name(*v)) : std::string();

  // Splits `part` at its first ';' into what comes before and its parameters
  // without verstat.
  auto strip = [](std::string_view part) {
    const std::size_t semi = part.find(';');
    return std::string(part.substr(0, semi)) +
           (semi == std::string_view::npos ? std::string() : without_verstat(part.substr(semi)));
  };
  std::string new_uri(uri.substr(0, colon + 1));
  const std::string_view rest = uri.substr(colon + 1);
  const std::size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    // sip:+15550102000;verstat=...@host;user=phone: the number is a
    // telephone-subscriber, whose parameters (verstat among them) sit in
    // the user part. A password after ':' stays after it.
    const std::string_view userinfo = rest.substr(0, at);
    const std::size_t pw = userinfo.find(':');
    new_uri += strip(userinfo.substr(0, pw)) + param;
    if (pw != std::string_view::npos) new_uri += userinfo.substr(pw);
    new_uri += strip(rest.substr(at));  // "@host;params", any verstat there removed too
  } else {
    // tel:+15550102000;verstat=... (or a SIP URI without a user part).
    new_uri += strip(rest) + param;
  }
  std::string out;
  if (!na->display_name.empty()) out.append(na->display_name).append(" ");
  out.append("<").append(new_uri).append(headers).append(">").append(na->params.text());
  return out;
}

}  // namespace sipnic::stir
