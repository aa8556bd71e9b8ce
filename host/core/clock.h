// Where an EventLoop reads the time. Production loops read the steady clock;
// tests hand a loop a ManualClock and move time themselves, so timer tests
// (RFC 3261 Timers A-K, keepalives, timeouts, Q.921/Q.931 timers) run in
// microseconds and never depend on how loaded the machine is.
#pragma once

#include <atomic>
#include <chrono>

namespace sipnic::core {

// The time base of every deadline in sipnic: steady, never wall-clock.
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual Clock::time_point now() const = 0;
  // True when time moves only when a test says so (ManualClock): the loop
  // then never sleeps waiting for a timer.
  virtual bool manual() const { return false; }
};

// The steady clock (the default of every EventLoop).
class SteadyTimeSource final : public TimeSource {
 public:
  Clock::time_point now() const override { return Clock::now(); }
};
// One shared instance: it has no state.
const TimeSource& steady_time_source();

// Time that stands still until advanced. Thread-safe: a test thread may
// advance it while a loop thread reads it (the test then wakes the loop, e.g.
// with EventLoop::post, so that it looks at its timers again).
class ManualClock final : public TimeSource {
 public:
  // Starts at an arbitrary fixed point (not the epoch: code may treat a
  // default-constructed time_point as "never").
  ManualClock() : ticks_(Clock::duration(std::chrono::hours(1)).count()) {}
  Clock::time_point now() const override {
    return Clock::time_point(Clock::duration(ticks_.load(std::memory_order_acquire)));
  }
  bool manual() const override { return true; }
  void advance(Clock::duration d) { ticks_.fetch_add(d.count(), std::memory_order_acq_rel); }
  // Moves to `t`; never backwards (a steady clock does not go back).
  void advance_to(Clock::time_point t) {
    auto want = t.time_since_epoch().count();
    auto cur = ticks_.load(std::memory_order_acquire);
    while (cur < want && !ticks_.compare_exchange_weak(cur, want, std::memory_order_acq_rel)) {
    }
  }

 private:
  std::atomic<Clock::rep> ticks_;
};

}  // namespace sipnic::core
