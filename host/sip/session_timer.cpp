#include "sip/session_timer.h"

#include <algorithm>

#include "sip/header_values.h"
#include "sip/option_tags.h"

namespace sipnic::sip {

using core::ExtensionPolicy;
using offload::HeaderId;

namespace {

constexpr std::uint32_t kFloorSeconds = 90;       // RFC 4028 §4: no interval below 90 s
constexpr std::uint32_t kLargestMinSe = 86400;    // a 422 asking for more is not retried

constexpr std::string_view kTag = "timer";

bool supports_timer(const SipMessage& m) {
  return lists_token(m.view(), HeaderId::kSupported, kTag) || lists_token(m.view(), HeaderId::kRequire, kTag);
}

core::Millis seconds(std::uint32_t s) { return core::Millis(std::uint64_t{s} * 1000); }
// §10: the side that does not refresh hangs up min(32, interval/3) seconds
// before the interval ends. In milliseconds, so that odd intervals are exact.
core::Millis expiry_of(std::uint32_t s) {
  return seconds(s) - std::min(seconds(32), seconds(s) / 3);
}

}  // namespace

SessionTimerPolicy SessionTimerPolicy::of(const core::TrunkConfig& trunk) {
  return {trunk.session_timer, trunk.session_expires_s, trunk.min_se_s};
}

void SessionTimer::note_allow(const SipMessage& m) {
  if (m.has(HeaderId::kAllow)) peer_allows_update_ = lists_token(m.view(), HeaderId::kAllow, "UPDATE");
}

SessionTimer::Answer SessionTimer::answer(const SipMessage& request) {
  note_allow(request);
  Answer a;
  const bool peer_supports = supports_timer(request);
  peer_supports_ = peer_supports;
  if (policy_.mode == ExtensionPolicy::kOff) {
    if (lists_token(request.view(), HeaderId::kRequire, kTag)) {
      a.reject = 420;
      a.headers = "Unsupported: timer\r\n";
    }
    return a;
  }
  if (policy_.mode == ExtensionPolicy::kRequired && !peer_supports) {
    a.reject = 421;
    a.headers = "Require: timer\r\n";
    return a;
  }
  // A malformed Min-SE or Session-Expires is read as absent: validation
  // (sip/validate.h) answers 400 to what the transaction layer relies on, and
  // these are not among it.
  std::uint32_t request_min_se = 0;
  if (auto m = parse_min_se(request.header(HeaderId::kMinSE)); request.has(HeaderId::kMinSE) && m) {
    request_min_se = *m;
  }
  const std::uint32_t lowest = std::max({kFloorSeconds, request_min_se, policy_.min_se_s});
  std::optional<SessionExpires> asked;
  if (request.has(HeaderId::kSessionExpires)) {
    if (auto se = parse_session_expires(request.header(HeaderId::kSessionExpires))) asked = *se;
  }

  std::uint32_t interval = 0;
  Refresher refresher = Refresher::kUnset;
  if (asked) {
    if (asked->seconds < policy_.min_se_s && peer_supports) {
      a.reject = 422;
      a.headers = "Min-SE: " + std::to_string(policy_.min_se_s) + "\r\n";
      return a;
    }
    // Reduced to ours, not below the minimums, never raised above the
    // request's (§9) — except to the 90 s floor a peer that does not support
    // timer (a proxy put the header in) may have gone below.
    interval = std::min(std::max(std::min(asked->seconds, policy_.session_expires_s), lowest), asked->seconds);
    interval = std::max(interval, kFloorSeconds);
    refresher = peer_supports ? asked->refresher : Refresher::kUas;
  } else {
    interval = std::max(policy_.session_expires_s, lowest);
  }
  if (refresher == Refresher::kUnset) refresher = peer_supports ? Refresher::kUac : Refresher::kUas;

  a.interval = {interval, refresher == Refresher::kUas};
  a.headers = "Session-Expires: " + format_session_expires(interval, refresher) + "\r\n";
  // §9: MUST with refresher=uac, SHOULD with uas when the peer supports it.
  if (peer_supports) a.headers += "Require: timer\r\n";
  return a;
}

std::string SessionTimer::request_headers() const {
  if (policy_.mode == ExtensionPolicy::kOff) return {};
  std::string h = "Supported: timer\r\n";
  if (policy_.mode == ExtensionPolicy::kRequired) h += "Require: timer\r\n";
  std::string se;
  if (phase_ != Phase::kIdle && current_.seconds) {
    // §7.4: the current interval; refresher=uac keeps sipnic the refresher,
    // refresher=uas leaves it with the peer (the UAS of this request).
    se = format_session_expires(std::max(current_.seconds, min_se_),
                                current_.sipnic_refreshes ? Refresher::kUac : Refresher::kUas);
  } else {
    se = format_session_expires(std::max(policy_.session_expires_s, min_se_), Refresher::kUnset);
  }
  h += "Session-Expires: " + se + "\r\n";
  h += "Min-SE: " + std::to_string(min_se_) + "\r\n";
  return h;
}

bool SessionTimer::on_422(const SipMessage& response) {
  if (policy_.mode == ExtensionPolicy::kOff || response.status() != 422) return false;
  auto m = parse_min_se(response.header(HeaderId::kMinSE));
  if (!response.has(HeaderId::kMinSE) || !m || *m <= min_se_ || *m > kLargestMinSe) return false;
  min_se_ = *m;
  return true;
}

SessionInterval SessionTimer::on_2xx(const SipMessage& response) {
  note_allow(response);
  if (policy_.mode == ExtensionPolicy::kOff) return {};
  const bool supports = supports_timer(response);
  std::optional<SessionExpires> se;
  if (response.has(HeaderId::kSessionExpires)) {
    if (auto v = parse_session_expires(response.header(HeaderId::kSessionExpires)); v && v->seconds) se = *v;
  }
  if (!se) {
    // A peer that does not support timer answers sipnic's refreshes without
    // Session-Expires: sipnic stays the refresher §9 made it. From a peer that
    // does (or to the INVITE), no Session-Expires turns the timer off (§7.2).
    if (!supports && !peer_supports_ && phase_ != Phase::kIdle && current_.sipnic_refreshes) return current_;
    return {};
  }
  peer_supports_ = supports;
  return {std::max(se->seconds, kFloorSeconds), se->refresher != Refresher::kUas};
}

std::optional<core::Millis> SessionTimer::start(SessionInterval interval) {
  current_ = interval;
  if (interval.seconds == 0) {
    phase_ = Phase::kIdle;
    return std::nullopt;
  }
  if (interval.sipnic_refreshes) {
    phase_ = Phase::kRefreshDue;
    return seconds(interval.seconds) / 2;
  }
  phase_ = Phase::kExpiryDue;
  return expiry_of(interval.seconds);
}

SessionTimer::Fired SessionTimer::on_timer() {
  Fired f;
  switch (phase_) {
    case Phase::kIdle:
      return f;
    case Phase::kRefreshDue:
      phase_ = Phase::kRefreshSent;
      f.due = Due::kRefresh;
      f.next = seconds(current_.seconds) - seconds(current_.seconds) / 2;
      return f;
    case Phase::kRefreshSent:
    case Phase::kExpiryDue:
      phase_ = Phase::kIdle;
      f.due = Due::kExpired;
      return f;
  }
  return f;
}

}  // namespace sipnic::sip
