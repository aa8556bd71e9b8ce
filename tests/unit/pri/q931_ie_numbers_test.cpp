// Party numbers (pri/q931_ie_numbers.h): called, calling, connected and
// redirecting numbers from the layouts of Q.931 §4.5.8 / §4.5.10, Q.951 and
// Q.952, both ways with every presentation, screening and reason value,
// the North American octet 3 quirk, and the content errors decoding refuses.
#include "pri/q931_ie_numbers.h"

#include <gtest/gtest.h>

#include "support/q931_ie_tables.h"

namespace sipnic::pri::q931 {
namespace {

using test::expect_both_ways;
using test::expect_refused;
using test::from_hex;

PartyNumber party(TypeOfNumber t, NumberingPlan p, Presentation pres, Screening s, std::string digits) {
  return PartyNumber{t, p, true, pres, s, std::move(digits)};
}

TEST(Q931CalledPartyNumber, DecodesAndEncodesTypeAndPlan) {
  expect_both_ways<CalledPartyNumber>(
      {
          {"A1 35 35 35 31 32 33 34", {TypeOfNumber::kNational, NumberingPlan::kIsdnTelephony, "5551234"}},
          {"91 34 39 33 30 31 32", {TypeOfNumber::kInternational, NumberingPlan::kIsdnTelephony, "493012"}},
          {"81", {TypeOfNumber::kUnknown, NumberingPlan::kIsdnTelephony, ""}},
          {"C9 31 32 33 34", {TypeOfNumber::kSubscriber, NumberingPlan::kPrivate, "1234"}},
          {"E8 2A 32", {TypeOfNumber::kAbbreviated, NumberingPlan::kNationalStandard, "*2"}},
          {"B3 31", {TypeOfNumber::kNetworkSpecific, NumberingPlan::kData, "1"}},
          {"80 23", {TypeOfNumber::kUnknown, NumberingPlan::kUnknown, "#"}},
          {"84 31", {TypeOfNumber::kUnknown, NumberingPlan::kTelex, "1"}},
      },
      ie::kCalledPartyNumber, decode_called_party_number, to_called_party_number_ie);
}

TEST(Q931CalledPartyNumber, RefusesContentErrors) {
  expect_refused({{"", "no octet 3"},
                  {"21 35", "octet 3 does not end"},
                  {"D1 35", "type of number is reserved"},
                  {"F1 35", "type of number is reserved"},
                  {"A2 35", "numbering plan is reserved"},
                  {"AF 35", "numbering plan is reserved"},
                  {"A1 35 B5", "not IA5"}},
                 decode_called_party_number);
}

TEST(Q931CallingPartyNumber, DecodesAndEncodesPresentationAndScreening) {
  const auto nat = TypeOfNumber::kNational;
  const auto e164 = NumberingPlan::kIsdnTelephony;
  PartyNumber no_3a{TypeOfNumber::kNational, e164, false, Presentation::kAllowed,
                    Screening::kUserProvidedNotScreened, "55"};
  expect_both_ways<PartyNumber>(
      {
          {"21 80 35 35 35", party(nat, e164, Presentation::kAllowed, Screening::kUserProvidedNotScreened, "555")},
          {"21 81 35", party(nat, e164, Presentation::kAllowed, Screening::kUserProvidedVerifiedAndPassed, "5")},
          {"21 82 35", party(nat, e164, Presentation::kAllowed, Screening::kUserProvidedVerifiedAndFailed, "5")},
          {"21 83 35", party(nat, e164, Presentation::kAllowed, Screening::kNetworkProvided, "5")},
          {"21 A0", party(nat, e164, Presentation::kRestricted, Screening::kUserProvidedNotScreened, "")},
          {"01 C3", party(TypeOfNumber::kUnknown, e164, Presentation::kNotAvailable, Screening::kNetworkProvided, "")},
          {"A1 35 35", no_3a},  // no octet 3a: allowed, user provided, not screened
      },
      ie::kCallingPartyNumber, [](auto c) { return decode_calling_party_number(c); }, to_calling_party_number_ie);
}

TEST(Q931CallingPartyNumber, ReadsOctet3aAfterAFinalOctet3OnlyWithTheNorthAmericanQuirk) {
  const auto octets = from_hex("A1 83 35 35");  // octet 3 says "last", yet octet 3a follows
  auto quirk = decode_calling_party_number(octets, {.octet3_extension_quirk = true});
  ASSERT_TRUE(quirk.ok()) << quirk.error;
  EXPECT_TRUE(quirk->has_presentation);
  EXPECT_EQ(quirk->screening, Screening::kNetworkProvided);
  EXPECT_EQ(quirk->digits, "55");
  EXPECT_EQ(to_calling_party_number_ie(*quirk).contents, from_hex("21 83 35 35"));  // sent the standard way
  EXPECT_FALSE(decode_calling_party_number(octets).ok());  // elsewhere: a digit with bit 8 set
  // with the quirk, digits after a final octet 3 are still digits
  EXPECT_EQ(decode_calling_party_number(from_hex("A1 35"), {.octet3_extension_quirk = true})->digits, "5");
}

TEST(Q931CallingPartyNumber, RefusesContentErrors) {
  expect_refused({{"", "no octet 3"},
                  {"21", "octet 3a is missing"},
                  {"21 E0", "presentation indicator is reserved"},
                  {"21 00 35", "octet 3a does not end"},
                  {"21 80 B5", "not IA5"},
                  {"51 80", "type of number is reserved"}},
                 [](auto c) { return decode_calling_party_number(c); });
}

TEST(Q931ConnectedNumber, HasTheCallingNumbersLayoutUnderItsOwnIdentifier) {
  expect_both_ways<PartyNumber>(
      {{"21 83 31 32", party(TypeOfNumber::kNational, NumberingPlan::kIsdnTelephony, Presentation::kAllowed,
                             Screening::kNetworkProvided, "12")},
       {"49 A0 37", party(TypeOfNumber::kSubscriber, NumberingPlan::kPrivate, Presentation::kRestricted,
                          Screening::kUserProvidedNotScreened, "7")}},
      ie::kConnectedNumber, [](auto c) { return decode_connected_number(c); }, to_connected_number_ie);
}

TEST(Q931RedirectingNumber, DecodesAndEncodesTheReasonOfQ952) {
  auto redirected = [](Presentation p, Screening s, std::optional<RedirectionReason> r, std::string digits) {
    return RedirectingNumber{party(TypeOfNumber::kNational, NumberingPlan::kIsdnTelephony, p, s, std::move(digits)), r};
  };
  const auto allowed = Presentation::kAllowed;
  const auto user = Screening::kUserProvidedNotScreened;
  expect_both_ways<RedirectingNumber>(
      {
          {"21 00 81 35 35", redirected(allowed, user, RedirectionReason::kCallForwardingBusy, "55")},
          {"21 00 82 35", redirected(allowed, user, RedirectionReason::kCallForwardingNoReply, "5")},
          {"21 20 8F",
           redirected(Presentation::kRestricted, user, RedirectionReason::kCallForwardingUnconditional, "")},
          {"21 03 84", redirected(allowed, Screening::kNetworkProvided, RedirectionReason::kCallDeflection, "")},
          {"21 00 89", redirected(allowed, user, RedirectionReason::kCalledDteOutOfOrder, "")},
          {"21 00 8A", redirected(allowed, user, RedirectionReason::kCallForwardingByCalledDte, "")},
          {"21 00 80", redirected(allowed, user, RedirectionReason::kUnknown, "")},
          {"21 80 31", redirected(allowed, user, std::nullopt, "1")},  // no octet 3b
      },
      ie::kRedirectingNumber, [](auto c) { return decode_redirecting_number(c); }, to_redirecting_number_ie);
}

TEST(Q931RedirectingNumber, RefusesContentErrors) {
  expect_refused({{"21 00", "octet 3b is missing"},
                  {"21 00 01", "octet 3b does not end"},
                  {"21 00 83", "reason for redirection is reserved"},
                  {"21 00 85", "reason for redirection is reserved"}},
                 [](auto c) { return decode_redirecting_number(c); });
}

}  // namespace
}  // namespace sipnic::pri::q931
