// Rate limit for log lines that can repeat without bound (one per bad packet,
// per failed connect, per refused source): at most one line per key per
// interval. The first line let through after a quiet spell says how many
// similar lines were held back, so nothing is lost from the count.
//
// One LogLimiter belongs to one owner on one thread (a worker's transport,
// B2BUA, ...): no locks, no global state. Keys are what makes two lines
// "similar": e.g. "connect-failed|" + peer address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/log.h"

namespace sipnic::core {

class LogLimiter {
 public:
  // `max_keys` bounds memory under a flood of distinct keys (e.g. spoofed
  // sources): past it, keys share one overflow entry.
  explicit LogLimiter(Millis interval = Millis(10000), std::size_t max_keys = 4096)
      : interval_(interval), max_keys_(max_keys) {}

  // nullopt: suppress this line. Otherwise write it; the value is how many
  // lines of this key were suppressed since the last one written.
  std::optional<std::uint64_t> admit(std::string_view key, Clock::time_point now);

  // Writes `message` through `log` unless this key was written within the
  // interval; a line written after suppressed ones ends with
  // " (N similar lines suppressed)". Returns true if written.
  bool write(Log& log, LogLevel level, std::string_view component, std::string_view key,
             std::string_view message, Clock::time_point now);

  Millis interval() const { return interval_; }
  std::size_t keys() const { return entries_.size(); }

 private:
  struct Entry {
    Clock::time_point last_written;
    std::uint64_t suppressed = 0;
  };
  Millis interval_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace sipnic::core
