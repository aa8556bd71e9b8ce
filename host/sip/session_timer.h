// sip::SessionTimer: RFC 4028 session timers on one leg of a call, as sipnic
// holds them on that leg (hop by hop: the B2BUA keeps one per leg, and the
// two negotiate independently). It decides what to answer to a session
// refresh request (the INVITE, a re-INVITE, an UPDATE) sipnic receives on
// the leg, what to put in one it sends, what a 422 or a 2xx to it means, and
// when the leg's timer is due: sipnic's own refresh where sipnic is the
// refresher, the session's expiry (hang up with BYE) where the peer is.
//
// A value type with no I/O and no clock, like sip::Dialog's 2xx schedule:
// methods return the header lines to send and the delay to the next timer;
// whoever holds it sends what it says and arms (and re-arms) that one timer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/config.h"
#include "sip/message.h"

namespace sipnic::sip {

// A trunk's session-timer settings (core::TrunkConfig session-timer,
// session-expires, min-se).
struct SessionTimerPolicy {
  core::ExtensionPolicy mode = core::ExtensionPolicy::kSupported;
  std::uint32_t session_expires_s = 1800;  // asked for; the largest accepted
  std::uint32_t min_se_s = 90;             // the smallest accepted (>= 90)
  static SessionTimerPolicy of(const core::TrunkConfig& trunk);
};

// A negotiated session interval on the leg.
struct SessionInterval {
  std::uint32_t seconds = 0;      // 0: no session timer
  bool sipnic_refreshes = false;  // else the peer refreshes and sipnic watches
  bool operator==(const SessionInterval&) const = default;
};

class SessionTimer {
 public:
  explicit SessionTimer(SessionTimerPolicy policy) : policy_(policy), min_se_(policy.min_se_s) {}

  // ---- sipnic answers a session refresh request on this leg (RFC 4028 §9)
  struct Answer {
    // 0: accept, and put `headers` in the 2xx; else the final response to
    // send instead, with `headers` in it:
    //   422 Session Interval Too Small, Min-SE (the peer supports timer and
    //       asked for less than min-se);
    //   420 Bad Extension, Unsupported: timer (policy off, Require: timer);
    //   421 Extension Required, Require: timer (policy required, the peer
    //       does not support timer).
    int reject = 0;
    std::string headers;       // "Name: value\r\n" lines
    SessionInterval interval;  // for start() once the 2xx is sent
  };
  // The policy off: no Session-Expires in the 2xx and no timer. Otherwise
  // sipnic always runs a timer: the interval is the request's
  // Session-Expires reduced to session-expires (never below the request's
  // Min-SE or min-se, never above what the request asked), or without one
  // session-expires (at least the request's Min-SE). The refresher is the
  // request's refresher parameter, else the peer when it supports timer and
  // sipnic when it does not (§9's table); Require: timer goes in the 2xx when
  // the peer supports timer. Also notes whether the peer allows UPDATE.
  Answer answer(const SipMessage& request);

  // ---- sipnic sends a session refresh request on this leg (RFC 4028 §7)
  // Lines for the INVITE, re-INVITE or UPDATE: Supported: timer (unless
  // off), Require: timer (required), Session-Expires and Min-SE. While a
  // timer runs they carry its interval and who refreshes (refresher=uac when
  // it is sipnic, §7.4), else session-expires without refresher (§7.1: the
  // UAS chooses). "" when the policy is off.
  std::string request_headers() const;
  // A 422 to that request (§7.3): true when its Min-SE raised the minimum
  // sipnic asks for (the next request_headers() carry it, and the caller
  // sends the request again with a new CSeq); false when it did not raise it
  // (no second try for the same value) or asked for more than a day.
  bool on_422(const SipMessage& response);
  // A 2xx to that request (§7.2): no Session-Expires, no timer — except on
  // a running timer sipnic refreshes for a peer that does not support timer
  // (§9 made sipnic the refresher; such a peer never echoes the header), which
  // keeps its interval. Else its interval, refreshed by sipnic for
  // refresher=uac or no refresher (the UAS must set one; sipnic keeps the
  // session alive when it did not) and by the peer for refresher=uas. Also
  // notes whether the peer allows UPDATE.
  SessionInterval on_2xx(const SipMessage& response);

  // ---- the leg's one timer
  // The 2xx went out (answer) or came in (on_2xx): the timer (re)starts with
  // that interval. Returns the delay to arm for on_timer(), after cancelling
  // any armed one; nullopt: no timer runs. Where sipnic refreshes the first
  // timer is the refresh, at half the interval; where the peer refreshes it
  // is the expiry, min(32, interval/3) seconds before the interval ends (§10).
  std::optional<core::Millis> start(SessionInterval interval);
  enum class Due {
    kNone,     // no timer was running (a stale one fired)
    kRefresh,  // send a refresh (refresh_method(), request_headers())
    kExpired,  // no refresh came (or ours got no 2xx): BYE the leg
  };
  struct Fired {
    Due due = Due::kNone;
    std::optional<core::Millis> next;  // arm on_timer() again after this
  };
  // After kRefresh the next timer is the end of the interval: without a 2xx
  // to the refresh by then, kExpired.
  Fired on_timer();
  // The method of sipnic's refresh: UPDATE when the peer's Allow lists it
  // (RFC 3311; no SDP needed), else re-INVITE (carrying the current SDP).
  std::string_view refresh_method() const { return peer_allows_update_ ? "UPDATE" : "INVITE"; }
  SessionInterval current() const { return current_; }
  bool running() const { return phase_ != Phase::kIdle; }

 private:
  enum class Phase : std::uint8_t { kIdle, kRefreshDue, kRefreshSent, kExpiryDue };
  void note_allow(const SipMessage& m);

  SessionTimerPolicy policy_;
  std::uint32_t min_se_;  // the Min-SE sipnic sends: min-se, raised by 422s
  SessionInterval current_;
  Phase phase_ = Phase::kIdle;
  bool peer_allows_update_ = false;
  bool peer_supports_ = true;  // until a request or 2xx of the peer says otherwise
};

}  // namespace sipnic::sip
