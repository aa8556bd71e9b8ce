// Tests for host/pri/call_state.cpp.
#include "pri/call_state.h"

#include <gtest/gtest.h>

namespace sipnic::pri {
namespace {

TEST(CallState, NamesCarryTheSideLetterAndTheStateNumber) {
  EXPECT_EQ(call_state_name(Side::kUser, CallState::kActive), "U10 active");
  EXPECT_EQ(call_state_name(Side::kNetwork, CallState::kOverlapReceiving), "N25 overlap receiving");
  EXPECT_EQ(call_state_name(Side::kNetwork, CallState::kCallAbort), "N22 call abort");
}

TEST(CallState, ValuesAreTheCallStateIeCodes) {
  EXPECT_EQ(static_cast<int>(CallState::kReleaseRequest), 19);
  EXPECT_EQ(static_cast<int>(CallState::kOverlapReceiving), 25);
  for (int v : {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 15, 17, 19, 22, 25}) EXPECT_TRUE(is_call_state_value(v)) << v;
  for (int v : {5, 13, 14, 20, 61, 62}) EXPECT_FALSE(is_call_state_value(v)) << v;
}

TEST(CallState, ClearingStatesAreDisconnectAndRelease) {
  EXPECT_TRUE(is_clearing(CallState::kDisconnectRequest));
  EXPECT_TRUE(is_clearing(CallState::kReleaseRequest));
  EXPECT_FALSE(is_clearing(CallState::kActive));
}

}  // namespace
}  // namespace sipnic::pri
