// Events in the sliding second before now, in ten 100 ms slots of atomics,
// so that every worker counts into one window without a lock: what a
// trunk's max-cps (calls) and max-rps (out-of-dialog requests) hold.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace sipnic::interwork {

class RateWindow {
 public:
  // Counts one event at `now`, unless `limit` > 0 and as many events (the
  // limit rounded up) are in the second before it already: false then, and
  // nothing is counted.
  bool try_add(std::chrono::steady_clock::time_point now, double limit);
  // The events counted in the second before `now`.
  std::uint32_t last_second(std::chrono::steady_clock::time_point now) const;

 private:
  std::atomic<std::int64_t> slot_{0};  // the slot last counted into
  std::atomic<std::uint32_t> count_[10] = {};
};

}  // namespace sipnic::interwork
