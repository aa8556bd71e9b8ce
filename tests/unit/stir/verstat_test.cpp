#include "stir/verstat.h"

#include <gtest/gtest.h>

namespace sipnic::stir {
namespace {

TEST(Verstat, NamesAre3gppValues) {
  EXPECT_EQ(verstat_name(Verstat::kPassed), "TN-Validation-Passed");
  EXPECT_EQ(verstat_name(Verstat::kFailed), "TN-Validation-Failed");
  EXPECT_EQ(verstat_name(Verstat::kNoValidation), "No-TN-Validation");
}

TEST(Verstat, GoesOnTheUriInsideTheBrackets) {
  EXPECT_EQ(with_verstat("<sip:+15550102000@pbx.example;user=phone>;tag=1", Verstat::kPassed),
            "<sip:+15550102000@pbx.example;user=phone;verstat=TN-Validation-Passed>;tag=1");
  EXPECT_EQ(with_verstat("\"Alice\" <tel:+15550102000>", Verstat::kFailed),
            "\"Alice\" <tel:+15550102000;verstat=TN-Validation-Failed>");
}

TEST(Verstat, AddrSpecIsBracketedSoHeaderParametersStayOutside) {
  EXPECT_EQ(with_verstat("sip:+15550102000@pbx.example;tag=9", Verstat::kNoValidation),
            "<sip:+15550102000@pbx.example;verstat=No-TN-Validation>;tag=9");
}

TEST(Verstat, AnUpstreamVerstatIsReplacedOrRemoved) {
  const std::string forged = "<sip:+15550102000@pbx.example;VerStat=TN-Validation-Passed;user=phone>;tag=1";
  EXPECT_EQ(with_verstat(forged, Verstat::kFailed),
            "<sip:+15550102000@pbx.example;user=phone;verstat=TN-Validation-Failed>;tag=1");
  EXPECT_EQ(with_verstat(forged, std::nullopt), "<sip:+15550102000@pbx.example;user=phone>;tag=1");
}

TEST(Verstat, UserPartSemicolonsAndUriHeadersAreKept) {
  EXPECT_EQ(with_verstat("<sip:+15550102000;npdi@pbx.example?Subject=x>", Verstat::kPassed),
            "<sip:+15550102000;npdi@pbx.example;verstat=TN-Validation-Passed?Subject=x>");
}

TEST(Verstat, NonAddressesAreRefused) {
  EXPECT_FALSE(with_verstat("", Verstat::kPassed));
  EXPECT_FALSE(with_verstat("*", Verstat::kPassed));
  EXPECT_FALSE(with_verstat("<sip:a@b", Verstat::kPassed));
}

}  // namespace
}  // namespace sipnic::stir
