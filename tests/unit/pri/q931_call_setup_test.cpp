// Tests for host/pri/q931_call_setup.cpp: a CallSetup into a SETUP and back,
// with the switch variants' differences.
#include "pri/q931_call_setup.h"

#include <gtest/gtest.h>

#include "pri/q931_facility.h"

namespace sipnic::pri::q931 {
namespace {

CallSetup sample() {
  CallSetup s;
  s.bearer = speech_bearer(Layer1Protocol::kG711MuLaw);
  s.called = {TypeOfNumber::kNational, NumberingPlan::kIsdnTelephony, "2125551234"};
  PartyNumber calling;
  calling.type = TypeOfNumber::kNational;
  calling.digits = "3035550100";
  s.calling = calling;
  s.calling_name = "Alice Example Longname";
  s.sending_complete = true;
  return s;
}

// The SETUP `side` sends on `variant`, encoded and decoded as the far end reads it.
Message sent(const CallSetup& s, SwitchVariant variant, Side side) {
  const auto& traits = variant_traits(variant);
  Message m = make_message(MessageType::kSetup, {2, 1, false}, traits);
  ChannelIdentification ch;
  ch.channels = {1};
  m.add(to_ie(ch, traits.usual_line));
  add_setup_ies(m, s, traits, side);
  DecodeOptions o;
  o.variant = &traits;
  o.line = traits.usual_line;
  o.direction = side == Side::kUser ? Direction::kUserToNetwork : Direction::kNetworkToUser;
  auto d = decode_message(encode_message(m), o);
  EXPECT_TRUE(d.ok()) << problem_name(d.problem);
  return d.message;
}

TEST(Q931CallSetup, ASetupRoundTripsItsPartiesAndBearer) {
  const CallSetup s = sample();
  const Message m = sent(s, SwitchVariant::kNi2, Side::kUser);
  const CallSetup back = read_setup(m, variant_traits(SwitchVariant::kNi2));
  EXPECT_EQ(back.bearer, s.bearer);
  EXPECT_EQ(back.called, s.called);
  ASSERT_TRUE(back.calling);
  EXPECT_EQ(back.calling->digits, "3035550100");
  EXPECT_EQ(back.calling_name, "Alice Example L");  // NI-2 names are 15 characters
}

TEST(Q931CallSetup, NorthAmericanDisplayNamesCarryTheDisplayTypeOctet) {
  const Message m = sent(sample(), SwitchVariant::kDms100, Side::kUser);
  const auto* e = m.find(ie::kDisplay);
  ASSERT_NE(e, nullptr);
  ASSERT_FALSE(e->contents.empty());
  EXPECT_EQ(e->contents[0], kDisplayTypeCallingName);
}

TEST(Q931CallSetup, AEuroIsdnUserSendsNoNameAndTheNetworkSendsADisplay) {
  EXPECT_EQ(sent(sample(), SwitchVariant::kEuroIsdnE1, Side::kUser).find(ie::kDisplay), nullptr);
  const Message from_network = sent(sample(), SwitchVariant::kEuroIsdnE1, Side::kNetwork);
  const auto* e = from_network.find(ie::kDisplay);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(read_setup(from_network, variant_traits(SwitchVariant::kEuroIsdnE1)).calling_name,
            "Alice Example Longname");
}

TEST(Q931CallSetup, SendingCompleteGoesOnlyWhereTheVariantSendsItEnBloc) {
  EXPECT_NE(sent(sample(), SwitchVariant::kEuroIsdnE1, Side::kUser).find(ie::kSendingComplete), nullptr);
  EXPECT_EQ(sent(sample(), SwitchVariant::kNi2, Side::kUser).find(ie::kSendingComplete), nullptr);
  CallSetup overlap = sample();
  overlap.sending_complete = false;
  EXPECT_EQ(sent(overlap, SwitchVariant::kEuroIsdnE1, Side::kUser).find(ie::kSendingComplete), nullptr);
}

TEST(Q931CallSetup, DmsAndFourEssGetAllowedUserNumbersAsNetworkProvided) {
  for (auto v : {SwitchVariant::kDms100, SwitchVariant::kAtt4ess}) {
    const CallSetup back = read_setup(sent(sample(), v, Side::kUser), variant_traits(v));
    ASSERT_TRUE(back.calling);
    EXPECT_EQ(back.calling->screening, Screening::kNetworkProvided) << variant_traits(v).name;
  }
  const CallSetup ni2 = read_setup(sent(sample(), SwitchVariant::kNi2, Side::kUser), variant_traits(SwitchVariant::kNi2));
  EXPECT_EQ(ni2.calling->screening, Screening::kUserProvidedNotScreened);
  CallSetup restricted = sample();
  restricted.calling->presentation = Presentation::kRestricted;
  const CallSetup back =
      read_setup(sent(restricted, SwitchVariant::kDms100, Side::kUser), variant_traits(SwitchVariant::kDms100));
  EXPECT_EQ(back.calling->presentation, Presentation::kRestricted);
  EXPECT_EQ(back.calling->screening, Screening::kUserProvidedNotScreened);
}

TEST(Q931CallSetup, FacilityAndHighCodesetIesArePassedThroughRaw) {
  CallSetup s = sample();
  s.passed_through.push_back(to_ie(FacilityIe{{0x91, 0xA1, 0x03, 0x02, 0x01, 0x01}}));
  s.passed_through.push_back(InformationElement{6, 0x77, {0x01, 0x02}});
  const Message m = sent(s, SwitchVariant::kEuroIsdnE1, Side::kNetwork);
  const auto raw = read_passed_through(m);
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(raw[0].id, ie::kFacility);
  EXPECT_EQ(raw[1].codeset, 6);
  EXPECT_EQ(read_setup(m, variant_traits(SwitchVariant::kEuroIsdnE1)).passed_through, raw);
}

TEST(Q931CallSetup, ProgressHighLayerCompatibilityAndUserUserRoundTrip) {
  CallSetup s = sample();
  s.progress = ProgressDescription::kOriginationNotIsdn;
  s.high_layer_compatibility = HighLayerCompatibilityIe{};
  s.user_user = UserUserIe{kUserUserIa5, {'h', 'i'}};
  const CallSetup back =
      read_setup(sent(s, SwitchVariant::kEuroIsdnE1, Side::kUser), variant_traits(SwitchVariant::kEuroIsdnE1));
  EXPECT_EQ(back.progress, ProgressDescription::kOriginationNotIsdn);
  EXPECT_EQ(back.high_layer_compatibility, s.high_layer_compatibility);
  EXPECT_EQ(back.user_user, s.user_user);
}

// Where the name goes, for every variant and side: exactly the carrier the
// variant table names (switch_variant.cpp), and nothing else.
TEST(Q931CallSetup, TheNameGoesInTheCarrierTheVariantTableNamesForEachSide) {
  for (const auto& traits : all_variants()) {
    for (auto side : {Side::kUser, Side::kNetwork}) {
      const NameCarrier carrier = side == Side::kUser ? traits.name_from_user : traits.name_from_network;
      const Message m = sent(sample(), traits.variant, side);
      const std::string what = std::string(traits.name) + (side == Side::kUser ? " user" : " network");
      EXPECT_EQ(m.find(ie::kDisplay) != nullptr, carrier == NameCarrier::kDisplay) << what;
      const auto* f = m.find(ie::kFacility);
      EXPECT_EQ(f != nullptr, carrier == NameCarrier::kFacility) << what;
      if (f) {
        EXPECT_TRUE(decode_calling_name_facility(f->contents)) << what;
      }
    }
  }
}

TEST(Q931CallSetup, AnNi2NetworkSetupCarriesTheNameInAFacilityIeOfTheNi2Form) {
  const Message m = sent(sample(), SwitchVariant::kNi2, Side::kNetwork);
  EXPECT_EQ(m.find(ie::kDisplay), nullptr);
  const auto* f = m.find(ie::kFacility);
  ASSERT_NE(f, nullptr);
  // 9F networking extensions, interpretation [11] discard, Invoke
  // { invokeId = the call reference (1), callingName, allowed simple },
  // the name cut to NI-2's 15 characters (GR-1367).
  const std::string name = "Alice Example L";
  std::vector<std::uint8_t> expected{0x9F, 0x8B, 0x01, 0x00, 0xA1, 0x17, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x0F};
  expected.insert(expected.end(), name.begin(), name.end());
  EXPECT_EQ(f->contents, expected);
  EXPECT_EQ(read_setup(m, variant_traits(SwitchVariant::kNi2)).calling_name, name);
}

TEST(Q931CallSetup, QsigSetupsCarryTheNameInAFacilityIeOfTheQsigFormFromBothSides) {
  for (auto side : {Side::kUser, Side::kNetwork}) {
    const Message m = sent(sample(), SwitchVariant::kQsig, side);
    EXPECT_EQ(m.find(ie::kDisplay), nullptr);
    const auto* f = m.find(ie::kFacility);
    ASSERT_NE(f, nullptr);
    ASSERT_GE(f->contents.size(), 12u);
    // 9F, NFE [10] { sourceEntity endPINX, destinationEntity endPINX }, interpretation [11] discard.
    const std::vector<std::uint8_t> header{0x9F, 0xAA, 0x06, 0x80, 0x01, 0x00, 0x82, 0x01, 0x00, 0x8B, 0x01, 0x00};
    EXPECT_EQ(std::vector<std::uint8_t>(f->contents.begin(), f->contents.begin() + 12), header);
    const CallSetup back = read_setup(m, variant_traits(SwitchVariant::kQsig));
    EXPECT_EQ(back.calling_name, "Alice Example Longname");  // QSIG names go to 50 octets
    // The Facility IE is still passed through raw, as every Facility IE is.
    ASSERT_EQ(back.passed_through.size(), 1u);
    EXPECT_EQ(back.passed_through[0].id, ie::kFacility);
  }
}

TEST(Q931CallSetup, ARestrictedCallingNumberSendsTheFacilityNameRestrictedAndItIsNotDelivered) {
  CallSetup s = sample();
  s.calling->presentation = Presentation::kRestricted;
  const Message m = sent(s, SwitchVariant::kQsig, Side::kUser);
  const auto name = read_calling_name_facility(m, variant_traits(SwitchVariant::kQsig));
  ASSERT_TRUE(name);
  EXPECT_EQ(name->presentation, NamePresentation::kRestricted);
  EXPECT_EQ(name->name, "Alice Example Longname");
  EXPECT_EQ(read_setup(m, variant_traits(SwitchVariant::kQsig)).calling_name, "");
  // A number without octet 3a is presentation allowed.
  s.calling->has_presentation = false;
  const auto allowed = read_calling_name_facility(sent(s, SwitchVariant::kNi2, Side::kNetwork),
                                                  variant_traits(SwitchVariant::kNi2));
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->presentation, NamePresentation::kAllowed);
  // Without a calling number the name goes allowed too.
  s.calling.reset();
  const auto no_number = read_calling_name_facility(sent(s, SwitchVariant::kNi2, Side::kNetwork),
                                                    variant_traits(SwitchVariant::kNi2));
  ASSERT_TRUE(no_number);
  EXPECT_EQ(no_number->presentation, NamePresentation::kAllowed);
}

TEST(Q931CallSetup, NoNameNoFacilityIe) {
  CallSetup s = sample();
  s.calling_name.clear();
  EXPECT_EQ(sent(s, SwitchVariant::kQsig, Side::kUser).find(ie::kFacility), nullptr);
  EXPECT_EQ(sent(s, SwitchVariant::kNi2, Side::kNetwork).find(ie::kFacility), nullptr);
}

// A received SETUP as libpri's NI-2 user side sends it (a Facility name and
// a Display): the Facility name decides; on a variant that does not carry
// names in Facility (DMS-100) the Display does.
TEST(Q931CallSetup, AReceivedFacilityNameIsTakenBeforeADisplayWhereTheVariantCarriesFacilityNames) {
  auto received = [](SwitchVariant v, Side from) {
    const auto& traits = variant_traits(v);
    Message m = make_message(MessageType::kSetup, {2, 7, false}, traits);
    CallSetup s = sample();
    s.calling_name.clear();
    add_setup_ies(m, s, traits, from);
    DisplayIe d;
    d.display_type = kDisplayTypeCallingName;
    d.text = "Display Name";
    m.add(to_ie(d));
    m.add(to_calling_name_facility_ie({NamePresentation::kAllowed, "Facility Name"}, FacilityForm::kNi2, 1));
    return m;
  };
  EXPECT_EQ(read_setup(received(SwitchVariant::kNi2, Side::kUser), variant_traits(SwitchVariant::kNi2)).calling_name,
            "Facility Name");
  EXPECT_EQ(read_setup(received(SwitchVariant::kDms100, Side::kUser), variant_traits(SwitchVariant::kDms100))
                .calling_name,
            "Display Name");
  EXPECT_EQ(read_calling_name_facility(received(SwitchVariant::kDms100, Side::kUser),
                                       variant_traits(SwitchVariant::kDms100)),
            std::nullopt);
}

TEST(Q931CallSetup, AReceivedRestrictedOrUnavailableFacilityNameGivesNoNameEvenWithADisplay) {
  for (auto presentation : {NamePresentation::kRestricted, NamePresentation::kRestrictedNull,
                            NamePresentation::kNotAvailable}) {
    const auto& traits = variant_traits(SwitchVariant::kNi2);
    Message m = make_message(MessageType::kSetup, {2, 7, false}, traits);
    CallSetup s = sample();
    s.calling_name.clear();
    add_setup_ies(m, s, traits, Side::kUser);
    m.add(to_ie(DisplayIe{kDisplayTypeCallingName, "Shown"}));
    m.add(to_calling_name_facility_ie({presentation, "Hidden"}, FacilityForm::kNi2, 1));
    EXPECT_EQ(read_setup(m, traits).calling_name, "") << int(presentation);
  }
}

// libpri's NI-2 network side sends InformationFollowing in its SETUP (and
// the name in a FACILITY after it): that Facility IE has no name, and the
// Display is read.
TEST(Q931CallSetup, AFacilityIeWithoutACallingNameLeavesTheNameToTheDisplay) {
  const auto& traits = variant_traits(SwitchVariant::kNi2);
  Message m = make_message(MessageType::kSetup, {2, 7, false}, traits);
  CallSetup s = sample();
  s.calling_name.clear();
  add_setup_ies(m, s, traits, Side::kNetwork);
  m.add(to_ie(DisplayIe{kDisplayTypeCallingName, "Shown"}));
  m.add(to_ie(FacilityIe{{0x9F, 0x8B, 0x01, 0x00, 0xA1, 0x0F, 0x02, 0x01, 0x01, 0x06, 0x07, 0x2A, 0x86, 0x48,
                          0xCE, 0x15, 0x00, 0x04, 0x0A, 0x01, 0x00}}));
  EXPECT_EQ(read_calling_name_facility(m, traits), std::nullopt);
  EXPECT_EQ(read_setup(m, traits).calling_name, "Shown");
}

// QSIG ignores Display but reads the Facility name; a second Facility IE
// carries it when the first has none.
TEST(Q931CallSetup, QsigReadsTheNameFromAnyOfItsFacilityIes) {
  const auto& traits = variant_traits(SwitchVariant::kQsig);
  Message m = make_message(MessageType::kSetup, {2, 7, false}, traits);
  CallSetup s = sample();
  s.calling_name.clear();
  add_setup_ies(m, s, traits, Side::kNetwork);
  m.add(to_ie(FacilityIe{{0x91, 0xA2, 0x03, 0x02, 0x01, 0x07}}));
  m.add(to_calling_name_facility_ie({NamePresentation::kAllowed, "Second"}, FacilityForm::kQsig, 9));
  m.add(to_ie(DisplayIe{std::nullopt, "Display"}));
  EXPECT_EQ(read_setup(m, traits).calling_name, "Second");
}

}  // namespace
}  // namespace sipnic::pri::q931
