// interwork::RateWindow: the sliding second of ten 100 ms slots behind
// max-cps and max-rps.
#include "interwork/rate_window.h"

#include <gtest/gtest.h>

#include <chrono>

namespace sipnic::interwork {
namespace {

using namespace std::chrono_literals;

const auto kT0 = std::chrono::steady_clock::time_point(std::chrono::seconds(1000));

TEST(RateWindow, AdmitsUpToTheLimitInASecondAndCountsNothingRefused) {
  RateWindow w;
  EXPECT_TRUE(w.try_add(kT0, 2));
  EXPECT_TRUE(w.try_add(kT0 + 500ms, 2));
  EXPECT_FALSE(w.try_add(kT0 + 900ms, 2));
  EXPECT_FALSE(w.try_add(kT0 + 950ms, 2));
  EXPECT_EQ(w.last_second(kT0 + 950ms), 2u);  // the refused ones are not counted
}

TEST(RateWindow, TheSecondSlidesBySlotsOf100Ms) {
  RateWindow w;
  EXPECT_TRUE(w.try_add(kT0, 2));
  EXPECT_TRUE(w.try_add(kT0 + 500ms, 2));
  EXPECT_FALSE(w.try_add(kT0 + 999ms, 2));
  EXPECT_TRUE(w.try_add(kT0 + 1000ms, 2));  // the slot of kT0 is a second old
  EXPECT_FALSE(w.try_add(kT0 + 1400ms, 2));
  EXPECT_EQ(w.last_second(kT0 + 1400ms), 2u);
  EXPECT_EQ(w.last_second(kT0 + 1550ms), 1u);
  EXPECT_EQ(w.last_second(kT0 + 60s), 0u);
  EXPECT_TRUE(w.try_add(kT0 + 60s, 2));  // after a long quiet, every slot is clear
  EXPECT_EQ(w.last_second(kT0 + 60s), 1u);
}

TEST(RateWindow, AFractionalLimitRoundsUpAndZeroIsNoLimit) {
  RateWindow fractional;
  EXPECT_TRUE(fractional.try_add(kT0, 1.5));
  EXPECT_TRUE(fractional.try_add(kT0, 1.5));
  EXPECT_FALSE(fractional.try_add(kT0, 1.5));
  RateWindow unlimited;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(unlimited.try_add(kT0, 0));
  EXPECT_EQ(unlimited.last_second(kT0), 1000u);
}

}  // namespace
}  // namespace sipnic::interwork
