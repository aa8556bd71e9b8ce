// Tests for host/interwork/number_rules.cpp: a span's numbers to E.164 and
// back for each type of number, with North American (T1) and European (E1)
// prefixes, and the numbers of tel: and sip: URIs (RFC 3966).
#include "interwork/number_rules.h"

#include <gtest/gtest.h>

#include "support/span_numbering.h"

namespace sipnic::interwork {
namespace {

using pri::q931::NumberingPlan;
using pri::q931::TypeOfNumber;

core::SpanNumbering nanp() { return test::nanp_numbering("303"); }

core::SpanNumbering germany() {
  core::SpanNumbering n;  // the defaults: 0 and 00
  n.country_code = "49";
  n.area_code = "30";
  return n;
}

IsdnNumber isdn(TypeOfNumber type, std::string digits, NumberingPlan plan = NumberingPlan::kIsdnTelephony) {
  return {type, plan, std::move(digits)};
}
SipNumber global(std::string digits) { return {std::move(digits), true}; }
SipNumber local(std::string digits) { return {std::move(digits), false}; }

struct ToSipCase {
  const char* name;
  core::SpanNumbering (*span)();
  IsdnNumber number;
  SipNumber sip;
};

class NumberToSip : public ::testing::TestWithParam<ToSipCase> {};

TEST_P(NumberToSip, GivesTheE164FormWhereTheSpanSaysEnough) {
  const ToSipCase& c = GetParam();
  EXPECT_EQ(to_sip(c.number, c.span()), c.sip) << c.name << ": got " << to_sip(c.number, c.span()).text();
}

const ToSipCase kToSip[] = {
    {"international", nanp, isdn(TypeOfNumber::kInternational, "442079460000"), global("442079460000")},
    {"national_nanp", nanp, isdn(TypeOfNumber::kNational, "3035550100"), global("13035550100")},
    {"national_e1", germany, isdn(TypeOfNumber::kNational, "301234567"), global("49301234567")},
    {"subscriber", nanp, isdn(TypeOfNumber::kSubscriber, "5550100"), global("13035550100")},
    {"unknown_with_international_prefix_nanp", nanp, isdn(TypeOfNumber::kUnknown, "011442079460000"),
     global("442079460000")},
    {"unknown_with_national_prefix_nanp", nanp, isdn(TypeOfNumber::kUnknown, "13035550100"), global("13035550100")},
    {"unknown_with_international_prefix_e1", germany, isdn(TypeOfNumber::kUnknown, "0033123456789"),
     global("33123456789")},
    {"unknown_with_national_prefix_e1", germany, isdn(TypeOfNumber::kUnknown, "0301234567"), global("49301234567")},
    {"unknown_without_prefix_stays_dialled", nanp, isdn(TypeOfNumber::kUnknown, "5550100"), local("5550100")},
    {"unknown_that_is_only_the_prefix", nanp, isdn(TypeOfNumber::kUnknown, "011"), local("011")},
    {"private_plan_stays_local", nanp, isdn(TypeOfNumber::kNational, "4001", NumberingPlan::kPrivate), local("4001")},
    {"abbreviated_stays_local", nanp, isdn(TypeOfNumber::kAbbreviated, "911"), local("911")},
    {"network_specific_stays_local", nanp, isdn(TypeOfNumber::kNetworkSpecific, "*67"), local("*67")},
    {"unknown_plan_is_taken_as_e164", nanp, isdn(TypeOfNumber::kInternational, "33123", NumberingPlan::kUnknown),
     global("33123")},
};
INSTANTIATE_TEST_SUITE_P(Numbers, NumberToSip, ::testing::ValuesIn(kToSip),
                         [](const ::testing::TestParamInfo<ToSipCase>& i) { return std::string(i.param.name); });

TEST(NumberToSip, WithoutACountryCodeNationalAndSubscriberNumbersStayLocal) {
  core::SpanNumbering n;  // no country code, no area code
  EXPECT_EQ(to_sip(isdn(TypeOfNumber::kNational, "301234567"), n), local("301234567"));
  EXPECT_EQ(to_sip(isdn(TypeOfNumber::kSubscriber, "1234567"), n), local("1234567"));
  EXPECT_EQ(to_sip(isdn(TypeOfNumber::kUnknown, "0301234567"), n), local("0301234567"));
  EXPECT_EQ(to_sip(isdn(TypeOfNumber::kUnknown, "0033123"), n), global("33123")) << "international needs no context";
  n.country_code = "49";
  EXPECT_EQ(to_sip(isdn(TypeOfNumber::kSubscriber, "1234567"), n), local("1234567")) << "no area code";
}

TEST(NumberToIsdn, TheSpansOwnCountryIsNationalOthersInternationalLocalUnknown) {
  EXPECT_EQ(to_isdn(global("13035550100"), nanp()), isdn(TypeOfNumber::kNational, "3035550100"));
  EXPECT_EQ(to_isdn(global("442079460000"), nanp()), isdn(TypeOfNumber::kInternational, "442079460000"));
  EXPECT_EQ(to_isdn(global("49301234567"), germany()), isdn(TypeOfNumber::kNational, "301234567"));
  EXPECT_EQ(to_isdn(global("4930"), nanp()), isdn(TypeOfNumber::kInternational, "4930"));
  EXPECT_EQ(to_isdn(local("5550100"), nanp()), isdn(TypeOfNumber::kUnknown, "5550100"));
  core::SpanNumbering none;
  EXPECT_EQ(to_isdn(global("13035550100"), none), isdn(TypeOfNumber::kInternational, "13035550100"));
  // Round trips.
  for (const auto& n : {isdn(TypeOfNumber::kNational, "3035550100"), isdn(TypeOfNumber::kInternational, "33123456789")})
    EXPECT_EQ(to_isdn(to_sip(n, nanp()), nanp()), n);
}

TEST(NumberOfUri, ReadsTelAndSipUrisWithOrWithoutUserPhone) {
  EXPECT_EQ(number_of_uri("tel:+1-303-555-0100"), global("13035550100"));
  EXPECT_EQ(number_of_uri("tel:+1.303.(555).0100;ext=22"), global("13035550100"));
  EXPECT_EQ(number_of_uri("tel:5550100;phone-context=+1-303"), global("13035550100"));
  EXPECT_EQ(number_of_uri("tel:*67;phone-context=example.com"), local("*67"));
  EXPECT_EQ(number_of_uri("tel:911;phone-context=carrier.example"), local("911"));
  EXPECT_EQ(number_of_uri("sip:+13035550100@gw.example;user=phone"), global("13035550100"));
  EXPECT_EQ(number_of_uri("sip:+1-303-555-0100;isub=12@gw.example;user=phone"), global("13035550100"));
  EXPECT_EQ(number_of_uri("sip:5550100@10.0.0.1"), local("5550100"));
  EXPECT_EQ(number_of_uri("sips:%2B4930123@gw.example"), global("4930123"));
  EXPECT_EQ(number_of_uri("  <not-a-uri>"), std::nullopt);
  EXPECT_EQ(number_of_uri("sip:alice@example.com"), std::nullopt);
  EXPECT_EQ(number_of_uri("sip:gw.example"), std::nullopt);
  EXPECT_EQ(number_of_uri("tel:+1-800-FLOWERS"), std::nullopt);
  EXPECT_EQ(number_of_uri("tel:+*67"), std::nullopt) << "a global number is digits only";
  EXPECT_EQ(number_of_uri("mailto:a@b"), std::nullopt);
  EXPECT_EQ(number_of_uri("tel:"), std::nullopt);
}

TEST(NumberUris, WriteTheNumberAsTelAndAsSipWithUserPhone) {
  EXPECT_EQ(tel_uri(global("13035550100")), "tel:+13035550100");
  EXPECT_EQ(sip_uri(global("13035550100"), "gw.example"), "sip:+13035550100@gw.example;user=phone");
  EXPECT_EQ(sip_uri(local("4001"), "10.0.0.1"), "sip:4001@10.0.0.1;user=phone");
  EXPECT_EQ(number_of_uri(sip_uri(global("442079460000"), "h")), global("442079460000"));
}

}  // namespace
}  // namespace sipnic::interwork
