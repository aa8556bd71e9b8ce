#include "core/log_limiter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipnic::core {
namespace {

struct Capture {
  std::vector<std::string> lines;
  Log log{LogLevel::kDebug, [this](LogLevel, std::string_view line) { lines.emplace_back(line); }};
};

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

TEST(LogLimiter, OneLinePerKeyPerIntervalThenTheCountOfWhatWasHeldBack) {
  ManualClock clock;
  Capture c;
  LogLimiter limiter(Millis(10000));
  for (int i = 0; i < 1000; ++i) limiter.write(c.log, LogLevel::kWarn, "transport", "k", "connect failed", clock.now());
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_TRUE(ends_with(c.lines[0], "warn transport: connect failed"));
  clock.advance(Millis(9999));
  EXPECT_FALSE(limiter.write(c.log, LogLevel::kWarn, "transport", "k", "connect failed", clock.now()));
  clock.advance(Millis(1));
  EXPECT_TRUE(limiter.write(c.log, LogLevel::kWarn, "transport", "k", "connect failed", clock.now()));
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_TRUE(ends_with(c.lines[1], "connect failed (1000 similar lines suppressed)")) << c.lines[1];
  // The count starts again after a line is written.
  clock.advance(Millis(10000));
  limiter.write(c.log, LogLevel::kWarn, "transport", "k", "connect failed", clock.now());
  EXPECT_TRUE(ends_with(c.lines[2], "warn transport: connect failed")) << c.lines[2];
}

TEST(LogLimiter, DifferentKeysAreLimitedApart) {
  ManualClock clock;
  Capture c;
  LogLimiter limiter;
  limiter.write(c.log, LogLevel::kInfo, "b2bua", "a", "from a", clock.now());
  limiter.write(c.log, LogLevel::kInfo, "b2bua", "b", "from b", clock.now());
  limiter.write(c.log, LogLevel::kInfo, "b2bua", "a", "from a", clock.now());
  EXPECT_EQ(c.lines.size(), 2u);
}

TEST(LogLimiter, AFloodOfDistinctKeysStaysBoundedAndStillLimited) {
  ManualClock clock;
  Capture c;
  LogLimiter limiter(Millis(10000), 64);
  for (int i = 0; i < 100000; ++i)
    limiter.write(c.log, LogLevel::kInfo, "b2bua", "src" + std::to_string(i), "refused", clock.now());
  EXPECT_LE(limiter.keys(), 65u);
  // 64 distinct keys, then one overflow line for all the rest.
  EXPECT_EQ(c.lines.size(), 65u);
}

TEST(LogLimiter, ALevelTheLogDoesNotWriteCostsNoEntry) {
  ManualClock clock;
  std::vector<std::string> lines;
  Log log(LogLevel::kWarn, [&](LogLevel, std::string_view l) { lines.emplace_back(l); });
  LogLimiter limiter;
  EXPECT_FALSE(limiter.write(log, LogLevel::kDebug, "x", "k", "m", clock.now()));
  EXPECT_EQ(limiter.keys(), 0u);
  EXPECT_TRUE(lines.empty());
}

}  // namespace
}  // namespace sipnic::core
