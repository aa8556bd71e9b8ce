// The small Q.931 IEs (pri/q931_ie.h): each a table of contents octets
// written by hand from the layouts of Q.931 §4.5 (and Q.850 §2 for the
// cause), decoded to the typed value and encoded back to the same octets,
// then a table of content errors (reserved values, truncated octet groups,
// extension bits that end a group early or fail to end it) that decoding
// refuses with the reason named.
#include "pri/q931_ie.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/hex.h"
#include "support/q931_ie_tables.h"

namespace sipnic::pri::q931 {
namespace {

using ::testing::HasSubstr;
using test::expect_both_ways;
using test::expect_refused;
using test::from_hex;
using test::IeRow;

auto encode = [](const auto& v) { return to_ie(v); };

std::vector<std::uint8_t> repeat(std::uint8_t octet, std::size_t n) { return std::vector<std::uint8_t>(n, octet); }

// ---------------------------------------------------------------- cause

TEST(Q931CauseIe, DecodesAndEncodesTheLayoutOfQ850) {
  expect_both_ways<CauseIe>({
      // normal call clearing (16) from the user
      {"80 90", make_cause(Cause::kNormalCallClearing, Location::kUser)},
      // user busy (17) from the public network serving the local user
      {"82 91", make_cause(Cause::kUserBusy, Location::kPublicNetworkLocalUser)},
      // mandatory IE missing (96), diagnostic: channel identification (0x18)
      {"81 E0 18", make_cause(Cause::kMandatoryIeMissing, Location::kPrivateNetworkLocalUser, {0x18})},
      // octet 3a present (ext 0 in octet 3): recommendation Q.931; cause 34
      {"02 80 A2", CauseIe{CodingStandard::kItuT, Location::kPublicNetworkLocalUser, 0, 34, {}}},
      // national coding: location 6 is not checked against the ITU-T table
      {"C6 90", CauseIe{CodingStandard::kNational, static_cast<Location>(6), std::nullopt, 16, {}}},
      // a value Q.850 does not name is carried as a number
      {"8A CA", CauseIe{CodingStandard::kItuT, Location::kBeyondInterworkingPoint, std::nullopt, 0x4A, {}}},
  }, ie::kCause, decode_cause, encode);
}

TEST(Q931CauseIe, RefusesContentErrors) {
  expect_refused({{"", "shorter"},
                  {"80", "shorter"},
                  {"86 90", "location is reserved"},
                  {"00 00 90", "octet 3a does not end"},
                  {"02 80", "no cause value"},
                  {"80 10", "cause value octet does not end"}},
                 decode_cause);
  auto long_cause = from_hex("80 90");
  long_cause.resize(31, 0x00);
  EXPECT_THAT(std::string(decode_cause(long_cause).error), HasSubstr("longer than 32"));
}

TEST(Q931CauseIe, EncodingCutsDiagnosticsToTheIeLimit) {
  auto e = to_ie(make_cause(Cause::kInvalidIeContents, Location::kUser, repeat(0x18, 40)));
  EXPECT_EQ(e.contents.size(), 30u);  // 32 octets with identifier and length
  EXPECT_TRUE(decode_cause(e.contents).ok());
}

// ---------------------------------------------------------------- call state

TEST(Q931CallStateIe, DecodesAndEncodesEveryStateValue) {
  for (std::uint8_t v : {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 15, 17, 19, 22, 25, 61, 62}) {
    auto d = decode_call_state(std::vector<std::uint8_t>{v});
    ASSERT_TRUE(d.ok()) << int(v);
    EXPECT_EQ(d->value, v);
    EXPECT_EQ(to_ie(*d).contents, std::vector<std::uint8_t>{v});
  }
  // national coding (bits 8-7 = 10): value 5 not checked
  auto national = decode_call_state(from_hex("85"));
  ASSERT_TRUE(national.ok());
  EXPECT_EQ(national->coding, CodingStandard::kNational);
  EXPECT_EQ(national->value, 5);
  EXPECT_EQ(to_ie(*national).contents, from_hex("85"));
}

TEST(Q931CallStateIe, RefusesContentErrors) {
  expect_refused({{"05", "reserved"}, {"3F", "reserved"}, {"", "not one octet"}, {"0A 0A", "not one octet"}},
                 decode_call_state);
}

// ---------------------------------------------------------------- progress indicator

TEST(Q931ProgressIndicatorIe, DecodesAndEncodesDescriptions1238) {
  expect_both_ways<ProgressIndicatorIe>({
      {"81 88", {CodingStandard::kItuT, Location::kPrivateNetworkLocalUser, 8}},  // in-band available
      {"82 81", {CodingStandard::kItuT, Location::kPublicNetworkLocalUser, 1}},   // not end-to-end ISDN
      {"80 82", {CodingStandard::kItuT, Location::kUser, 2}},                     // destination non-ISDN
      {"84 83", {CodingStandard::kItuT, Location::kPublicNetworkRemoteUser, 3}},  // origination non-ISDN
      {"A1 86", {CodingStandard::kIsoIec, Location::kPrivateNetworkLocalUser, 6}},  // ISO coding: not checked
  }, ie::kProgressIndicator, decode_progress_indicator, encode);
}

TEST(Q931ProgressIndicatorIe, RefusesContentErrors) {
  expect_refused({{"01 88", "octet 3 does not end"},
                  {"81 08", "description does not end"},
                  {"81 86", "description is reserved"},
                  {"86 88", "location is reserved"},
                  {"81", "not two octets"},
                  {"81 88 88", "not two octets"}},
                 decode_progress_indicator);
}

// ---------------------------------------------------------------- notification indicator

TEST(Q931NotificationIndicatorIe, KnowsQ931sThreeAndEuroIsdnsMore) {
  for (const char* octets : {"80", "81", "82"}) {
    auto d = decode_notification_indicator(from_hex(octets), false);
    ASSERT_TRUE(d.ok()) << octets;
    EXPECT_EQ(to_ie(*d).contents, from_hex(octets));
  }
  // EN 300 196: description 3 (ASN.1 component follows), kept raw
  auto ext = decode_notification_indicator(from_hex("83 A1 03 02 01 01"), true);
  ASSERT_TRUE(ext.ok()) << ext.error;
  EXPECT_EQ(ext->description, 3);
  EXPECT_EQ(ext->extension, from_hex("A1 03 02 01 01"));
  EXPECT_EQ(to_ie(*ext).contents, from_hex("83 A1 03 02 01 01"));
  EXPECT_TRUE(decode_notification_indicator(from_hex("FB"), true).ok());  // call is diverting (0x7B)
}

TEST(Q931NotificationIndicatorIe, RefusesContentErrors) {
  expect_refused({{"83", "reserved"}, {"80 01", "not one octet"}, {"", "empty"}},
                 [](auto c) { return decode_notification_indicator(c, false); });
  expect_refused({{"00", "does not end"}}, [](auto c) { return decode_notification_indicator(c, true); });
}

// ---------------------------------------------------------------- display

TEST(Q931DisplayIe, DecodesTextWithAndWithoutTheDisplayTypeOctet) {
  auto plain = decode_display(from_hex("41 6C 69 63 65"));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->text, "Alice");
  EXPECT_FALSE(plain->display_type);
  EXPECT_EQ(to_ie(*plain).contents, from_hex("41 6C 69 63 65"));
  EXPECT_EQ(to_ie(*plain).id, ie::kDisplay);

  auto typed = decode_display(from_hex("B1 41 6C 69 63 65"));
  ASSERT_TRUE(typed.ok());
  EXPECT_EQ(typed->text, "Alice");
  EXPECT_EQ(typed->display_type, kDisplayTypeCallingName);
  EXPECT_EQ(to_ie(*typed).contents, from_hex("B1 41 6C 69 63 65"));

  // codeset 6 display, as some North American switches send it
  EXPECT_EQ(to_ie(*plain, 6).codeset, 6);
  // text octets are kept as received (ISO 8859-1 from some PBXs)
  EXPECT_EQ(decode_display(from_hex("4A FC 72 67"))->text, "J\xFCrg");
}

TEST(Q931DisplayIe, EncodingCutsTextToEightyOctetsAndDecodingRefusesMore) {
  DisplayIe d{std::nullopt, std::string(100, 'x')};
  EXPECT_EQ(to_ie(d).contents.size(), 80u);
  d.display_type = kDisplayTypeCallingName;
  EXPECT_EQ(to_ie(d).contents.size(), 80u);  // the type octet counts
  EXPECT_THAT(std::string(decode_display(repeat('x', 81)).error), HasSubstr("longer than 80"));
}

// ---------------------------------------------------------------- keypad facility

TEST(Q931KeypadFacilityIe, DecodesIa5Digits) {
  auto d = decode_keypad_facility(from_hex("31 32 33 2A 23"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->text, "123*#");
  EXPECT_EQ(to_ie(*d).contents, from_hex("31 32 33 2A 23"));
  EXPECT_EQ(to_ie(KeypadFacilityIe{std::string(40, '1')}).contents.size(), 32u);
}

TEST(Q931KeypadFacilityIe, RefusesContentErrors) {
  expect_refused({{"", "empty"}, {"31 B2", "not IA5"}}, decode_keypad_facility);
  EXPECT_THAT(std::string(decode_keypad_facility(repeat('1', 33)).error), HasSubstr("longer"));
}

// ---------------------------------------------------------------- signal

TEST(Q931SignalIe, DecodesTheDefinedSignals) {
  for (std::uint8_t v : {0x00, 0x01, 0x04, 0x09, 0x3F, 0x40, 0x47, 0x4F}) {
    auto d = decode_signal(std::vector<std::uint8_t>{v});
    ASSERT_TRUE(d.ok()) << int(v);
    EXPECT_EQ(to_ie(*d).contents, std::vector<std::uint8_t>{v});
  }
  EXPECT_EQ(to_ie(SignalIe{static_cast<std::uint8_t>(SignalValue::kRingBackToneOn)}).contents, from_hex("01"));
}

TEST(Q931SignalIe, RefusesContentErrors) {
  expect_refused(
      {{"0A", "reserved"}, {"48", "reserved"}, {"3E", "reserved"}, {"", "not one octet"}, {"01 01", "not one"}},
      decode_signal);
}

// ---------------------------------------------------------------- date/time

TEST(Q931DateTimeIe, DecodesDateWithOptionalTime) {
  expect_both_ways<DateTimeIe>({
      {"18 03 0E", {24, 3, 14, {}, {}, {}}},
      {"18 03 0E 0C", {24, 3, 14, 12, {}, {}}},
      {"18 03 0E 0C 1E", {24, 3, 14, 12, 30, {}}},
      {"18 03 0E 0C 1E 2D", {24, 3, 14, 12, 30, 45}},
      {"00 0C 1F 17 3B 3B", {0, 12, 31, 23, 59, 59}},
  }, ie::kDateTime, decode_date_time, encode);
}

TEST(Q931DateTimeIe, RefusesContentErrors) {
  expect_refused({{"18 0D 0E", "month"},
                  {"18 00 0E", "month"},
                  {"18 03 20", "day"},
                  {"18 03 00", "day"},
                  {"64 01 01", "year"},
                  {"18 03 0E 18", "hour"},
                  {"18 03 0E 0C 3C", "minute"},
                  {"18 03 0E 0C 1E 3C", "second"},
                  {"18 03", "shorter"},
                  {"18 03 0E 0C 1E 2D 00", "longer"}},
                 decode_date_time);
}

// ---------------------------------------------------------------- restart indicator

TEST(Q931RestartIndicatorIe, DecodesTheThreeClasses) {
  EXPECT_EQ(decode_restart_indicator(from_hex("80"))->restart_class, RestartClass::kIndicatedChannels);
  EXPECT_EQ(decode_restart_indicator(from_hex("86"))->restart_class, RestartClass::kSingleInterface);
  EXPECT_EQ(decode_restart_indicator(from_hex("87"))->restart_class, RestartClass::kAllInterfaces);
  EXPECT_EQ(to_ie(RestartIndicatorIe{RestartClass::kAllInterfaces}).contents, from_hex("87"));
  EXPECT_EQ(to_ie(RestartIndicatorIe{RestartClass::kIndicatedChannels}).id, ie::kRestartIndicator);
}

TEST(Q931RestartIndicatorIe, RefusesContentErrors) {
  expect_refused(
      {{"81", "reserved"}, {"85", "reserved"}, {"06", "does not end"}, {"", "not one"}, {"80 80", "not one"}},
      decode_restart_indicator);
}

// ---------------------------------------------------------------- high layer compatibility

TEST(Q931HighLayerCompatibilityIe, DecodesTelephonyFaxAndExtendedCharacteristics) {
  expect_both_ways<HighLayerCompatibilityIe>({
      {"91 81", {CodingStandard::kItuT, 4, 1, kHlcTelephony, {}}},
      {"91 84", {CodingStandard::kItuT, 4, 1, kHlcFacsimileGroup2And3, {}}},
      {"91 5E 81", {CodingStandard::kItuT, 4, 1, kHlcMaintenance, 0x01}},
      {"B1 81", {CodingStandard::kIsoIec, 4, 1, kHlcTelephony, {}}},
      {"F5 A2", {CodingStandard::kNetworkSpecific, 5, 1, 0x22, {}}},  // not ITU-T: fields not checked
  }, ie::kHighLayerCompatibility, decode_high_layer_compatibility, encode);
}

TEST(Q931HighLayerCompatibilityIe, RefusesContentErrors) {
  expect_refused({{"11 81", "octet 3 does not end"},
                  {"91", "shorter"},
                  {"95 81", "interpretation is reserved"},
                  {"92 81", "presentation method is reserved"},
                  {"91 01", "octet 4a is missing"},
                  {"91 5E 01", "octet 4a does not end"},
                  {"91 81 81", "follows a final octet 4"},
                  {"91 5E 81 81", "longer"}},
                 decode_high_layer_compatibility);
}

// ---------------------------------------------------------------- user-user

TEST(Q931UserUserIe, DecodesProtocolAndData) {
  auto d = decode_user_user(from_hex("04 68 69"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->protocol, kUserUserIa5);
  EXPECT_EQ(d->data, from_hex("68 69"));
  EXPECT_EQ(to_ie(*d).contents, from_hex("04 68 69"));
  EXPECT_TRUE(decode_user_user(from_hex("00")).ok());  // protocol only
  EXPECT_EQ(to_ie(UserUserIe{0, repeat(0x55, 200)}).contents.size(), 129u);
}

TEST(Q931UserUserIe, RefusesContentErrors) {
  expect_refused({{"", "no protocol discriminator"}}, decode_user_user);
  EXPECT_THAT(std::string(decode_user_user(repeat(0x04, 130)).error), HasSubstr("longer than 131"));
}

// ---------------------------------------------------------------- facility

TEST(Q931FacilityIe, PassesContentsThrough) {
  const auto octets = from_hex("91 A1 0C 02 01 01 02 01 00 30 04 80 02 41 42");
  auto d = decode_facility(octets);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->contents, octets);
  EXPECT_EQ(d->protocol_profile(), kFacilityRemoteOperations);
  EXPECT_EQ(to_ie(*d).contents, octets);
  EXPECT_EQ(to_ie(*d, 6).codeset, 6);
}

TEST(Q931FacilityIe, RefusesContentErrors) {
  expect_refused({{"", "empty"}, {"11 A1", "does not end"}}, decode_facility);
}

// ---------------------------------------------------------------- change status

TEST(Q931ChangeStatusIe, DecodesChannelAndInterfaceStatus) {
  EXPECT_EQ(*decode_change_status(from_hex("C0")), (ChangeStatusIe{true, ServiceStatus::kInService}));
  EXPECT_EQ(*decode_change_status(from_hex("C2")), (ChangeStatusIe{true, ServiceStatus::kOutOfService}));
  EXPECT_EQ(*decode_change_status(from_hex("82")), (ChangeStatusIe{false, ServiceStatus::kOutOfService}));
  EXPECT_EQ(to_ie(ChangeStatusIe{true, ServiceStatus::kOutOfService}).contents, from_hex("C2"));
  EXPECT_EQ(to_ie(ChangeStatusIe{}).id, ie::kChangeStatus);
}

TEST(Q931ChangeStatusIe, RefusesContentErrors) {
  expect_refused({{"C5", "reserved"}, {"40", "does not end"}, {"", "not one"}}, decode_change_status);
}

// ---------------------------------------------------------------- single octet

TEST(Q931SingleOctetIes, SendingCompleteIsTheWholeOctet) {
  auto e = sending_complete_ie();
  EXPECT_EQ(e.id, 0xA1);
  EXPECT_TRUE(e.contents.empty());
  EXPECT_TRUE(is_single_octet_ie(e.id));
  EXPECT_FALSE(is_single_octet_ie(ie::kCause));
}

TEST(Q931SingleOctetIes, ComprehensionRequiredIsCodeset0Identifiers0000xxxx) {
  EXPECT_TRUE(is_comprehension_required(0, 0x01));
  EXPECT_TRUE(is_comprehension_required(0, 0x0F));
  EXPECT_FALSE(is_comprehension_required(0, 0x10));
  EXPECT_FALSE(is_comprehension_required(5, 0x01));
}

}  // namespace
}  // namespace sipnic::pri::q931
