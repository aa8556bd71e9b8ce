// pri::Cause and its names (ITU-T Q.850 Table 1), checked against the
// causes RFC 3398's table (tests/data/pri, transcribed from the RFC) lists:
// every cause value the interworking table maps is one sipnic names.
#include "pri/q850_cause.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace sipnic::pri {
namespace {

TEST(Q850Cause, NamesTheValuesOfTable1AndNothingElse) {
  EXPECT_EQ(cause_name(16), "normal call clearing");
  EXPECT_EQ(cause_name(17), "user busy");
  EXPECT_EQ(cause_name(34), "no circuit/channel available");
  EXPECT_EQ(cause_name(127), "interworking, unspecified");
  EXPECT_FALSE(cause_name(0));
  EXPECT_FALSE(cause_name(10));
  EXPECT_FALSE(cause_name(128));
}

TEST(Q850Cause, TheClassIsTheThreeHighBits) {
  EXPECT_EQ(cause_class(16), 1);   // normal event
  EXPECT_EQ(cause_class(34), 2);   // resource unavailable
  EXPECT_EQ(cause_class(57), 3);   // service or option not available
  EXPECT_EQ(cause_class(65), 4);   // not implemented
  EXPECT_EQ(cause_class(96), 6);   // protocol error (cause 96 is in class 110)
  EXPECT_EQ(cause_class(81), 5);   // invalid message
  EXPECT_EQ(cause_class(127), 7);  // interworking
}

TEST(Q850Cause, EveryCauseTheRfc3398TableMapsIsNamed) {
  std::ifstream in(std::string(SIPNIC_TESTDATA) + "/pri/rfc3398_q850_to_sip.csv");
  ASSERT_TRUE(in) << "tests/data/pri/rfc3398_q850_to_sip.csv";
  std::string line;
  std::getline(in, line);  // header
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    int value = std::stoi(line.substr(0, line.find(',')));
    EXPECT_TRUE(cause_name(static_cast<std::uint8_t>(value))) << "cause " << value;
    ++rows;
  }
  EXPECT_GT(rows, 30);
}

}  // namespace
}  // namespace sipnic::pri
