#include "interwork/cause_map.h"

#include "sip/header_values.h"

namespace sipnic::interwork {

namespace {

using pri::Cause;
using pri::q931::Location;

struct CauseStatus {
  std::uint8_t cause;
  std::uint16_t status;
};

// RFC 3398 §7.2.4.1, ISUP cause -> SIP status, in the RFC's order. 16 is
// not there: normal clearing becomes BYE or CANCEL, and before an answer
// it maps by its class as the unlisted ones do. 22 maps to 410; the RFC's
// 301 for 22 with a diagnostic needs the new number as a Contact, which a
// Q.931 cause 22 does not carry in a form sipnic reads.
constexpr CauseStatus kRfc3398CauseToStatus[] = {
    {1, 404},   {2, 404},   {3, 404},   {17, 486},  {18, 408},  {19, 480},  {20, 480},  {21, 403},
    {22, 410},  {23, 410},  {26, 404},  {27, 502},  {28, 484},  {29, 501},  {31, 480},  {34, 503},
    {38, 503},  {41, 503},  {42, 503},  {47, 503},  {55, 403},  {57, 403},  {58, 503},  {65, 488},
    {70, 488},  {79, 501},  {87, 403},  {88, 503},  {102, 504}, {111, 500}, {127, 500},
};

struct StatusCause {
  std::uint16_t status;
  std::uint8_t cause;
};

// RFC 3398 §8.2.6.1, SIP status -> ISUP cause. 487 is left out (see
// cause_for); 488 and 606, which the RFC maps "by Warning header", are 65
// (bearer capability not implemented: the media offered are not
// acceptable), as RFC 4497 §8.4.4 maps them.
constexpr StatusCause kRfc3398StatusToCause[] = {
    {400, 41},  {401, 21},  {402, 21},  {403, 21},  {404, 1},   {405, 63},  {406, 79},  {407, 21},
    {408, 102}, {410, 22},  {413, 127}, {414, 127}, {415, 79},  {416, 127}, {420, 127}, {421, 127},
    {423, 127}, {480, 18},  {481, 41},  {482, 25},  {483, 25},  {484, 28},  {485, 1},   {486, 17},
    {488, 65},  {500, 41},  {501, 79},  {502, 38},  {503, 41},  {504, 102}, {505, 127}, {513, 127},
    {600, 17},  {603, 21},  {604, 1},   {606, 65},
};

// A cause the table does not list: as its Q.850 class's unspecified
// cause (31, 47, 63, 79, 95, 111, 127) maps, or would.
std::uint16_t class_status(std::uint8_t cause) {
  switch (pri::cause_class(cause)) {
    case 0:
    case 1: return 480;  // normal event
    case 2: return 503;  // resource unavailable
    case 3: return 503;  // service or option not available
    case 4: return 501;  // service or option not implemented
    default: return 500;  // invalid message, protocol error, interworking
  }
}

constexpr std::uint8_t kDefaultCause = 31;  // RFC 3398 §8.2.6.1: any status not listed
constexpr std::uint16_t kRequestTerminated = 487;

struct LocationName {
  Location location;
  std::string_view name;
};
constexpr LocationName kLocationNames[] = {
    {Location::kUser, "U"},
    {Location::kPrivateNetworkLocalUser, "LPN"},
    {Location::kPublicNetworkLocalUser, "LN"},
    {Location::kTransitNetwork, "TN"},
    {Location::kPublicNetworkRemoteUser, "RLN"},
    {Location::kPrivateNetworkRemoteUser, "RPN"},
    {Location::kInternationalNetwork, "INTL"},
    {Location::kBeyondInterworkingPoint, "BI"},
};

}  // namespace

CauseMap::CauseMap(const core::CauseMapping* trunk, const core::CauseMapping* span) {
  for (const core::CauseMapping* m : {trunk, span}) {
    if (!m) continue;
    merged_.profile = m->profile;
    for (const auto& [cause, status] : m->cause_to_status) merged_.cause_to_status[cause] = status;
    for (const auto& [status, cause] : m->status_to_cause) merged_.status_to_cause[status] = cause;
  }
}

std::uint16_t CauseMap::status_for(const Q850Reason& reason) const {
  const auto cause = static_cast<std::uint8_t>(reason.cause);
  if (const auto it = merged_.cause_to_status.find(cause); it != merged_.cause_to_status.end()) return it->second;
  // RFC 3398's "+": the called user itself rejected the call.
  if (reason.cause == Cause::kCallRejected && reason.location == Location::kUser) return 603;
  for (const CauseStatus& e : kRfc3398CauseToStatus)
    if (e.cause == cause) return e.status;
  return class_status(cause);
}

std::optional<Q850Reason> CauseMap::cause_for(std::uint16_t status, const std::optional<Q850Reason>& reason) const {
  if (reason) return reason;
  if (const auto it = merged_.status_to_cause.find(status); it != merged_.status_to_cause.end())
    return Q850Reason{static_cast<Cause>(it->second), status >= 600 ? Location::kUser : Location::kBeyondInterworkingPoint};
  if (status == kRequestTerminated) return std::nullopt;
  std::uint8_t cause = kDefaultCause;
  for (const StatusCause& e : kRfc3398StatusToCause)
    if (e.status == status) cause = e.cause;
  // The RFC's locations: 6xx is the user's answer, the rest the network's.
  return Q850Reason{static_cast<Cause>(cause), status >= 600 ? Location::kUser : Location::kBeyondInterworkingPoint};
}

Q850Reason CauseMap::cause_for_clearing(const std::optional<Q850Reason>& reason) const {
  if (reason) return *reason;
  return Q850Reason{Cause::kNormalCallClearing, Location::kUser};
}

std::string reason_header_for(const Q850Reason& reason) {
  const auto value = static_cast<std::uint8_t>(reason.cause);
  const auto name = pri::cause_name(value);
  return sip::format_reason("Q.850", value, name ? *name : std::string_view(),
                            reason.location ? location_name(*reason.location) : std::string_view());
}

std::optional<Q850Reason> q850_reason_of(std::span<const std::string_view> reason_headers) {
  for (std::string_view header : reason_headers) {
    sip::CommaValues values(header);
    while (const auto element = values.next()) {
      const auto r = sip::parse_reason(*element);
      if (!r || !r->is_q850() || !r->cause || *r->cause < 1 || *r->cause > 127) continue;
      return Q850Reason{static_cast<Cause>(*r->cause), location_named(r->location)};
    }
  }
  return std::nullopt;
}

std::string_view location_name(Location location) {
  for (const LocationName& l : kLocationNames)
    if (l.location == location) return l.name;
  return {};
}

std::optional<Location> location_named(std::string_view name) {
  for (const LocationName& l : kLocationNames)
    if (sip::iequals(l.name, name)) return l.location;
  return std::nullopt;
}

}  // namespace sipnic::interwork
