// Logging: one line per event to stderr, "LEVEL component: message".
// A Log is an object the app creates and hands down (no global logger), so
// tests can capture what a component says. Keys and secrets are never logged.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace sipnic::core {

enum class LogLevel : int { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

std::optional<LogLevel> parse_log_level(std::string_view s);
std::string_view log_level_name(LogLevel l);

class Log {
 public:
  using Sink = std::function<void(LogLevel, std::string_view line)>;

  explicit Log(LogLevel level = LogLevel::kInfo) : level_(static_cast<int>(level)) {}
  // Lines go to `sink` instead of stderr (tests).
  Log(LogLevel level, Sink sink) : level_(static_cast<int>(level)), sink_(std::move(sink)) {}

  void set_level(LogLevel l) { level_.store(static_cast<int>(l), std::memory_order_relaxed); }
  bool enabled(LogLevel l) const {
    return static_cast<int>(l) <= level_.load(std::memory_order_relaxed);
  }
  void write(LogLevel l, std::string_view component, std::string_view message);

  void error(std::string_view c, std::string_view m) { write(LogLevel::kError, c, m); }
  void warn(std::string_view c, std::string_view m) { write(LogLevel::kWarn, c, m); }
  void info(std::string_view c, std::string_view m) { write(LogLevel::kInfo, c, m); }
  void debug(std::string_view c, std::string_view m) {
    if (enabled(LogLevel::kDebug)) write(LogLevel::kDebug, c, m);
  }

 private:
  std::atomic<int> level_;
  Sink sink_;
  std::mutex sink_mutex_;  // only taken with a custom sink
};

}  // namespace sipnic::core
