#include "core/log_limiter.h"

namespace sipnic::core {

namespace {
constexpr std::string_view kOverflowKey = "\x01overflow";
}

std::optional<std::uint64_t> LogLimiter::admit(std::string_view key, Clock::time_point now) {
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) {
      // Forget keys that have been quiet for a whole interval and owe no
      // count; if the map is still full, this key shares the overflow entry.
      for (auto e = entries_.begin(); e != entries_.end();) {
        e = (now - e->second.last_written >= interval_ && e->second.suppressed == 0) ? entries_.erase(e)
                                                                                     : std::next(e);
      }
      if (entries_.size() >= max_keys_) key = kOverflowKey;
    }
    auto [ins, fresh] = entries_.try_emplace(std::string(key), Entry{now, 0});
    if (fresh) return 0;
    it = ins;
  }
  Entry& e = it->second;
  if (now - e.last_written < interval_) {
    ++e.suppressed;
    return std::nullopt;
  }
  std::uint64_t held = e.suppressed;
  e.suppressed = 0;
  e.last_written = now;
  return held;
}

bool LogLimiter::write(Log& log, LogLevel level, std::string_view component, std::string_view key,
                       std::string_view message, Clock::time_point now) {
  if (!log.enabled(level)) return false;
  auto held = admit(key, now);
  if (!held) return false;
  if (*held == 0) {
    log.write(level, component, message);
  } else {
    std::string line(message);
    line += " (" + std::to_string(*held) + " similar line" + (*held == 1 ? "" : "s") + " suppressed)";
    log.write(level, component, line);
  }
  return true;
}

}  // namespace sipnic::core
