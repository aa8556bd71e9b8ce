// Tests for host/pri/channel_interfaces.cpp: one span's interface and an
// NFAS group's, what a channel identification's interface identifier
// resolves to, hunting across interfaces.
#include "pri/channel_interfaces.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace sipnic::pri {
namespace {

BChannelPool t1_pool(std::vector<std::uint8_t> channels) {
  return BChannelPool(LineType::kT1, channels, core::ChannelHunting::kAscending);
}

TEST(ChannelInterfaces, ASpanOfItsOwnIsInterfaceZeroNeverNamedAndTakesOnlyZeroOrNoIdentifier) {
  BChannelPool pool = t1_pool({1, 2, 3});
  ChannelInterfaces one(pool);
  EXPECT_FALSE(one.named());
  EXPECT_EQ(one.identifier_for(0), std::nullopt);
  EXPECT_EQ(one.resolve(std::nullopt), 0);
  EXPECT_EQ(one.resolve(0u), 0);  // a peer that always names the interface
  EXPECT_EQ(one.resolve(1u), std::nullopt);
  EXPECT_EQ(one.pool(0), &pool);
  EXPECT_EQ(one.pool(1), nullptr);
}

TEST(ChannelInterfaces, AnNfasGroupNamesEachInterfaceAndResolvesOnlyItsOwn) {
  BChannelPool a = t1_pool({1, 2});
  BChannelPool b = t1_pool({1, 24});
  ChannelInterfaces group({{4, &a}, {9, &b}});
  EXPECT_TRUE(group.named());
  EXPECT_EQ(group.identifier_for(9), 9u);
  EXPECT_EQ(group.d_channel_interface(), 4);  // the first until told otherwise
  EXPECT_EQ(group.resolve(std::nullopt), 4);
  EXPECT_EQ(group.resolve(9u), 9);
  EXPECT_EQ(group.resolve(0u), std::nullopt);
  EXPECT_EQ(group.resolve(1000u), std::nullopt);
  ASSERT_TRUE(group.set_d_channel_interface(9));
  EXPECT_EQ(group.resolve(std::nullopt), 9);
  EXPECT_EQ(group.all_channels(), (std::vector<ChannelRef>{{4, 1}, {4, 2}, {9, 1}, {9, 24}}));
  EXPECT_EQ(group.channels(9), (std::vector<ChannelRef>{{9, 1}, {9, 24}}));
  EXPECT_TRUE(group.channels(5).empty());
}

TEST(ChannelInterfaces, HuntingTakesTheInterfacesInTheirOrderAndTheOperationsReachTheRightPool) {
  BChannelPool a = t1_pool({1});
  BChannelPool b = t1_pool({1, 2});
  ChannelInterfaces group({{0, &a}, {1, &b}});
  ASSERT_EQ(group.hunt(), (ChannelRef{0, 1}));
  ASSERT_TRUE(group.seize({0, 1}, 7));
  EXPECT_EQ(group.hunt(), (ChannelRef{1, 1}));
  EXPECT_EQ(group.hunt(0), std::nullopt);  // interface 0 is full
  EXPECT_EQ(group.hunt(1), (ChannelRef{1, 1}));
  EXPECT_EQ(group.hunt(4), std::nullopt);  // no such interface
  EXPECT_EQ(group.occupant({0, 1}), 7u);
  EXPECT_EQ(b.state(1), BChannelState::kIdle);
  EXPECT_FALSE(group.seize({3, 1}, 8));  // no such interface
  EXPECT_FALSE(group.in_service({1, 5}));
  group.set_out_of_service({1, 2}, true);
  EXPECT_EQ(b.state(2), BChannelState::kOutOfService);
  group.release({0, 1}, 7);
  EXPECT_EQ(a.state(1), BChannelState::kIdle);
}

TEST(ChannelInterfaces, AGroupWithoutInterfacesOrWithRepeatedOrTooLargeIdentifiersOrMixedLinesIsRefused) {
  BChannelPool a = t1_pool({1});
  BChannelPool b = t1_pool({1});
  BChannelPool e1(LineType::kE1, std::vector<std::uint8_t>{1}, core::ChannelHunting::kAscending);
  EXPECT_THROW(ChannelInterfaces(std::vector<ChannelInterfaces::Interface>{}), std::invalid_argument);
  EXPECT_THROW(ChannelInterfaces({{2, &a}, {2, &b}}), std::invalid_argument);
  EXPECT_THROW(ChannelInterfaces({{128, &a}}), std::invalid_argument);
  EXPECT_THROW(ChannelInterfaces({{0, &a}, {1, nullptr}}), std::invalid_argument);
  EXPECT_THROW(ChannelInterfaces({{0, &a}, {1, &e1}}), std::invalid_argument);
  EXPECT_NO_THROW(ChannelInterfaces({{0, &a}, {127, &b}}));
}

}  // namespace
}  // namespace sipnic::pri
