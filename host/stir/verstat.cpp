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
  // URI parameters start at the first ';' after the user part (a SIP user
  // part may hold ';' of its own) or, for tel:, after the number.
  const std::size_t at = uri.find('@');
  const std::size_t from = at == std::string_view::npos ? uri.find(':') : at;
  const std::size_t semi = from == std::string_view::npos ? std::string_view::npos : uri.find(';', from);
  const std::string_view base = uri.substr(0, semi);
  const std::string_view params = semi == std::string_view::npos ? std::string_view() : uri.substr(semi);

  std::string out;
  if (!na->display_name.empty()) out.append(na->display_name).append(" ");
  out.append("<").append(base).append(without_verstat(params));
  if (v) out.append(";verstat=").append(verstat_name(*v));
  out.append(headers).append(">").append(na->params.text());
  return out;
}

}  // namespace sipnic::stir
