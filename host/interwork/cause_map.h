// interwork::CauseMap: Q.850 causes (what a PRI span clears with) and SIP
// final responses (what a trunk refuses with) in each other's terms, for
// gateway calls between a span and a trunk (docs/gateway.md, "Causes").
//
// The profile is sipnic's own copy of RFC 3398's tables: §7.2.4.1 (ISUP
// cause -> SIP status) and §8.2.6.1 (SIP status -> ISUP cause), with its
// footnotes applied: cause 21 from the called user (location `user`) gives
// 603 rather than 403; 6xx responses are clearings by the user, others by
// the network beyond the gateway. What the RFC leaves open sipnic decides,
// and says so: a cause the table does not list maps as its Q.850 class's
// "unspecified" cause does (normal 480, resource unavailable 503, service
// not available 503, not implemented 501, invalid message, protocol error
// and interworking 500); a status not listed maps to 31 (the RFC's
// default), 488 and 606 (media not acceptable) to 65, 487 to nothing (the
// gateway's own CANCEL: the cause is the one that made it cancel).
//
// A trunk's and a span's exceptions (core::CauseMapping) apply on top, the
// span's over the trunk's. A Reason header with a Q.850 cause (RFC 3326)
// wins over the status it came with, both ways: the real cause crosses the
// gateway, never a blanket 16.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/config.h"
#include "pri/q850_cause.h"
#include "pri/q931_ie.h"

namespace sipnic::interwork {

// A Q.850 cause with where it arose (the cause IE's location; RFC 8606's
// `location` parameter of the Reason header).
struct Q850Reason {
  pri::Cause cause = pri::Cause::kNormalUnspecified;
  std::optional<pri::q931::Location> location;
  bool operator==(const Q850Reason&) const = default;
};

class CauseMap {
 public:
  // The profile and its exceptions: `trunk`'s, then `span`'s over them
  // (either may be null). The profile is the span's when a span is given,
  // else the trunk's.
  explicit CauseMap(const core::CauseMapping* trunk = nullptr, const core::CauseMapping* span = nullptr);

  // Q.850 -> SIP: the final response for a call the span refused or cleared
  // before it was answered.
  std::uint16_t status_for(const Q850Reason& reason) const;
  // SIP -> Q.850: the cause for a final failure response from the trunk;
  // nullopt for 487 (Request Terminated), which only answers the gateway's
  // own CANCEL. A Q.850 Reason that came with the response wins.
  std::optional<Q850Reason> cause_for(std::uint16_t status, const std::optional<Q850Reason>& reason = {}) const;
  // SIP -> Q.850 for a BYE or CANCEL from the trunk: its Q.850 Reason, else
  // 16 (normal call clearing) by the user.
  Q850Reason cause_for_clearing(const std::optional<Q850Reason>& reason = {}) const;

  const core::CauseMapping& mapping() const { return merged_; }

 private:
  core::CauseMapping merged_;
};

// RFC 3326 Reason header value for a Q.850 cause:
// `Q.850;cause=17;text="User busy";location=LN` (the text is Q.850's name
// of the cause; the location, RFC 8606, when known).
std::string reason_header_for(const Q850Reason& reason);
// The first Q.850 reason of a message's Reason header values (each a whole
// header value, as received: several may be comma-separated), if one has a
// cause 1..127; a location that is not one of RFC 8606's is left out.
std::optional<Q850Reason> q850_reason_of(std::span<const std::string_view> reason_headers);

// RFC 8606's names of the Q.850 locations: "U", "LPN", "LN", "TN", "RLN",
// "RPN", "INTL", "BI".
std::string_view location_name(pri::q931::Location location);
std::optional<pri::q931::Location> location_named(std::string_view name);

}  // namespace sipnic::interwork
