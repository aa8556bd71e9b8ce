// sip::Retransmission: a message a UA core (not a transaction) sends again
// until the other side acknowledges it — the UAS's 2xx until its ACK (RFC
// 3261 §13.3.1.4) and a reliable provisional response until its PRACK (RFC
// 3262 §3). The interval starts at T1 and doubles, up to a ceiling (T2 for
// the 2xx; none for a reliable provisional); after 64*T1 the sender gives up.
// No clock: start() and on_timer() return the delay to the next timer.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"

namespace sipnic::sip {

class Retransmission {
 public:
  // Starts sending `bytes` again; returns the delay to the first on_timer().
  // `ceiling`: the largest interval (core::Millis::max() for none).
  core::Millis start(std::string bytes, core::Millis t1, core::Millis ceiling);
  struct Tick {
    bool give_up = false;      // 64*T1 passed unacknowledged
    std::string_view resend;   // else the bytes to send again ("" if stopped)
    core::Millis next{0};      // and when to call on_timer() again
  };
  Tick on_timer();
  void stop() { bytes_.clear(); }
  bool active() const { return !bytes_.empty(); }

 private:
  std::string bytes_;
  core::Millis interval_{0};  // the current retransmission interval
  core::Millis elapsed_{0};   // since the message was first sent
  core::Millis limit_{0};     // 64*T1
  core::Millis ceiling_{0};
  core::Millis last_delay_{0};
};

}  // namespace sipnic::sip
