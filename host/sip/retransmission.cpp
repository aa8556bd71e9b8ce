#include "sip/retransmission.h"

#include <algorithm>

namespace sipnic::sip {

core::Millis Retransmission::start(std::string bytes, core::Millis t1, core::Millis ceiling) {
  bytes_ = std::move(bytes);
  interval_ = t1;
  elapsed_ = core::Millis(0);
  limit_ = t1 * 64;
  ceiling_ = ceiling;
  last_delay_ = t1;
  return t1;
}

Retransmission::Tick Retransmission::on_timer() {
  Tick t;
  if (bytes_.empty()) return t;
  elapsed_ += last_delay_;
  if (elapsed_ >= limit_) {
    bytes_.clear();
    t.give_up = true;
    return t;
  }
  t.resend = bytes_;
  interval_ = std::min(interval_ * 2, ceiling_);
  // The last timer falls on 64*T1 exactly, whatever the doubling says.
  last_delay_ = std::min(interval_, limit_ - elapsed_);
  t.next = last_delay_;
  return t;
}

}  // namespace sipnic::sip
