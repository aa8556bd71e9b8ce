// Tests for host/interwork/redirecting_number.cpp: a span's redirecting
// number as a Diversion value and as RFC 4458 Request-URI parameters, and
// back from Diversion, History-Info and a Request-URI's target.
#include "interwork/redirecting_number.h"

#include <gtest/gtest.h>

#include "support/span_numbering.h"

namespace sipnic::interwork {
namespace {

using pri::q931::NumberingPlan;
using pri::q931::Presentation;
using pri::q931::RedirectingNumber;
using pri::q931::RedirectionReason;
using pri::q931::Screening;
using pri::q931::TypeOfNumber;

RedirectingNumber redirecting(std::string digits, std::optional<RedirectionReason> reason,
                              Presentation p = Presentation::kAllowed) {
  RedirectingNumber r;
  r.number.type = TypeOfNumber::kNational;
  r.number.plan = NumberingPlan::kIsdnTelephony;
  r.number.presentation = p;
  r.number.screening = Screening::kNetworkProvided;
  r.number.digits = std::move(digits);
  r.reason = reason;
  return r;
}

TEST(RedirectingNumber, Q952ReasonsAndRfc5806ReasonsMapBothWays) {
  const std::pair<RedirectionReason, std::string_view> both_ways[] = {
      {RedirectionReason::kCallForwardingUnconditional, "unconditional"},
      {RedirectionReason::kCallForwardingBusy, "user-busy"},
      {RedirectionReason::kCallForwardingNoReply, "no-answer"},
      {RedirectionReason::kCallDeflection, "deflection"},
      {RedirectionReason::kCalledDteOutOfOrder, "out-of-service"},
      {RedirectionReason::kUnknown, "unknown"},
  };
  for (const auto& [reason, name] : both_ways) {
    EXPECT_EQ(diversion_reason_for(reason), name);
    EXPECT_EQ(redirection_reason_for(name), reason) << name;
  }
  EXPECT_EQ(diversion_reason_for(RedirectionReason::kCallForwardingByCalledDte), "unknown");
  EXPECT_EQ(diversion_reason_for(std::nullopt), "unknown");
  EXPECT_EQ(redirection_reason_for("unavailable"), RedirectionReason::kCalledDteOutOfOrder);
  for (std::string_view schedule : {"time-of-day", "do-not-disturb", "follow-me", "away"})
    EXPECT_EQ(redirection_reason_for(schedule), RedirectionReason::kCallForwardingUnconditional) << schedule;
  EXPECT_EQ(redirection_reason_for("User-Busy"), RedirectionReason::kCallForwardingBusy);
  EXPECT_EQ(redirection_reason_for("bogus"), RedirectionReason::kUnknown);
}

TEST(RedirectingNumber, BecomesADiversionValueWithItsReasonAndPrivacy) {
  EXPECT_EQ(diversion_for(redirecting("3035550100", RedirectionReason::kCallForwardingBusy), test::nanp_numbering(),
                          "gw.example"),
            "<sip:+13035550100@gw.example;user=phone>;reason=user-busy;counter=1");
  EXPECT_EQ(diversion_for(redirecting("3035550100", RedirectionReason::kCallForwardingUnconditional,
                                      Presentation::kRestricted),
                          test::nanp_numbering(), "gw.example"),
            "<sip:+13035550100@gw.example;user=phone>;reason=unconditional;counter=1;privacy=full");
}

TEST(RedirectingNumber, BecomesRfc4458TargetAndCauseOnAVoicemailRequestUri) {
  const std::string uri = request_uri_with_target(
      "sip:vm@vm.example", redirecting("3035550100", RedirectionReason::kCallForwardingNoReply),
      test::nanp_numbering(), "gw.example");
  EXPECT_EQ(uri, "sip:vm@vm.example;target=sip:+13035550100%40gw.example%3Buser%3Dphone;cause=408");
  // And back: the target is whom the call was for.
  const auto back = redirecting_of("", uri, test::nanp_numbering());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, redirecting("3035550100", RedirectionReason::kCallForwardingNoReply));
}

TEST(RedirectingNumber, TheNewestDiversionIsReadFromDiversionOrHistoryInfo) {
  const auto span = test::nanp_numbering();
  const auto from_diversion = redirecting_of(
      "Diversion: <tel:+13035550111>;reason=user-busy;counter=1, <sip:+13035550100@c>;reason=no-answer\r\n"
      "Diversion: <sip:+19995550000@c>;reason=unconditional\r\n",
      "sip:+13035550199@gw", span);
  ASSERT_TRUE(from_diversion);
  EXPECT_EQ(*from_diversion, redirecting("3035550111", RedirectionReason::kCallForwardingBusy));
  // History-Info: the diverting user is the entry before the one whose URI carries the cause.
  const auto from_history = redirecting_of(
      "History-Info: <sip:+13035550100@c;user=phone>;index=1, <sip:+13035550122@c;user=phone;cause=486>;index=1.1\r\n",
      "sip:+13035550122@gw", span);
  ASSERT_TRUE(from_history);
  EXPECT_EQ(*from_history, redirecting("3035550100", RedirectionReason::kCallForwardingBusy));
  const auto hidden = redirecting_of("Diversion: <tel:+13035550111>;reason=deflection;privacy=full\r\n", "sip:x@gw", span);
  ASSERT_TRUE(hidden);
  EXPECT_EQ(hidden->number.presentation, Presentation::kRestricted);
  EXPECT_EQ(redirecting_of("Diversion: <tel:+13035550111>;privacy=off\r\n", "sip:x@gw", span)->number.presentation,
            Presentation::kAllowed);
}

TEST(RedirectingNumber, NothingThatNamesANumberIsNoRedirectingNumber) {
  const auto span = test::nanp_numbering();
  EXPECT_FALSE(redirecting_of("", "sip:+13035550100@gw", span));
  EXPECT_FALSE(redirecting_of("Diversion: <sip:alice@example.com>;reason=user-busy\r\n", "sip:x@gw", span));
  EXPECT_FALSE(redirecting_of("", "sip:vm@vm.example;target=sip:alice%40example.com;cause=486", span));
  EXPECT_FALSE(redirecting_of("", "sip:vm@vm.example;target=%zz", span));
  EXPECT_FALSE(redirecting_of("Subject: hello\r\n", "tel:+13035550100", span));
}

}  // namespace
}  // namespace sipnic::interwork
