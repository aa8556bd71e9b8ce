#include "interwork/number_rules.h"

#include "sip/header_values.h"

namespace sipnic::interwork {

namespace {

using pri::q931::NumberingPlan;
using pri::q931::TypeOfNumber;

bool starts_with(std::string_view s, std::string_view prefix) {
  return !prefix.empty() && s.size() > prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// A number's characters without RFC 3966's visual separators; nullopt if
// anything else than digits, * and # (and one leading +) is left.
std::optional<SipNumber> telephone_number(std::string_view text) {
  SipNumber n;
  if (!text.empty() && text.front() == '+') {
    n.global = true;
    text.remove_prefix(1);
  }
  for (char c : text) {
    if (c == '-' || c == '.' || c == '(' || c == ')') continue;
    const bool digit = c >= '0' && c <= '9';
    // A global number is digits only (RFC 3966 global-number-digits).
    if (!digit && (n.global || (c != '*' && c != '#'))) return std::nullopt;
    n.digits += c;
  }
  if (n.digits.empty()) return std::nullopt;
  return n;
}

}  // namespace

SipNumber to_sip(const IsdnNumber& number, const core::SpanNumbering& span) {
  const std::string& d = number.digits;
  const bool e164 = number.plan == NumberingPlan::kIsdnTelephony || number.plan == NumberingPlan::kUnknown;
  const SipNumber local{d, false};
  if (!e164 || d.empty()) return local;
  switch (number.type) {
    case TypeOfNumber::kInternational:
      return {d, true};
    case TypeOfNumber::kNational:
      return span.country_code.empty() ? local : SipNumber{span.country_code + d, true};
    case TypeOfNumber::kSubscriber:
      return span.country_code.empty() || span.area_code.empty() ? local
                                                                 : SipNumber{span.country_code + span.area_code + d, true};
    case TypeOfNumber::kUnknown:
      // As dialled. The international prefix first: on E1 it begins with
      // the national one (00 and 0).
      if (starts_with(d, span.international_prefix)) return {d.substr(span.international_prefix.size()), true};
      if (starts_with(d, span.national_prefix))
        return span.country_code.empty() ? local
                                         : SipNumber{span.country_code + d.substr(span.national_prefix.size()), true};
      return local;
    case TypeOfNumber::kNetworkSpecific:
    case TypeOfNumber::kAbbreviated:
      return local;
  }
  return local;
}

IsdnNumber to_isdn(const SipNumber& number, const core::SpanNumbering& span) {
  IsdnNumber out;
  out.plan = NumberingPlan::kIsdnTelephony;
  if (!number.global) {
    out.type = TypeOfNumber::kUnknown;
    out.digits = number.digits;
    return out;
  }
  if (starts_with(number.digits, span.country_code)) {
    out.type = TypeOfNumber::kNational;
    out.digits = number.digits.substr(span.country_code.size());
  } else {
    out.type = TypeOfNumber::kInternational;
    out.digits = number.digits;
  }
  return out;
}

std::optional<SipNumber> number_of_uri(std::string_view text) {
  const auto uri = sip::parse_uri(sip::trim_lws(text));
  if (!uri) return std::nullopt;
  if (uri->is_sip) {
    if (!uri->has_userinfo) return std::nullopt;
    const auto user = uri->user_decoded();
    if (!user) return std::nullopt;
    std::string_view u = *user;
    u = u.substr(0, u.find(';'));  // telephone-subscriber parameters (isub, postd, ...)
    return telephone_number(u);
  }
  if (!sip::iequals(uri->scheme, "tel")) return std::nullopt;
  const std::string_view opaque = uri->opaque;
  const std::size_t semi = opaque.find(';');
  auto n = telephone_number(opaque.substr(0, semi));
  if (!n || n->global || semi == std::string_view::npos) return n;
  // A local number: a global phone-context is its prefix (RFC 3966 §5.1.5).
  const sip::ParamList params(opaque.substr(semi + 1));
  const std::string_view context = params.get("phone-context");
  if (context.empty() || context.front() != '+') return n;
  const auto prefix = telephone_number(context);
  if (!prefix || n->digits.find_first_of("*#") != std::string::npos) return n;
  return SipNumber{prefix->digits + n->digits, true};
}

std::string tel_uri(const SipNumber& number) { return "tel:" + number.text(); }

std::string sip_uri(const SipNumber& number, std::string_view host) {
  return "sip:" + number.text() + "@" + std::string(host) + ";user=phone";
}

}  // namespace sipnic::interwork
