// pri/line_type.h: which channel numbers E1 and T1 have, where their
// D-channel is, and E1's logical B-channel numbering.
#include "pri/line_type.h"

#include <gtest/gtest.h>

namespace sipnic::pri {
namespace {

TEST(LineType, E1NumbersTimeslotsWithTheDChannelOnSixteen) {
  EXPECT_EQ(d_channel_number(LineType::kE1), 16);
  EXPECT_FALSE(is_channel_number(LineType::kE1, 0));  // framing
  EXPECT_TRUE(is_channel_number(LineType::kE1, 31));
  EXPECT_FALSE(is_channel_number(LineType::kE1, 32));
  EXPECT_FALSE(is_b_channel(LineType::kE1, 16));
  EXPECT_TRUE(is_b_channel(LineType::kE1, 17));
  EXPECT_EQ(b_channel_count(LineType::kE1), 30u);
  EXPECT_EQ(slot_map_octets(LineType::kE1), 4u);
}

TEST(LineType, T1NumbersChannelsWithTheDChannelOnTwentyFour) {
  EXPECT_EQ(d_channel_number(LineType::kT1), 24);
  EXPECT_TRUE(is_channel_number(LineType::kT1, 24));  // a B-channel on an NFAS span without D-channel
  EXPECT_FALSE(is_channel_number(LineType::kT1, 25));
  EXPECT_FALSE(is_b_channel(LineType::kT1, 24));
  EXPECT_TRUE(is_b_channel(LineType::kT1, 23));
  EXPECT_EQ(b_channel_count(LineType::kT1), 23u);
  EXPECT_EQ(slot_map_octets(LineType::kT1), 3u);
}

TEST(LineType, E1LogicalNumbersSkipTimeslotSixteen) {
  EXPECT_EQ(e1_timeslot_from_logical(1), 1);
  EXPECT_EQ(e1_timeslot_from_logical(15), 15);
  EXPECT_EQ(e1_timeslot_from_logical(16), 17);
  EXPECT_EQ(e1_timeslot_from_logical(30), 31);
  EXPECT_EQ(e1_timeslot_from_logical(31), 0);
  EXPECT_EQ(e1_timeslot_from_logical(0), 0);
  for (unsigned logical = 1; logical <= 30; ++logical)
    EXPECT_EQ(e1_logical_from_timeslot(e1_timeslot_from_logical(logical)), logical);
  EXPECT_EQ(e1_logical_from_timeslot(16), 0);
}

}  // namespace
}  // namespace sipnic::pri
