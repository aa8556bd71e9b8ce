#include "sip/connection_limits.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sipnic::sip {
namespace {

core::SocketAddress at(const char* ip, std::uint16_t port) { return *core::SocketAddress::from_ip(ip, port); }

TEST(ConnectionLimits, SourceIsTheIpAddressWhateverThePort) {
  ConnectionLimits limits(0, 2);
  EXPECT_EQ(limits.admit(at("192.0.2.1", 1000)), ConnectionLimits::Verdict::kAdmitted);
  EXPECT_EQ(limits.admit(at("192.0.2.1", 1001)), ConnectionLimits::Verdict::kAdmitted);
  EXPECT_EQ(limits.admit(at("192.0.2.1", 1002)), ConnectionLimits::Verdict::kSourceFull);
  EXPECT_EQ(limits.admit(at("192.0.2.2", 1000)), ConnectionLimits::Verdict::kAdmitted);
  EXPECT_EQ(limits.open_from(at("192.0.2.1", 9)), 2u);
  EXPECT_EQ(limits.open(), 3u);
}

TEST(ConnectionLimits, NodeLimitHoldsAcrossSourcesAndARefusalIsNotCounted) {
  ConnectionLimits limits(2, 0);
  EXPECT_EQ(limits.admit(at("192.0.2.1", 1)), ConnectionLimits::Verdict::kAdmitted);
  EXPECT_EQ(limits.admit(at("2001:db8::1", 1)), ConnectionLimits::Verdict::kAdmitted);
  EXPECT_EQ(limits.admit(at("192.0.2.3", 1)), ConnectionLimits::Verdict::kNodeFull);
  EXPECT_EQ(limits.open(), 2u);
  EXPECT_EQ(limits.open_from(at("192.0.2.3", 1)), 0u);
}

TEST(ConnectionLimits, ReleaseGivesThePlaceBackAndForgetsIdleSources) {
  ConnectionLimits limits(1, 1);
  ASSERT_EQ(limits.admit(at("192.0.2.1", 5)), ConnectionLimits::Verdict::kAdmitted);
  limits.release(at("192.0.2.1", 5));
  EXPECT_EQ(limits.open(), 0u);
  EXPECT_EQ(limits.admit(at("192.0.2.2", 5)), ConnectionLimits::Verdict::kAdmitted);
  // A release for a source that holds nothing changes nothing.
  limits.release(at("192.0.2.9", 5));
  EXPECT_EQ(limits.open(), 1u);
}

TEST(ConnectionLimits, ZeroMeansNoLimit) {
  ConnectionLimits limits(0, 0);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limits.admit(at("192.0.2.1", 1)), ConnectionLimits::Verdict::kAdmitted);
  EXPECT_EQ(limits.open(), 1000u);
}

TEST(ConnectionLimits, ADescriptorShortageStartsAndEndsOnceForTheWholeNode) {
  // Two workers failing accept() in the same spell: one line, not two.
  ConnectionLimits limits(0, 0);
  const auto t0 = core::Clock::time_point(std::chrono::hours(1));
  std::uint64_t refused = 99;
  EXPECT_FALSE(limits.end_descriptor_shortage(refused));  // no spell yet
  EXPECT_TRUE(limits.start_descriptor_shortage(t0));
  EXPECT_FALSE(limits.start_descriptor_shortage(t0));
  limits.count_refused_while_short();
  limits.count_refused_while_short();
  EXPECT_TRUE(limits.end_descriptor_shortage(refused));
  EXPECT_EQ(refused, 2u);
  EXPECT_FALSE(limits.end_descriptor_shortage(refused));
  const auto later = t0 + ConnectionLimits::kShortageWarningInterval;
  EXPECT_TRUE(limits.start_descriptor_shortage(later));  // a new spell, a new line
  EXPECT_TRUE(limits.end_descriptor_shortage(refused));
  EXPECT_EQ(refused, 0u);
}

TEST(ConnectionLimits, ASpellThatFlapsWithinTheIntervalIsWarnedOnce) {
  // A descriptor frees up, accept() works once, the next one fails again: a
  // new spell, but the node already said so a moment ago.
  ConnectionLimits limits(0, 0);
  const auto t0 = core::Clock::time_point(std::chrono::hours(1));
  std::uint64_t refused = 0;
  EXPECT_TRUE(limits.start_descriptor_shortage(t0));
  EXPECT_TRUE(limits.end_descriptor_shortage(refused));
  EXPECT_FALSE(limits.start_descriptor_shortage(t0 + std::chrono::milliseconds(1)));
  EXPECT_TRUE(limits.end_descriptor_shortage(refused));
  EXPECT_FALSE(limits.start_descriptor_shortage(t0 + ConnectionLimits::kShortageWarningInterval - std::chrono::milliseconds(1)));
  EXPECT_TRUE(limits.end_descriptor_shortage(refused));
  EXPECT_TRUE(limits.start_descriptor_shortage(t0 + ConnectionLimits::kShortageWarningInterval));
}

TEST(ConnectionLimits, WorkersAdmittingAndReleasingAtOnceNeverPassTheLimits) {
  // Four threads as four workers, from one source: the count stays exact.
  ConnectionLimits limits(0, 10);
  std::atomic<int> over{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        if (limits.admit(at("192.0.2.1", 1)) == ConnectionLimits::Verdict::kAdmitted) {
          if (limits.open_from(at("192.0.2.1", 1)) > 10) ++over;
          limits.release(at("192.0.2.1", 1));
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(over.load(), 0);
  EXPECT_EQ(limits.open(), 0u);
}

}  // namespace
}  // namespace sipnic::sip
