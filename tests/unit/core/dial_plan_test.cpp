// Tests for host/core/dial_plan.cpp: when a number dialled digit by
// digit is complete, under a North American plan and an empty one, and the
// patterns a config may not give.
#include "core/dial_plan.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace sipnic::core {
namespace {

const DialPlan kNanp({"NXXNXXXXXX", "1NXXNXXXXXX", "011.", "N11", "*6[79]"});

struct DialCase {
  const char* digits;
  DialVerdict verdict;
};

class NanpDialPlan : public ::testing::TestWithParam<DialCase> {};

TEST_P(NanpDialPlan, SaysWhetherTheNumberSoFarIsComplete) {
  const DialCase& c = GetParam();
  EXPECT_EQ(dial_verdict_name(kNanp.verdict(c.digits)), dial_verdict_name(c.verdict)) << "'" << c.digits << "'";
}

INSTANTIATE_TEST_SUITE_P(
    Numbers, NanpDialPlan,
    ::testing::Values(DialCase{"", DialVerdict::kMore}, DialCase{"3", DialVerdict::kMore},
                      DialCase{"303555010", DialVerdict::kMore}, DialCase{"3035550100", DialVerdict::kComplete},
                      DialCase{"30355501000", DialVerdict::kInvalid}, DialCase{"13035550100", DialVerdict::kComplete},
                      DialCase{"10", DialVerdict::kInvalid}, DialCase{"011", DialVerdict::kMore},
                      DialCase{"0114420", DialVerdict::kCompleteOrMore}, DialCase{"0", DialVerdict::kMore},
                      DialCase{"02", DialVerdict::kInvalid},
                      // 911 is a whole number and the start of a ten-digit one.
                      DialCase{"911", DialVerdict::kCompleteOrMore}, DialCase{"9115550100", DialVerdict::kComplete},
                      DialCase{"*67", DialVerdict::kComplete}, DialCase{"*68", DialVerdict::kInvalid},
                      DialCase{"*6", DialVerdict::kMore}, DialCase{"#", DialVerdict::kInvalid},
                      DialCase{"01144*", DialVerdict::kInvalid}, DialCase{"3a", DialVerdict::kInvalid}),
    [](const ::testing::TestParamInfo<DialCase>& i) {
      std::string name = std::string("d_") + i.param.digits;
      for (char& c : name)
        if (c == '*') c = 's';
        else if (c == '#') c = 'h';
      return name;
    });

TEST(DialPlan, AnEmptyPlanLeavesEveryNumberToT302OrSendingComplete) {
  const DialPlan none;
  EXPECT_TRUE(none.empty());
  for (const char* d : {"", "1", "3035550100", "*67"}) EXPECT_EQ(none.verdict(d), DialVerdict::kCompleteOrMore) << d;
}

TEST(DialPlan, RangesAndSetsTakeTheirDigitsOnly) {
  const DialPlan p({"[2469]X", "[0-37-9]"});
  EXPECT_EQ(p.verdict("45"), DialVerdict::kComplete);
  EXPECT_EQ(p.verdict("55"), DialVerdict::kInvalid);
  EXPECT_EQ(p.verdict("8"), DialVerdict::kComplete);
  EXPECT_EQ(p.verdict("2"), DialVerdict::kCompleteOrMore) << "[0-37-9] alone, or [2469] and one more";
  EXPECT_EQ(p.verdict("5"), DialVerdict::kInvalid);
}

TEST(DialPlan, APatternThatIsNoneIsRefusedSayingWhy) {
  const std::pair<const char*, const char*> bad[] = {
      {"", "an empty pattern"},          {".", "'.' only ends a pattern"},
      {"1.2", "'.' only ends a pattern"}, {"[", "without digits and a closing"},
      {"[]", "without digits and a closing"}, {"[a]", "only digits and ranges"},
      {"[5-2]", "not low-high"},          {"1Q", "'Q' is none of"},
  };
  for (const auto& [pattern, says] : bad) {
    EXPECT_NE(DialPlan::pattern_error(pattern).find(says), std::string::npos) << pattern << ": "
                                                                             << DialPlan::pattern_error(pattern);
    EXPECT_THROW(DialPlan({pattern}), std::invalid_argument) << pattern;
  }
  EXPECT_EQ(DialPlan::pattern_error("1NXXNXXXXXX"), "");
  EXPECT_EQ(DialPlan::pattern_error("011."), "");
}

}  // namespace
}  // namespace sipnic::core
