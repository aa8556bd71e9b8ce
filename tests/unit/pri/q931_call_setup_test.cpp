// Tests for host/pri/q931_call_setup.cpp: a CallSetup into a SETUP and back,
// with the switch variants' differences.
#include "pri/q931_call_setup.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sipnic::pri::q931
