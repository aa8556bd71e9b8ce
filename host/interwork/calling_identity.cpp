#include "interwork/calling_identity.h"

#include "interwork/number_rules.h"
#include "sip/header_values.h"

namespace sipnic::interwork {

namespace {

using pri::q931::PartyNumber;
using pri::q931::Presentation;
using pri::q931::Screening;

constexpr std::string_view kAnonymousFrom = "\"Anonymous\" <sip:anonymous@anonymous.invalid>";

std::string name_addr(std::string_view name, const std::string& uri) {
  return (name.empty() ? std::string() : sip::quoted(name) + " ") + "<" + uri + ">";
}

bool anonymous_uri(std::string_view uri) {
  const auto u = sip::parse_uri(uri);
  return u && u->is_sip && (sip::iequals(u->user, "anonymous") || sip::iequals(u->host, "anonymous.invalid"));
}

// Privacy (RFC 3323 §4.2): priv-value *(";" priv-value).
bool privacy_hides_identity(std::string_view privacy) {
  while (!privacy.empty()) {
    const std::size_t semi = privacy.find(';');
    const std::string_view value = sip::trim_lws(privacy.substr(0, semi));
    if (sip::iequals(value, "id") || sip::iequals(value, "user") || sip::iequals(value, "header")) return true;
    if (semi == std::string_view::npos) break;
    privacy.remove_prefix(semi + 1);
  }
  return false;
}

// The number and display name of one name-addr, if its URI names a number.
struct Named {
  SipNumber number;
  std::string display;
};
std::optional<Named> named_number(std::string_view value) {
  const auto na = sip::parse_name_addr(value);
  if (!na) return std::nullopt;
  const auto number = number_of_uri(na->uri);
  if (!number) return std::nullopt;
  Named n{*number, std::string(na->display_name)};
  if (na->display_quoted) {
    auto unquoted = sip::unquote(na->display_name);
    n.display = unquoted ? *unquoted : std::string();
  }
  return n;
}

}  // namespace

SipIdentity identity_to_sip(const std::optional<PartyNumber>& calling, std::string_view name,
                            const core::SpanNumbering& span, std::string_view host) {
  SipIdentity out;
  out.from = std::string(kAnonymousFrom);
  if (!calling || calling->digits.empty() || calling->presentation == Presentation::kNotAvailable) return out;
  const SipNumber number = to_sip({calling->type, calling->plan, calling->digits}, span);
  const std::string uri = sip_uri(number, host);
  const bool vouched = calling->screening != Screening::kUserProvidedVerifiedAndFailed;
  if (calling->presentation == Presentation::kRestricted) {
    if (!vouched) return out;  // nothing to assert, nothing to show
    out.asserted = name_addr({}, uri);
    out.privacy = "id";
    return out;
  }
  out.from = name_addr(name, uri);
  if (vouched) out.asserted = name_addr(name, uri);
  return out;
}

IsdnIdentity identity_to_isdn(std::string_view from, std::span<const std::string_view> asserted,
                              std::string_view privacy, const core::SpanNumbering& span) {
  IsdnIdentity out;
  std::optional<Named> source;
  Screening screening = Screening::kUserProvidedNotScreened;
  for (std::string_view header : asserted) {
    sip::CommaValues values(header);
    while (!source) {
      const auto element = values.next();
      if (!element) break;
      source = named_number(*element);
    }
    if (source) {
      screening = Screening::kNetworkProvided;
      break;
    }
  }
  const auto from_na = sip::parse_name_addr(from);
  const bool from_anonymous = from_na && anonymous_uri(from_na->uri);
  const auto from_named = from_anonymous ? std::nullopt : named_number(from);
  if (!source) source = from_named;
  const bool restricted = privacy_hides_identity(privacy) || from_anonymous;

  PartyNumber n;
  n.screening = screening;
  if (!source) {
    n.presentation = Presentation::kNotAvailable;
    n.screening = Screening::kNetworkProvided;
    out.calling = n;
    return out;
  }
  const IsdnNumber isdn = to_isdn(source->number, span);
  n.type = isdn.type;
  n.plan = isdn.plan;
  n.digits = isdn.digits;
  n.presentation = restricted ? Presentation::kRestricted : Presentation::kAllowed;
  out.calling = n;
  if (!restricted) {
    std::string display = from_named && !from_named->display.empty() ? from_named->display : source->display;
    if (!sip::iequals(display, "Anonymous")) out.name = std::move(display);
  }
  return out;
}

}  // namespace sipnic::interwork
