#include "core/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace sipnic::core {

std::optional<LogLevel> parse_log_level(std::string_view s) {
  if (s == "error") return LogLevel::kError;
  if (s == "warn" || s == "warning") return LogLevel::kWarn;
  if (s == "info") return LogLevel::kInfo;
  if (s == "debug") return LogLevel::kDebug;
  return std::nullopt;
}

std::string_view log_level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "?";
}

void Log::write(LogLevel l, std::string_view component, std::string_view message) {
  if (!enabled(l)) return;
  std::string line;
  line.reserve(component.size() + message.size() + 48);
  // Wall-clock time with milliseconds, so lines line up with packet captures.
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  int ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  line += ts;
  line += log_level_name(l);
  line += ' ';
  line += component;
  line += ": ";
  // Control bytes from the wire never reach the terminal raw.
  for (char c : message) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", u);
      line += esc;
    } else {
      line += c;
    }
  }
  if (sink_) {
    std::lock_guard lock(sink_mutex_);
    sink_(l, line);
    return;
  }
  line += '\n';
  // One write(2) per line keeps lines from different threads whole.
  ssize_t r = ::write(STDERR_FILENO, line.data(), line.size());
  (void)r;
}

}  // namespace sipnic::core
