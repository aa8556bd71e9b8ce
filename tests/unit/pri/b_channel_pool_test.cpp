// Tests for host/pri/b_channel_pool.cpp: channel hunting orders and the
// conditions that make a channel unavailable.
#include "pri/b_channel_pool.h"

#include <gtest/gtest.h>

#include <vector>

namespace sipnic::pri {
namespace {

using core::ChannelHunting;

std::vector<std::uint8_t> e1_channels() { return core::b_channel_numbers(LineType::kE1, core::DChannelRole::kPrimary); }

// Hunts `n` channels, seizing each for its own call.
std::vector<std::uint8_t> hunt_and_seize(BChannelPool& pool, int n) {
  std::vector<std::uint8_t> got;
  for (int i = 0; i < n; ++i) {
    auto c = pool.hunt();
    if (!c) break;
    EXPECT_TRUE(pool.seize(*c, static_cast<CallId>(100 + i)));
    got.push_back(*c);
  }
  return got;
}

TEST(BChannelPool, AnE1SpanHasThirtyBChannelsWithoutTimeslotSixteen) {
  const auto channels = e1_channels();
  BChannelPool pool(LineType::kE1, channels, ChannelHunting::kAscending);
  EXPECT_EQ(pool.channels().size(), 30u);
  EXPECT_FALSE(pool.in_service(16));
  EXPECT_EQ(pool.state(16), BChannelState::kNotInService);
  EXPECT_EQ(pool.count(BChannelState::kIdle), 30u);
}

TEST(BChannelPool, InvalidAndRepeatedChannelNumbersAreIgnored) {
  const std::vector<std::uint8_t> channels{3, 1, 3, 25, 0, 2};
  BChannelPool pool(LineType::kT1, channels, ChannelHunting::kAscending);
  EXPECT_EQ(pool.channels(), (std::vector<std::uint8_t>{1, 2, 3}));
}

TEST(BChannelPool, AscendingHuntingTakesTheLowestFreeChannel) {
  BChannelPool pool(LineType::kE1, e1_channels(), ChannelHunting::kAscending);
  EXPECT_EQ(hunt_and_seize(pool, 3), (std::vector<std::uint8_t>{1, 2, 3}));
  pool.release(2, 101);
  EXPECT_EQ(pool.hunt(), 2);
}

TEST(BChannelPool, DescendingHuntingTakesTheHighestFreeChannel) {
  BChannelPool pool(LineType::kE1, e1_channels(), ChannelHunting::kDescending);
  EXPECT_EQ(hunt_and_seize(pool, 3), (std::vector<std::uint8_t>{31, 30, 29}));
}

TEST(BChannelPool, RoundRobinHuntingContinuesAfterTheLastChannelHuntedAndWraps) {
  const std::vector<std::uint8_t> channels{1, 2, 3};
  BChannelPool pool(LineType::kT1, channels, ChannelHunting::kRoundRobin);
  auto first = hunt_and_seize(pool, 2);
  EXPECT_EQ(first, (std::vector<std::uint8_t>{1, 2}));
  pool.release(1, 100);
  pool.release(2, 101);
  // Next after 2 is 3, then wraps to 1.
  EXPECT_EQ(hunt_and_seize(pool, 2), (std::vector<std::uint8_t>{3, 1}));
}

TEST(BChannelPool, AllChannelsBusyHuntsNothing) {
  BChannelPool pool(LineType::kT1, core::b_channel_numbers(LineType::kT1, core::DChannelRole::kPrimary),
                    ChannelHunting::kAscending);
  EXPECT_EQ(hunt_and_seize(pool, 30).size(), 23u);
  EXPECT_FALSE(pool.hunt());
  EXPECT_EQ(pool.count(BChannelState::kInUse), 23u);
}

TEST(BChannelPool, RestartingMaintenanceAndOutOfServiceChannelsAreNotHuntedNorSeized) {
  const std::vector<std::uint8_t> channels{1, 2, 3, 4, 5};
  BChannelPool pool(LineType::kT1, channels, ChannelHunting::kAscending);
  pool.set_restarting(1, true);
  pool.set_local_maintenance(2, true);
  pool.set_remote_maintenance(3, true);
  pool.set_out_of_service(4, true);
  EXPECT_EQ(pool.state(1), BChannelState::kRestarting);
  EXPECT_EQ(pool.state(2), BChannelState::kLocalMaintenance);
  EXPECT_EQ(pool.state(3), BChannelState::kRemoteMaintenance);
  EXPECT_EQ(pool.state(4), BChannelState::kOutOfService);
  EXPECT_EQ(pool.hunt(), 5);
  for (std::uint8_t c : {1, 2, 3, 4}) {
    EXPECT_FALSE(pool.seize(c, 7)) << int(c);
    EXPECT_FALSE(pool.take_over(c, 7)) << int(c);
  }
  pool.set_remote_maintenance(3, false);
  EXPECT_EQ(pool.hunt(), 3);
}

TEST(BChannelPool, ACallKeepsItsChannelWhenTheChannelGoesIntoMaintenance) {
  const std::vector<std::uint8_t> channels{1, 2};
  BChannelPool pool(LineType::kT1, channels, ChannelHunting::kAscending);
  ASSERT_TRUE(pool.seize(1, 9));
  pool.set_remote_maintenance(1, true);
  EXPECT_EQ(pool.state(1), BChannelState::kInUse);
  EXPECT_EQ(pool.occupant(1), 9u);
  pool.release(1, 9);
  EXPECT_EQ(pool.state(1), BChannelState::kRemoteMaintenance);
  EXPECT_FALSE(pool.available(1));
}

TEST(BChannelPool, ALineThatIsDownLeavesNoChannelToHuntButKeepsTheCallsOnIt) {
  const auto channels = e1_channels();
  BChannelPool pool(LineType::kE1, channels, ChannelHunting::kAscending);
  ASSERT_TRUE(pool.seize(1, 7));
  pool.set_line_down(true);
  EXPECT_TRUE(pool.line_down());
  EXPECT_FALSE(pool.hunt());
  EXPECT_FALSE(pool.seize(2, 8));
  EXPECT_FALSE(pool.take_over(2, 8));
  EXPECT_EQ(pool.occupant(1), 7u);
  EXPECT_EQ(pool.state(1), BChannelState::kInUse);
  EXPECT_EQ(pool.state(2), BChannelState::kOutOfService);
  EXPECT_EQ(pool.count(BChannelState::kOutOfService), 29u);
  pool.set_line_down(false);
  EXPECT_EQ(pool.hunt(), 2);
  EXPECT_EQ(pool.state(2), BChannelState::kIdle);
}

TEST(BChannelPool, OnlyTheOccupantFreesAChannelAndTakeOverMovesIt) {
  const std::vector<std::uint8_t> channels{1};
  BChannelPool pool(LineType::kT1, channels, ChannelHunting::kAscending);
  ASSERT_TRUE(pool.seize(1, 5));
  EXPECT_FALSE(pool.seize(1, 6));
  pool.release(1, 6);
  EXPECT_EQ(pool.occupant(1), 5u);
  EXPECT_TRUE(pool.take_over(1, 6));
  EXPECT_EQ(pool.occupant(1), 6u);
  pool.release(1, 5);
  EXPECT_EQ(pool.occupant(1), 6u);
  pool.release(1, 6);
  EXPECT_EQ(pool.state(1), BChannelState::kIdle);
}

}  // namespace
}  // namespace sipnic::pri
