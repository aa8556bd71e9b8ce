// Q.931 messages (pri/q931_message.h): whole messages written by hand,
// decoded and encoded back; shifts and codesets; and every error class of
// Q.931 §5.8 with the answer, cause and diagnostic the decoder gives it.
#include "pri/q931_message.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "pri/q931_ie_bearer.h"
#include "pri/q931_ie_channel.h"
#include "pri/q931_ie_numbers.h"
#include "support/hex.h"

namespace sipnic::pri::q931 {
namespace {

using test::from_hex;
using Octets = std::vector<std::uint8_t>;

DecodeOptions received_by_user(SwitchVariant v = SwitchVariant::kEuroIsdnE1) {
  DecodeOptions o;
  o.variant = &variant_traits(v);
  o.line = variant_traits(v).usual_line;
  o.direction = Direction::kNetworkToUser;
  return o;
}
DecodeOptions received_by_network(SwitchVariant v = SwitchVariant::kEuroIsdnE1) {
  DecodeOptions o = received_by_user(v);
  o.direction = Direction::kUserToNetwork;
  return o;
}

DecodedMessage decode(const char* hex, const DecodeOptions& o = received_by_user()) {
  return decode_message(from_hex(hex), o);
}

// A SETUP from the network, call reference 1: sending complete, speech
// A-law, exclusive timeslot 1, calling 5551 (national, allowed, user
// provided), called 5552 (national).
constexpr const char* kSetup =
    "08 02 00 01 05"
    " A1"
    " 04 03 80 90 A3"
    " 18 03 A9 83 81"
    " 6C 06 21 80 35 35 35 31"
    " 70 05 A1 35 35 35 32";

void expect_answer(const DecodedMessage& d, Problem p, Answer a, std::optional<Cause> cause, Octets diagnostic = {}) {
  EXPECT_EQ(d.problem, p) << problem_name(d.problem);
  EXPECT_EQ(d.answer, a) << answer_name(d.answer);
  EXPECT_EQ(d.cause, cause);
  EXPECT_EQ(d.diagnostic, diagnostic);
}

// ---------------------------------------------------------------- whole messages

TEST(Q931Message, DecodesASetupAndItsIes) {
  auto d = decode(kSetup);
  ASSERT_TRUE(d.ok()) << problem_name(d.problem);
  EXPECT_EQ(d.answer, Answer::kProcess);
  EXPECT_FALSE(d.warnings.any());
  const Message& m = d.message;
  EXPECT_EQ(m.protocol_discriminator, 0x08);
  EXPECT_EQ(m.call_reference, (CallReference{2, 1, false}));
  EXPECT_EQ(m.type, MessageType::kSetup);
  ASSERT_EQ(m.ies.size(), 5u);
  EXPECT_TRUE(m.find(ie::kSendingComplete));
  EXPECT_EQ(*decode_bearer_capability(m.find(ie::kBearerCapability)->contents),
            speech_bearer(Layer1Protocol::kG711ALaw));
  EXPECT_EQ(decode_channel_identification(m.find(ie::kChannelIdentification)->contents, {})->channels, Octets{1});
  EXPECT_EQ(decode_calling_party_number(m.find(ie::kCallingPartyNumber)->contents)->digits, "5551");
  EXPECT_EQ(decode_called_party_number(m.find(ie::kCalledPartyNumber)->contents)->digits, "5552");
  EXPECT_EQ(encode_message(m), from_hex(kSetup));
}

TEST(Q931Message, BuildsTheSameSetupFromTypedIesInAnyOrder) {
  Message m = make_message(MessageType::kSetup, {2, 1, false}, variant_traits(SwitchVariant::kEuroIsdnE1));
  ChannelIdentification ch;
  ch.channels = {1};
  m.add(to_called_party_number_ie({TypeOfNumber::kNational, NumberingPlan::kIsdnTelephony, "5552"}));
  m.add(to_ie(ch, LineType::kE1));
  m.add(to_calling_party_number_ie({TypeOfNumber::kNational, NumberingPlan::kIsdnTelephony, true,
                                    Presentation::kAllowed, Screening::kUserProvidedNotScreened, "5551"}));
  m.add(to_ie(speech_bearer(Layer1Protocol::kG711ALaw)));
  m.add(sending_complete_ie());
  EXPECT_EQ(encode_message(m), from_hex(kSetup));
}

TEST(Q931Message, EncodesBothCallReferenceLengthsTheFlagAndTheDummy) {
  Message m;
  m.type = MessageType::kStatusEnquiry;
  m.call_reference = {2, 0x7ABC & 0x7FFF, true};
  EXPECT_EQ(encode_message(m), from_hex("08 02 FA BC 75"));
  m.call_reference = {1, 0x05, true};
  EXPECT_EQ(encode_message(m), from_hex("08 01 85 75"));
  m.type = MessageType::kFacility;
  m.call_reference = {0, 0, false};
  EXPECT_EQ(encode_message(m), from_hex("08 00 62"));

  auto o = received_by_user();
  o.call_reference_length = 1;
  auto d = decode_message(from_hex("08 01 85 75"), o);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.message.call_reference, (CallReference{1, 5, true}));
  auto two = decode("08 02 FA BC 75");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two.message.call_reference, (CallReference{2, 0x7ABC, true}));
}

TEST(Q931Message, RefusesToEncodeWhatTheWireCannotCarry) {
  Message m;
  m.type = MessageType::kService;  // under Q.931's discriminator
  EXPECT_TRUE(encode_message(m).empty());
  m.type = MessageType::kSetup;
  m.call_reference.length = 3;
  EXPECT_TRUE(encode_message(m).empty());
  m.call_reference.length = 2;
  m.ies.push_back({0, ie::kDisplay, Octets(256, 'x')});
  Octets out{0xEE};
  EXPECT_FALSE(encode_message(m, out));
  EXPECT_EQ(out, Octets{0xEE});  // nothing appended
  m.ies = {{0, 0x96, {}}};  // a shift is not an IE
  EXPECT_TRUE(encode_message(m).empty());
  m.ies = {{8, ie::kDisplay, {0x41}}};
  EXPECT_TRUE(encode_message(m).empty());
}

TEST(Q931Message, KeepsType1SingleOctetIesValue) {
  // INFORMATION with congestion level "receiver not ready" (0xBF) and a
  // repeat indicator (0xD2)
  auto d = decode("08 02 00 01 7B BF D2");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.message.ies.size(), 2u);
  EXPECT_EQ(d.message.ies[0], (InformationElement{0, ie::kCongestionLevel, {0x0F}}));
  EXPECT_EQ(d.message.ies[1], (InformationElement{0, ie::kRepeatIndicator, {0x02}}));
  EXPECT_EQ(encode_message(d.message), from_hex("08 02 00 01 7B BF D2"));
}

// ---------------------------------------------------------------- shifts and codesets

TEST(Q931Message, LockingShiftMovesTheRestToItsCodeset) {
  // CONNECT: display in codeset 0, locking shift to 6, display and
  // originating line information in codeset 6
  auto d = decode("08 02 80 01 07 28 01 41 96 01 01 00 28 02 42 43");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.message.ies.size(), 3u);
  EXPECT_EQ(d.message.ies[0], (InformationElement{0, ie::kDisplay, {0x41}}));
  EXPECT_EQ(d.message.ies[1], (InformationElement{6, 0x01, {0x00}}));
  EXPECT_EQ(d.message.ies[2], (InformationElement{6, ie::kDisplay, {0x42, 0x43}}));
  EXPECT_EQ(encode_message(d.message), from_hex("08 02 80 01 07 28 01 41 96 01 01 00 28 02 42 43"));
}

TEST(Q931Message, NonLockingShiftMovesOneIe) {
  // SETUP from the user: BC, non-locking shift to 5, a codeset 5 IE, then
  // the called number back in codeset 0
  auto d = decode("08 02 00 01 05 04 02 88 90 9D 32 01 81 70 02 81 31", received_by_network());
  ASSERT_TRUE(d.ok()) << problem_name(d.problem);
  ASSERT_EQ(d.message.ies.size(), 3u);
  EXPECT_EQ(d.message.ies[1], (InformationElement{5, 0x32, {0x81}}));
  EXPECT_EQ(d.message.ies[2].codeset, 0);
  EXPECT_EQ(d.message.ies[2].id, ie::kCalledPartyNumber);
}

TEST(Q931Message, EncodesALowerCodesetAfterALockingShiftWithANonLockingShift) {
  Message m;
  m.type = MessageType::kInformation;
  m.call_reference = {2, 1, false};
  m.ies = {{6, ie::kDisplay, {0x41}}, {0, ie::kKeypadFacility, {0x31}}, {6, 0x01, {0x00}}};
  const auto octets = encode_message(m);
  EXPECT_EQ(octets, from_hex("08 02 00 01 7B 96 28 01 41 98 2C 01 31 01 01 00"));
  auto d = decode_message(octets, received_by_user());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.message.ies, m.ies);
}

TEST(Q931Message, AttVariantsSkipIesBehindANonLockingShift) {
  const char* info = "08 02 00 01 7B 9E 28 01 41 96 28 01 42";  // non-locking then locking shift to 6
  auto euro = decode(info);
  ASSERT_TRUE(euro.ok());
  EXPECT_EQ(euro.message.ies.size(), 2u);
  auto att = decode(info, received_by_user(SwitchVariant::kAtt4ess));
  ASSERT_TRUE(att.ok());
  ASSERT_EQ(att.message.ies.size(), 1u);
  EXPECT_EQ(att.message.ies[0], (InformationElement{6, ie::kDisplay, {0x42}}));
  EXPECT_EQ(att.warnings.skipped, 1);
}

TEST(Q931Message, ReservedCodesetsAreSkippedAndBadLockingShiftsIgnored) {
  // locking shift to 2 (reserved): its IE is skipped
  auto reserved = decode("08 02 00 01 7B 92 28 01 41");
  ASSERT_TRUE(reserved.ok());
  EXPECT_TRUE(reserved.message.ies.empty());
  EXPECT_EQ(reserved.warnings.skipped, 1);
  // locking shift to 0, and from 6 down to 5: ignored, counted
  auto down = decode("08 02 00 01 7B 90 28 01 41 96 95 28 01 42");
  ASSERT_TRUE(down.ok());
  ASSERT_EQ(down.message.ies.size(), 2u);
  EXPECT_EQ(down.message.ies[0].codeset, 0);
  EXPECT_EQ(down.message.ies[1].codeset, 6);
  EXPECT_EQ(down.warnings.shift_errors, 2);
  // a locking shift right after a non-locking one is the locking shift alone
  auto both = decode("08 02 00 01 7B 9E 95 28 01 41 28 01 42");
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both.message.ies.size(), 2u);
  EXPECT_EQ(both.message.ies[0].codeset, 5);
  EXPECT_EQ(both.message.ies[1].codeset, 5);
}

TEST(Q931Message, ACodesetTheVariantSkipsIsDropped) {
  VariantTraits skipping = variant_traits(SwitchVariant::kEuroIsdnE1);
  skipping.high_codesets[6 - 4] = CodesetPolicy::kSkip;
  auto o = received_by_user();
  o.variant = &skipping;
  auto d = decode("08 02 80 01 07 28 01 41 96 28 02 42 43", o);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.message.ies.size(), 1u);
  EXPECT_EQ(d.warnings.skipped, 1);
}

// ---------------------------------------------------------------- SERVICE

TEST(Q931Message, ServiceTravelsUnderTheVariantsMaintenanceDiscriminator) {
  // NI-2: 0x43, SERVICE = 0x07; change status "out of service", channel 3
  auto ni2 = decode("43 02 80 00 07 01 01 C2 18 03 A9 83 83", received_by_user(SwitchVariant::kNi2));
  ASSERT_TRUE(ni2.ok()) << problem_name(ni2.problem);
  EXPECT_EQ(ni2.message.type, MessageType::kService);
  EXPECT_TRUE(ni2.message.call_reference.is_global());
  EXPECT_EQ(decode_change_status(ni2.message.find(ie::kChangeStatus)->contents)->status, ServiceStatus::kOutOfService);
  // 4ESS: 0x03, SERVICE ACKNOWLEDGE = 0x07
  auto att = decode("03 02 80 00 07 01 01 C0 18 03 A9 83 83", received_by_user(SwitchVariant::kAtt4ess));
  ASSERT_TRUE(att.ok());
  EXPECT_EQ(att.message.type, MessageType::kServiceAcknowledge);
  // a variant without SERVICE ignores both discriminators (§5.8.2)
  expect_answer(decode("43 02 80 00 07 01 01 C2 18 03 A9 83 83"), Problem::kProtocolDiscriminator, Answer::kIgnore,
                std::nullopt);
  expect_answer(decode("43 02 80 00 07 01 01 C2 18 03 A9 83 83", received_by_user(SwitchVariant::kAtt4ess)),
                Problem::kProtocolDiscriminator, Answer::kIgnore, std::nullopt);

  Message m = make_message(MessageType::kService, {2, 7, true}, variant_traits(SwitchVariant::kNi2));
  m.add(to_ie(ChangeStatusIe{true, ServiceStatus::kOutOfService}));
  ChannelIdentification ch;
  ch.channels = {3};
  m.add(to_ie(ch, LineType::kT1));
  EXPECT_EQ(encode_message(m), from_hex("43 02 80 00 07 01 01 C2 18 03 A9 83 83"));
}

// ---------------------------------------------------------------- §5.8.1 - §5.8.4

TEST(Q931Message, IgnoresMessagesTooShortForAMessageType) {
  for (const char* hex : {"", "08", "08 02", "08 02 00 01", "08 00", "08 0F 00 00 00 00"})
    expect_answer(decode(hex), Problem::kTooShort, Answer::kIgnore, std::nullopt);
}

TEST(Q931Message, IgnoresAnotherProtocolDiscriminator) {
  for (const char* hex : {"09 02 00 01 05", "00 02 00 01 05", "4F 02 00 01 05"})
    expect_answer(decode(hex), Problem::kProtocolDiscriminator, Answer::kIgnore, std::nullopt);
}

TEST(Q931Message, IgnoresABadCallReferenceFormat) {
  // octet 2 bits 8-5 not zero; a length of 3; a one-octet reference on PRI
  for (const char* hex : {"08 12 00 01 7B", "08 03 00 00 01 7B", "08 01 01 7B"}) {
    auto d = decode(hex);
    expect_answer(d, Problem::kCallReferenceFormat, Answer::kIgnore, std::nullopt);
    EXPECT_FALSE(d.header_decoded);
  }
}

TEST(Q931Message, IgnoresCallReferencesTheMessageCannotUse) {
  // dummy call reference outside FACILITY
  expect_answer(decode("08 00 7B"), Problem::kDummyCallReferenceNotAllowed, Answer::kIgnore, std::nullopt);
  EXPECT_TRUE(decode("08 00 62 1C 01 91").ok());
  // SETUP with the flag set (§5.8.3.2 d)
  expect_answer(decode("08 02 80 01 05 04 03 80 90 A3 18 03 A9 83 81"), Problem::kSetupCallReferenceFlag,
                Answer::kIgnore, std::nullopt);
  // RESTART on a call's reference
  expect_answer(decode("08 02 00 01 46 79 01 87"), Problem::kGlobalCallReferenceRequired, Answer::kIgnore,
                std::nullopt);
}

TEST(Q931Message, AnswersTheGlobalCallReferenceOutsideItsMessagesWithStatus81) {
  auto d = decode("08 02 00 00 7B");  // INFORMATION on the global call reference
  expect_answer(d, Problem::kGlobalCallReferenceNotAllowed, Answer::kStatus, Cause::kInvalidCallReference);
  EXPECT_TRUE(d.header_decoded);
  EXPECT_TRUE(d.message.call_reference.is_global());
  // STATUS and RESTART may use it
  EXPECT_TRUE(decode("08 02 00 00 7D 08 02 80 9E 14 01 00").ok());
  EXPECT_TRUE(decode("08 02 00 00 46 79 01 87").ok());
}

TEST(Q931Message, AnswersAnUnknownMessageTypeWithStatus97) {
  auto d = decode("08 02 00 05 25 08 02 80 90");  // SUSPEND: not implemented
  expect_answer(d, Problem::kUnknownMessageType, Answer::kStatus, Cause::kMessageTypeNonExistent, {0x25});
  EXPECT_TRUE(d.header_decoded);
  EXPECT_EQ(d.message.call_reference.value, 5);
  EXPECT_EQ(d.message_type_code, 0x25);
  expect_answer(decode("08 02 00 05 85"), Problem::kUnknownMessageType, Answer::kStatus,
                Cause::kMessageTypeNonExistent, {0x85});
}

// ---------------------------------------------------------------- §5.8.6 mandatory IEs

TEST(Q931Message, AnswersASetupWithoutAMandatoryIeWithReleaseComplete96) {
  // no bearer capability
  expect_answer(decode("08 02 00 01 05 18 03 A9 83 81"), Problem::kMandatoryIeMissing, Answer::kReleaseComplete,
                Cause::kMandatoryIeMissing, {ie::kBearerCapability});
  // no channel identification: mandatory from the network only
  const char* no_channel = "08 02 00 01 05 04 03 80 90 A3";
  expect_answer(decode(no_channel), Problem::kMandatoryIeMissing, Answer::kReleaseComplete,
                Cause::kMandatoryIeMissing, {ie::kChannelIdentification});
  EXPECT_TRUE(decode(no_channel, received_by_network()).ok());
  // both, in table order
  expect_answer(decode("08 02 00 01 05"), Problem::kMandatoryIeMissing, Answer::kReleaseComplete,
                Cause::kMandatoryIeMissing, {ie::kBearerCapability, ie::kChannelIdentification});
}

TEST(Q931Message, AnswersOtherMessagesWithoutAMandatoryIeByTheirKind) {
  // DISCONNECT without cause: cleared as with cause 31, the RELEASE carries 96
  expect_answer(decode("08 02 80 01 45"), Problem::kMandatoryIeMissing, Answer::kClearAsNormal,
                Cause::kMandatoryIeMissing, {ie::kCause});
  // STATUS without call state: STATUS 96, no state change
  expect_answer(decode("08 02 80 01 7D 08 02 80 9E"), Problem::kMandatoryIeMissing, Answer::kStatus,
                Cause::kMandatoryIeMissing, {ie::kCallState});
  expect_answer(decode("08 02 80 01 03"), Problem::kMandatoryIeMissing, Answer::kStatus, Cause::kMandatoryIeMissing,
                {ie::kProgressIndicator});
  expect_answer(decode("08 02 80 01 6E"), Problem::kMandatoryIeMissing, Answer::kStatus, Cause::kMandatoryIeMissing,
                {ie::kNotificationIndicator});
  expect_answer(decode("08 02 00 00 46"), Problem::kMandatoryIeMissing, Answer::kStatus, Cause::kMandatoryIeMissing,
                {ie::kRestartIndicator});
}

TEST(Q931Message, ConditionalMandatoryIesApplyWhenTheStateMachineSaysSo) {
  // ALERTING without channel identification: fine, unless first answer to SETUP
  const char* alerting = "08 02 80 01 01";
  EXPECT_TRUE(decode(alerting).ok());
  auto first = received_by_user();
  first.first_response_to_setup = true;
  expect_answer(decode(alerting, first), Problem::kMandatoryIeMissing, Answer::kStatus, Cause::kMandatoryIeMissing,
                {ie::kChannelIdentification});
  // RELEASE without cause: fine, unless the first clearing message
  const char* release = "08 02 80 01 4D";
  EXPECT_TRUE(decode(release).ok());
  auto clearing = received_by_user();
  clearing.first_clearing_message = true;
  expect_answer(decode(release, clearing), Problem::kMandatoryIeMissing, Answer::kClearAsNormal,
                Cause::kMandatoryIeMissing, {ie::kCause});
  // RESTART of indicated channels needs the channels; of an interface not
  expect_answer(decode("08 02 00 00 46 79 01 80"), Problem::kMandatoryIeMissing, Answer::kStatus,
                Cause::kMandatoryIeMissing, {ie::kChannelIdentification});
  EXPECT_TRUE(decode("08 02 00 00 46 18 03 A9 83 81 79 01 80").ok());
  EXPECT_TRUE(decode("08 02 00 00 46 79 01 86").ok());
}

TEST(Q931Message, AnswersAMandatoryIeWithAContentErrorWithCause100) {
  // SETUP whose bearer capability lacks octet 4
  auto d = decode("08 02 00 01 05 04 01 80 18 03 A9 83 81");
  expect_answer(d, Problem::kMandatoryIeContentError, Answer::kReleaseComplete, Cause::kInvalidIeContents,
                {ie::kBearerCapability});
  EXPECT_EQ(d.warnings.first_content_error, "bearer capability octet 4 is missing");
  // DISCONNECT with a reserved cause location
  expect_answer(decode("08 02 80 01 45 08 02 86 90"), Problem::kMandatoryIeContentError, Answer::kClearAsNormal,
                Cause::kInvalidIeContents, {ie::kCause});
  // a progress indicator longer than Q.931 allows
  expect_answer(decode("08 02 80 01 03 1E 03 81 88 88"), Problem::kMandatoryIeContentError, Answer::kStatus,
                Cause::kInvalidIeContents, {ie::kProgressIndicator});
  // the cause runs past the end of the message
  expect_answer(decode("08 02 80 01 45 08 05 80 90"), Problem::kMandatoryIeContentError, Answer::kClearAsNormal,
                Cause::kInvalidIeContents, {ie::kCause});
  // a channel the line does not have (T1 channel 25)
  expect_answer(decode("08 02 00 01 05 04 03 80 90 A2 18 03 A9 83 99", received_by_user(SwitchVariant::kNi2)),
                Problem::kMandatoryIeContentError, Answer::kReleaseComplete, Cause::kInvalidIeContents,
                {ie::kChannelIdentification});
}

TEST(Q931Message, AMandatoryIeMissingOutranksAContentError) {
  expect_answer(decode("08 02 00 01 05 04 01 80"), Problem::kMandatoryIeMissing, Answer::kReleaseComplete,
                Cause::kMandatoryIeMissing, {ie::kChannelIdentification});
}

// ---------------------------------------------------------------- §5.8.7 unrecognised IEs

TEST(Q931Message, AnswersAnUnrecognisedComprehensionRequiredIeLikeAMissingOneWithCause99) {
  std::string setup = kSetup;
  // IE 0x02 (0000 0010: comprehension required), unknown to Q.931
  auto d = decode(("08 02 00 01 05 02 01 00" + setup.substr(14)).c_str());
  expect_answer(d, Problem::kComprehensionRequiredIe, Answer::kReleaseComplete, Cause::kIeNonExistent, {0x02});
  expect_answer(decode("08 02 80 01 7B 0B 01 00"), Problem::kComprehensionRequiredIe, Answer::kStatus,
                Cause::kIeNonExistent, {0x0B});
  // Change status (0x01) is comprehension required, and known only with SERVICE
  expect_answer(decode("08 02 80 01 7B 01 01 C0"), Problem::kComprehensionRequiredIe, Answer::kStatus,
                Cause::kIeNonExistent, {ie::kChangeStatus});
  EXPECT_TRUE(decode("08 02 80 01 7B 01 01 C0", received_by_user(SwitchVariant::kNi2)).ok());
}

TEST(Q931Message, ActsOnAMessageWithUnrecognisedIesAndSaysWhichForTheStatus) {
  // CONNECT with closed user group (0x47), which sipnic does not implement
  auto d = decode("08 02 80 01 07 18 03 A9 83 81 47 02 80 31");
  ASSERT_TRUE(d.ok());
  expect_answer(d, Problem::kNone, Answer::kProcessThenStatus, Cause::kIeNonExistent, {0x47});
  EXPECT_EQ(d.message.ies.size(), 1u);  // the unknown IE is left out
  EXPECT_EQ(d.warnings.unrecognised, Octets{0x47});
  // in DISCONNECT and RELEASE the clearing answer carries 99; RELEASE COMPLETE gets none
  expect_answer(decode("08 02 80 01 45 08 02 80 90 47 01 00"), Problem::kNone, Answer::kProcessClearWithCause,
                Cause::kIeNonExistent, {0x47});
  expect_answer(decode("08 02 80 01 4D 47 01 00"), Problem::kNone, Answer::kProcessClearWithCause,
                Cause::kIeNonExistent, {0x47});
  auto rc = decode("08 02 80 01 5A 47 01 00");
  expect_answer(rc, Problem::kNone, Answer::kProcess, std::nullopt);
  EXPECT_EQ(rc.warnings.unrecognised, Octets{0x47});
}

TEST(Q931Message, IgnoresANonMandatoryIeWithAContentErrorAndSaysWhichForTheStatus) {
  // SETUP with a called party number of a reserved numbering plan
  std::string setup = kSetup;
  auto d = decode((setup.substr(0, setup.find(" 70 05")) + " 70 02 A2 35").c_str());
  ASSERT_TRUE(d.ok()) << problem_name(d.problem);
  expect_answer(d, Problem::kNone, Answer::kProcessThenStatus, Cause::kInvalidIeContents, {ie::kCalledPartyNumber});
  EXPECT_FALSE(d.message.find(ie::kCalledPartyNumber));
  EXPECT_EQ(d.warnings.first_content_error, "numbering plan is reserved");
  // user-user longer than 131 octets is access information discarded (43)
  std::string uui = "08 02 80 01 07 7E 82 04";
  for (int i = 0; i < 129; ++i) uui += " 41";
  expect_answer(decode(uui.c_str()), Problem::kNone, Answer::kProcessThenStatus, Cause::kAccessInformationDiscarded,
                {ie::kUserUser});
  // a RELEASE is acted on without a STATUS
  auto release = decode("08 02 80 01 4D 28 51 41");  // display runs past the end
  expect_answer(release, Problem::kNone, Answer::kProcess, std::nullopt);
  EXPECT_EQ(release.warnings.content_errors, Octets{ie::kDisplay});
}

// ---------------------------------------------------------------- §5.8.5 sequence and repetition

TEST(Q931Message, KeepsIesOutOfSequenceAndListsThem) {
  // SETUP with the called number before the bearer capability
  auto d = decode("08 02 00 01 05 70 02 81 31 04 03 80 90 A3 18 03 A9 83 81");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.answer, Answer::kProcess);
  EXPECT_EQ(d.message.ies.size(), 3u);
  EXPECT_EQ(d.warnings.out_of_sequence, (Octets{ie::kBearerCapability, ie::kChannelIdentification}));
}

TEST(Q931Message, IgnoresRepetitionsBeyondWhatAnIeAllows) {
  // two displays (one allowed), three progress indicators (two allowed)
  auto d = decode("08 02 80 01 03 1E 02 81 88 1E 02 82 81 1E 02 80 82 28 01 41 28 01 42");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.message.count(ie::kProgressIndicator), 2u);
  EXPECT_EQ(d.message.count(ie::kDisplay), 1u);
  EXPECT_EQ(decode_display(d.message.find(ie::kDisplay)->contents)->text, "A");
  EXPECT_EQ(d.warnings.repeated, (Octets{ie::kProgressIndicator, ie::kDisplay}));
  // more occurrences than a counter of one octet holds
  Octets many = from_hex("08 02 00 01 7B");
  many.insert(many.end(), 300, ie::kSendingComplete);
  auto flood = decode_message(many, received_by_user());
  ASSERT_TRUE(flood.ok());
  EXPECT_EQ(flood.message.count(ie::kSendingComplete), 1u);
  EXPECT_EQ(flood.warnings.repeated.size(), 299u);
}

// ---------------------------------------------------------------- robustness

TEST(Q931Message, EveryTruncationOfASetupDecodesWithinItsBounds) {
  const Octets whole = from_hex(kSetup);
  for (std::size_t n = 0; n < whole.size(); ++n) {
    // a copy of exactly n octets, so that ASan sees any read past it
    const Octets prefix(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
    auto d = decode_message(prefix, received_by_user());
    EXPECT_FALSE(d.ok() && d.answer == Answer::kProcess && d.message.ies.size() == 5) << n;
  }
}

TEST(Q931Message, RandomOctetsNeverCrashAndReencodeToWhatTheyDecodeTo) {
  std::mt19937 rng(931);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 64);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    Octets m(static_cast<std::size_t>(length(rng)));
    for (auto& b : m) b = static_cast<std::uint8_t>(byte(rng));
    if (m.size() >= 5 && i % 2) {  // half of them with a plausible header
      m[0] = 0x08;
      m[1] = 0x02;
    }
    auto d = decode_message(m, received_by_user());
    if (!d.ok()) continue;
    ++accepted;
    auto again = decode_message(encode_message(d.message), received_by_user());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.message, d.message);
  }
  EXPECT_GT(accepted, 0);
}

// The fuzz target's seeds (tests/fuzz/corpus/q931) are messages the
// decoder accepts as they are, under a variant that speaks them.
TEST(Q931Message, TheFuzzSeedsAreMessagesTheDecoderAccepts) {
  const std::filesystem::path dir = std::filesystem::path(SIPNIC_SOURCE_DIR) / "tests/fuzz/corpus/q931";
  int seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const Octets octets((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bool accepted = false;
    for (const auto& v : all_variants())
      for (auto o : {received_by_user(v.variant), received_by_network(v.variant)}) {
        const auto d = decode_message(octets, o);
        accepted = accepted || (d.ok() && d.answer == Answer::kProcess);
      }
    EXPECT_TRUE(accepted) << entry.path().filename();
    ++seeds;
  }
  EXPECT_GE(seeds, 10);
}

}  // namespace
}  // namespace sipnic::pri::q931
