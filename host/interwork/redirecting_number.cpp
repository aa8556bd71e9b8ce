#include "interwork/redirecting_number.h"

#include "interwork/number_rules.h"
#include "interwork/redirection.h"
#include "sip/header_values.h"

namespace sipnic::interwork {

namespace {

using pri::q931::PartyNumber;
using pri::q931::Presentation;
using pri::q931::RedirectingNumber;
using pri::q931::RedirectionReason;
using pri::q931::Screening;

struct ReasonName {
  RedirectionReason reason;
  std::string_view name;
};
// Both ways; the first row of a reason is its name.
constexpr ReasonName kReasons[] = {
    {RedirectionReason::kCallForwardingUnconditional, "unconditional"},
    {RedirectionReason::kCallForwardingBusy, "user-busy"},
    {RedirectionReason::kCallForwardingNoReply, "no-answer"},
    {RedirectionReason::kCallDeflection, "deflection"},
    {RedirectionReason::kCalledDteOutOfOrder, "out-of-service"},
    {RedirectionReason::kCalledDteOutOfOrder, "unavailable"},
    {RedirectionReason::kUnknown, "unknown"},
    {RedirectionReason::kCallForwardingUnconditional, "time-of-day"},
    {RedirectionReason::kCallForwardingUnconditional, "do-not-disturb"},
    {RedirectionReason::kCallForwardingUnconditional, "follow-me"},
    {RedirectionReason::kCallForwardingUnconditional, "away"},
};

// A URI parameter value (RFC 3261 paramchar): everything else %-escaped.
std::string escaped_param(std::string_view value) {
  static constexpr std::string_view kKeep = "-_.!~*'()[]/:&+$";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum || kKeep.find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string uri_of(const RedirectingNumber& r, const core::SpanNumbering& span, std::string_view host) {
  return sip_uri(to_sip({r.number.type, r.number.plan, r.number.digits}, span), host);
}

std::optional<RedirectingNumber> redirecting_from(std::string_view uri, std::optional<RedirectionReason> reason,
                                                  bool hidden, const core::SpanNumbering& span) {
  const auto number = number_of_uri(uri);
  if (!number) return std::nullopt;
  const IsdnNumber isdn = to_isdn(*number, span);
  RedirectingNumber r;
  r.number.type = isdn.type;
  r.number.plan = isdn.plan;
  r.number.digits = isdn.digits;
  r.number.presentation = hidden ? Presentation::kRestricted : Presentation::kAllowed;
  r.number.screening = Screening::kNetworkProvided;
  r.reason = reason.value_or(RedirectionReason::kUnknown);
  return r;
}

// The first value of the first Diversion line of `headers`.
std::optional<std::string> first_diversion(std::string_view headers) {
  while (!headers.empty()) {
    const std::size_t end = headers.find("\r\n");
    const std::string_view line = headers.substr(0, end);
    headers = end == std::string_view::npos ? std::string_view{} : headers.substr(end + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !sip::iequals(sip::trim_lws(line.substr(0, colon)), "Diversion")) continue;
    sip::CommaValues values(sip::trim_lws(line.substr(colon + 1)));
    if (const auto first = values.next()) return std::string(*first);
  }
  return std::nullopt;
}

}  // namespace

std::string_view diversion_reason_for(std::optional<RedirectionReason> reason) {
  for (const ReasonName& r : kReasons)
    if (reason && r.reason == *reason) return r.name;
  return "unknown";
}

RedirectionReason redirection_reason_for(std::string_view name) {
  for (const ReasonName& r : kReasons)
    if (sip::iequals(r.name, name)) return r.reason;
  return RedirectionReason::kUnknown;
}

std::string diversion_for(const RedirectingNumber& r, const core::SpanNumbering& span, std::string_view host) {
  std::string out = "<" + uri_of(r, span, host) + ">;reason=" + std::string(diversion_reason_for(r.reason)) + ";counter=1";
  if (r.number.presentation != Presentation::kAllowed) out += ";privacy=full";
  return out;
}

std::string request_uri_with_target(std::string_view base, const RedirectingNumber& r,
                                    const core::SpanNumbering& span, std::string_view host) {
  const int cause = cause_for_diversion_reason(diversion_reason_for(r.reason));
  return std::string(base) + ";target=" + escaped_param(uri_of(r, span, host)) + ";cause=" + std::to_string(cause);
}

std::optional<RedirectingNumber> redirecting_of(std::string_view headers, std::string_view request_uri,
                                                const core::SpanNumbering& span) {
  // Diversion as it is, or made from History-Info.
  const std::string diversions = convert_redirection(headers, core::RedirectionHeader::kDiversion, request_uri);
  if (const auto first = first_diversion(diversions)) {
    const auto na = sip::parse_name_addr(*first);
    if (na) {
      const std::string_view privacy = na->params.get("privacy");
      const bool hidden = !privacy.empty() && !sip::iequals(privacy, "off");
      if (auto r = redirecting_from(na->uri, redirection_reason_for(na->params.get("reason")), hidden, span)) return r;
    }
  }
  // RFC 4458: the Request-URI says whom the call was for and why.
  const auto uri = sip::parse_uri(request_uri);
  if (!uri || !uri->is_sip) return std::nullopt;
  const auto target = uri->params.find("target");
  if (!target || target->value.empty()) return std::nullopt;
  const auto decoded = sip::percent_decode(target->value);
  if (!decoded) return std::nullopt;
  std::optional<RedirectionReason> reason;
  if (const auto cause = sip::parse_uint(uri->params.get("cause"), 699))
    reason = redirection_reason_for(diversion_reason_for_cause(static_cast<int>(*cause)));
  return redirecting_from(*decoded, reason, false, span);
}

}  // namespace sipnic::interwork
