#include "stir/verstat.h"

#include <gtest/gtest.h>

#include "stir/telephone_number.h"

namespace sipnic::stir {
namespace {

TEST(Verstat, NamesAre3gppValues) {
  EXPECT_EQ(verstat_name(Verstat::kPassed), "TN-Validation-Passed");
  EXPECT_EQ(verstat_name(Verstat::kFailed), "TN-Validation-Failed");
  EXPECT_EQ(verstat_name(Verstat::kNoValidation), "No-TN-Validation");
}

TEST(Verstat, GoesOnTheNumberInTheSipUserPart) {
  EXPECT_EQ(with_verstat("<sip:+15550102000@pbx.example;user=phone>;tag=1", Verstat::kPassed),
            "<sip:+15550102000;verstat=TN-Validation-Passed@pbx.example;user=phone>;tag=1");
  EXPECT_EQ(with_verstat("<sip:+15550102000;npdi@pbx.example?Subject=x>", Verstat::kPassed),
            "<sip:+15550102000;npdi;verstat=TN-Validation-Passed@pbx.example?Subject=x>");
  EXPECT_EQ(with_verstat("<sip:+15550102000:secret@pbx.example>", Verstat::kPassed),
            "<sip:+15550102000;verstat=TN-Validation-Passed:secret@pbx.example>");
}

TEST(Verstat, GoesAfterATelNumber) {
  EXPECT_EQ(with_verstat("\"Alice\" <tel:+15550102000>", Verstat::kFailed),
            "\"Alice\" <tel:+15550102000;verstat=TN-Validation-Failed>");
  EXPECT_EQ(with_verstat("<tel:+15550102000;phone-context=x>", Verstat::kFailed),
            "<tel:+15550102000;phone-context=x;verstat=TN-Validation-Failed>");
}

TEST(Verstat, AddrSpecIsBracketedSoHeaderParametersStayOutside) {
  EXPECT_EQ(with_verstat("sip:+15550102000@pbx.example;tag=9", Verstat::kNoValidation),
            "<sip:+15550102000;verstat=No-TN-Validation@pbx.example>;tag=9");
}

TEST(Verstat, AnUpstreamVerstatIsReplacedOrRemovedWhereverItSits) {
  const std::string forged = "<sip:+15550102000;VerStat=TN-Validation-Passed@pbx.example;verstat=TN-Validation-Passed;user=phone>;tag=1";
  EXPECT_EQ(with_verstat(forged, Verstat::kFailed),
            "<sip:+15550102000;verstat=TN-Validation-Failed@pbx.example;user=phone>;tag=1");
  EXPECT_EQ(with_verstat(forged, std::nullopt), "<sip:+15550102000@pbx.example;user=phone>;tag=1");
  EXPECT_EQ(with_verstat("<tel:+15550102000;verstat=TN-Validation-Passed>", std::nullopt), "<tel:+15550102000>");
}

TEST(Verstat, TheNumberReadsTheSameWithIt) {
  const auto marked = with_verstat("<sip:+15550102000@pbx.example;user=phone>", Verstat::kPassed);
  ASSERT_TRUE(marked);
  EXPECT_EQ(tn_from_address(*marked), "15550102000");
}

TEST(Verstat, NonAddressesAreRefused) {
  EXPECT_FALSE(with_verstat("", Verstat::kPassed));
  EXPECT_FALSE(with_verstat("*", Verstat::kPassed));
  EXPECT_FALSE(with_verstat("<sip:a@b", Verstat::kPassed));
  EXPECT_FALSE(with_verstat("<nothing>", Verstat::kPassed));
  // Found by fuzz_stir_identity: an addr-spec holding '>' would become
  // another address once bracketed.
  EXPECT_FALSE(with_verstat("x:55100200hone>;vage", Verstat::kPassed));
  EXPECT_FALSE(with_verstat(std::string_view("x:5\xf8\x00" "5", 5), Verstat::kPassed));
}

}  // namespace
}  // namespace sipnic::stir
