// Tests for host/interwork/calling_identity.cpp: a span's calling number and
// name in From, P-Asserted-Identity and Privacy for each presentation and
// screening, and what a trunk's INVITE gives a span's SETUP.
#include "interwork/calling_identity.h"

#include <gtest/gtest.h>

#include "support/span_numbering.h"

namespace sipnic::interwork {
namespace {

using pri::q931::NumberingPlan;
using pri::q931::PartyNumber;
using pri::q931::Presentation;
using pri::q931::Screening;
using pri::q931::TypeOfNumber;

core::SpanNumbering nanp() { return test::nanp_numbering(); }

PartyNumber national(std::string digits, Presentation p = Presentation::kAllowed,
                     Screening s = Screening::kNetworkProvided) {
  PartyNumber n;
  n.type = TypeOfNumber::kNational;
  n.plan = NumberingPlan::kIsdnTelephony;
  n.presentation = p;
  n.screening = s;
  n.digits = std::move(digits);
  return n;
}

constexpr std::string_view kUri = "<sip:+13035550100@gw.example;user=phone>";

TEST(IdentityToSip, AnAllowedNumberIsInFromAndAssertedWithTheName) {
  const auto id = identity_to_sip(national("3035550100"), "Front Desk", nanp(), "gw.example");
  EXPECT_EQ(id.from, "\"Front Desk\" " + std::string(kUri));
  EXPECT_EQ(id.asserted, "\"Front Desk\" " + std::string(kUri));
  EXPECT_EQ(id.privacy, std::nullopt);
  const auto unnamed = identity_to_sip(national("3035550100"), "", nanp(), "gw.example");
  EXPECT_EQ(unnamed.from, kUri);
}

TEST(IdentityToSip, ARestrictedNumberIsAssertedWithPrivacyIdBehindAnAnonymousFrom) {
  const auto id = identity_to_sip(national("3035550100", Presentation::kRestricted), "Front Desk", nanp(), "gw.example");
  EXPECT_EQ(id.from, "\"Anonymous\" <sip:anonymous@anonymous.invalid>");
  EXPECT_EQ(id.asserted, std::string(kUri)) << "no name with a restricted number";
  EXPECT_EQ(id.privacy, "id");
}

TEST(IdentityToSip, ANumberThatFailedScreeningIsNeverAsserted) {
  const auto shown = identity_to_sip(
      national("3035550100", Presentation::kAllowed, Screening::kUserProvidedVerifiedAndFailed), "", nanp(), "gw");
  EXPECT_EQ(shown.from, "<sip:+13035550100@gw;user=phone>");
  EXPECT_EQ(shown.asserted, std::nullopt);
  const auto hidden = identity_to_sip(
      national("3035550100", Presentation::kRestricted, Screening::kUserProvidedVerifiedAndFailed), "", nanp(), "gw");
  EXPECT_EQ(hidden, (SipIdentity{"\"Anonymous\" <sip:anonymous@anonymous.invalid>", std::nullopt, std::nullopt}));
  // An unscreened number from a PBX is the span's to vouch for.
  EXPECT_TRUE(identity_to_sip(national("3035550100", Presentation::kAllowed, Screening::kUserProvidedNotScreened), "",
                              nanp(), "gw")
                  .asserted);
}

TEST(IdentityToSip, NoNumberOrOneNotAvailableIsAnAnonymousFromAlone) {
  const SipIdentity anonymous{"\"Anonymous\" <sip:anonymous@anonymous.invalid>", std::nullopt, std::nullopt};
  EXPECT_EQ(identity_to_sip(std::nullopt, "Name", nanp(), "gw"), anonymous);
  EXPECT_EQ(identity_to_sip(national("", Presentation::kAllowed), "", nanp(), "gw"), anonymous);
  EXPECT_EQ(identity_to_sip(national("3035550100", Presentation::kNotAvailable), "", nanp(), "gw"), anonymous);
}

TEST(IdentityToIsdn, TheAssertedNumberIsTheNetworksAndFromsTheUsers) {
  const std::string_view pai[] = {"<tel:+13035550100>"};
  const auto asserted = identity_to_isdn("\"Alice\" <sip:+19995550000@carrier.example>", pai, "", nanp());
  ASSERT_TRUE(asserted.calling);
  EXPECT_EQ(*asserted.calling, national("3035550100", Presentation::kAllowed, Screening::kNetworkProvided));
  EXPECT_EQ(asserted.name, "Alice");
  const auto from_only = identity_to_isdn("Bob <sip:+442079460000@carrier.example;user=phone>;tag=1", {}, "", nanp());
  ASSERT_TRUE(from_only.calling);
  EXPECT_EQ(from_only.calling->type, TypeOfNumber::kInternational);
  EXPECT_EQ(from_only.calling->digits, "442079460000");
  EXPECT_EQ(from_only.calling->screening, Screening::kUserProvidedNotScreened);
  EXPECT_EQ(from_only.name, "Bob");
  // Two asserted identities, the first naming no number: the tel: one counts.
  const std::string_view two[] = {"<sip:alice@carrier.example>, <tel:+13035550111>"};
  EXPECT_EQ(identity_to_isdn("<sip:alice@carrier.example>", two, "", nanp()).calling->digits, "3035550111");
}

TEST(IdentityToIsdn, PrivacyOrAnAnonymousFromRestrictsThePresentationAndHidesTheName) {
  const std::string_view pai[] = {"\"Alice\" <sip:+13035550100@carrier.example;user=phone>"};
  for (std::string_view privacy : {"id", "user", "header;id", " critical ; id "}) {
    const auto id = identity_to_isdn("\"Alice\" <sip:+13035550100@carrier.example>", pai, privacy, nanp());
    ASSERT_TRUE(id.calling) << privacy;
    EXPECT_EQ(id.calling->presentation, Presentation::kRestricted) << privacy;
    EXPECT_EQ(id.name, "") << privacy;
  }
  const auto anonymous = identity_to_isdn("\"Anonymous\" <sip:anonymous@anonymous.invalid>", pai, "", nanp());
  ASSERT_TRUE(anonymous.calling);
  EXPECT_EQ(anonymous.calling->presentation, Presentation::kRestricted);
  EXPECT_EQ(anonymous.calling->digits, "3035550100");
  EXPECT_EQ(identity_to_isdn("<sip:+13035550100@c>", pai, "none", nanp()).calling->presentation,
            Presentation::kAllowed);
}

TEST(IdentityToIsdn, NoNumberAnywhereIsNotAvailable) {
  const auto id = identity_to_isdn("\"Anonymous\" <sip:anonymous@anonymous.invalid>", {}, "id", nanp());
  ASSERT_TRUE(id.calling);
  EXPECT_EQ(id.calling->presentation, Presentation::kNotAvailable);
  EXPECT_EQ(id.calling->digits, "");
  EXPECT_EQ(identity_to_isdn("<sip:alice@example.com>", {}, "", nanp()).calling->presentation,
            Presentation::kNotAvailable);
  EXPECT_EQ(identity_to_isdn("garbage <", {}, "", nanp()).calling->presentation, Presentation::kNotAvailable);
}

TEST(Identity, ANumberCrossesBothWaysWithItsPresentation) {
  for (Presentation p : {Presentation::kAllowed, Presentation::kRestricted}) {
    const auto sip = identity_to_sip(national("3035550100", p), "", nanp(), "gw.example");
    std::vector<std::string_view> pai;
    if (sip.asserted) pai.push_back(*sip.asserted);
    const auto back = identity_to_isdn(sip.from, pai, sip.privacy.value_or(""), nanp());
    ASSERT_TRUE(back.calling);
    EXPECT_EQ(*back.calling, national("3035550100", p, Screening::kNetworkProvided));
  }
}

}  // namespace
}  // namespace sipnic::interwork
