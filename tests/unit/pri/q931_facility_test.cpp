// Tests for host/pri/q931_facility.cpp: the calling name in a Facility IE
// (a ROSE Invoke of ECMA-164 callingName) in its QSIG and NI-2 forms.
#include "pri/q931_facility.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sipnic::pri::q931 {
namespace {

using Octets = std::vector<std::uint8_t>;

// "Alice" in ASCII / ISO 8859-1.
#define ALICE 0x41, 0x6C, 0x69, 0x63, 0x65

CallingName allowed(std::string text) { return CallingName{NamePresentation::kAllowed, std::move(text)}; }

// Known encodings, written out by hand octet by octet. Where a string says
// "libpri", it is what libpri 1.6.0 sends for that call (its
// facility_encode_header, fac_enc_extension_header, rose_encode_invoke and
// rose_enc_qsig_Name, read to learn the layout), re-derived here from the
// standards named: Q.932 §8.2.3 octet 3, ECMA-165 §7 header, X.229 Invoke,
// ECMA-164 Name, X.690 BER.
struct Known {
  const char* what;
  Octets octets;
  std::optional<CallingName> name;  // nullopt: no calling name in it
};

const std::vector<Known>& known() {
  static const std::vector<Known> table = {
      // libpri, switch QSIG, SETUP of a call from "Alice" (invoke ID 1):
      // 0x9F networking extensions; NFE [10] { sourceEntity [0] endPINX,
      // destinationEntity [2] endPINX }; interpretation [11] discard; Invoke
      // [1] { invokeId 1, opcode localValue 0, namePresentationAllowedSimple }.
      {"qsig allowed (libpri)",
       {0x9F, 0xAA, 0x06, 0x80, 0x01, 0x00, 0x82, 0x01, 0x00, 0x8B, 0x01, 0x00,
        0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE},
       allowed("Alice")},
      // libpri, switch NI-2, the CPE's SETUP from "Alice": the same
      // component after the interpretation APDU alone (no NFE).
      {"ni2 allowed (libpri)",
       {0x9F, 0x8B, 0x01, 0x00, 0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE},
       allowed("Alice")},
      // libpri NI-2 with the caller restricted: namePresentationRestrictedSimple [2].
      {"ni2 restricted (libpri)",
       {0x9F, 0x8B, 0x01, 0x00, 0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x82, 0x05, ALICE},
       CallingName{NamePresentation::kRestricted, "Alice"}},
      // libpri's name_not_available: nameNotAvailable [4] IMPLICIT NULL.
      {"ni2 not available (libpri)",
       {0x9F, 0x8B, 0x01, 0x00, 0xA1, 0x08, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x84, 0x00},
       CallingName{NamePresentation::kNotAvailable, ""}},
      // libpri's presentation_restricted_null: namePresentationRestrictedNull [7].
      {"qsig restricted null (libpri)",
       {0x9F, 0xAA, 0x06, 0x80, 0x01, 0x00, 0x82, 0x01, 0x00, 0x8B, 0x01, 0x00,
        0xA1, 0x08, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x87, 0x00},
       CallingName{NamePresentation::kRestrictedNull, ""}},
      // ECMA-164 namePresentationAllowedExtended [1] NameSet { nameData,
      // characterSet iso8859-2 (3) }.
      {"ni2 extended, iso8859-2",
       {0x9F, 0x8B, 0x01, 0x00, 0xA1, 0x12, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00,
        0xA1, 0x0A, 0x04, 0x05, ALICE, 0x02, 0x01, 0x03},
       CallingName{NamePresentation::kAllowed, "Alice", 3}},
      // namePresentationRestrictedExtended [3] without characterSet: ISO 8859-1.
      {"restricted extended, no character set",
       {0x91, 0xA1, 0x0F, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0xA3, 0x07, 0x04, 0x05, ALICE},
       CallingName{NamePresentation::kRestricted, "Alice"}},
      // Q.932 remote operations profile 0x91, no header (ETSI style).
      {"rose profile, no header",
       {0x91, 0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE},
       allowed("Alice")},
      // ECMA-164 2nd edition: opcode as the global value 1.3.12.9.0 (06 04 2B 0C 09 00).
      {"global value opcode",
       {0x91, 0xA1, 0x10, 0x02, 0x01, 0x01, 0x06, 0x04, 0x2B, 0x0C, 0x09, 0x00, 0x80, 0x05, ALICE},
       allowed("Alice")},
      // ECMA-164 argument SEQUENCE { name Name, extension OPTIONAL }.
      {"argument as a sequence",
       {0x9F, 0x8B, 0x01, 0x00, 0xA1, 0x0F, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x30, 0x07, 0x80, 0x05, ALICE},
       allowed("Alice")},
      // X.229 Invoke with a linkedId [0] before the opcode.
      {"with a linked id",
       {0x9F, 0x8B, 0x01, 0x00, 0xA1, 0x10, 0x02, 0x01, 0x01, 0x80, 0x01, 0x05, 0x02, 0x01, 0x00, 0x80, 0x05,
        ALICE},
       allowed("Alice")},
      // The header's elements in the other order, and a networkProtocolProfile [18].
      {"header in another order",
       {0x9F, 0x8B, 0x01, 0x00, 0x92, 0x01, 0x13, 0xAA, 0x06, 0x80, 0x01, 0x00, 0x82, 0x01, 0x00,
        0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE},
       allowed("Alice")},
      // BER long-form lengths (X.690 §8.1.3.5): 81 nn and 82 00 nn, also
      // for the invoke ID, the component and the name.
      {"long-form lengths",
       {0x9F, 0x8B, 0x81, 0x01, 0x00, 0xA1, 0x81, 0x0F, 0x02, 0x81, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x81,
        0x05, ALICE},
       allowed("Alice")},
      {"two- and four-octet long-form lengths",
       {0x9F, 0xA1, 0x82, 0x00, 0x11, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x84, 0x00, 0x00, 0x00, 0x05,
        ALICE},
       allowed("Alice")},
      // libpri, switch NI-2, the network's SETUP: InformationFollowing
      // (opcode 1.2.840.10005.0.4: 06 07 2A 86 48 CE 15 00 04, argument
      // ENUMERATED 0); no name in it.
      {"ni2 information following (libpri)",
       {0x9F, 0x8B, 0x01, 0x00, 0xA1, 0x0F, 0x02, 0x01, 0x01, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x15, 0x00,
        0x04, 0x0A, 0x01, 0x00},
       std::nullopt},
      // The same InformationFollowing, then a callingName in the same IE.
      {"information following, then the name",
       {0x9F, 0x8B, 0x01, 0x00, 0xA1, 0x0F, 0x02, 0x01, 0x01, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x15, 0x00,
        0x04, 0x0A, 0x01, 0x00, 0xA1, 0x0D, 0x02, 0x01, 0x02, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE},
       allowed("Alice")},
      // A ReturnResult [2] { invokeId 7 } first: skipped.
      {"return result, then the name",
       {0x91, 0xA2, 0x03, 0x02, 0x01, 0x07, 0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE},
       allowed("Alice")},
      // calledName (localValue 1) is not the calling name.
      {"called name",
       {0x9F, 0x8B, 0x01, 0x00, 0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x80, 0x05, ALICE},
       std::nullopt},
      // DMS-100: octet 3 without the ext bit, then the service indicator
      // octet (libpri's RLT one, 0x3E), then the component.
      {"dms-100 service octet",
       {0x11, 0xBE, 0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE},
       allowed("Alice")},
  };
  return table;
}

TEST(Q931Facility, KnownEncodingsDecodeToTheirNames) {
  for (const auto& k : known()) {
    EXPECT_EQ(decode_calling_name_facility(k.octets), k.name) << k.what;
  }
}

TEST(Q931Facility, TheEncoderSendsWhatLibpriSendsForEachForm) {
  EXPECT_EQ(encode_calling_name_facility(allowed("Alice"), FacilityForm::kQsig, 1), known()[0].octets);
  EXPECT_EQ(encode_calling_name_facility(allowed("Alice"), FacilityForm::kNi2, 1), known()[1].octets);
  EXPECT_EQ(encode_calling_name_facility({NamePresentation::kRestricted, "Alice"}, FacilityForm::kNi2, 1),
            known()[2].octets);
  EXPECT_EQ(encode_calling_name_facility({NamePresentation::kNotAvailable, ""}, FacilityForm::kNi2, 1),
            known()[3].octets);
  EXPECT_EQ(encode_calling_name_facility({NamePresentation::kRestrictedNull, ""}, FacilityForm::kQsig, 1),
            known()[4].octets);
  EXPECT_EQ(encode_calling_name_facility({NamePresentation::kAllowed, "Alice", 3}, FacilityForm::kNi2, 1),
            known()[5].octets);
}

TEST(Q931Facility, TheFormFollowsTheVariant) {
  EXPECT_EQ(facility_form(SwitchVariant::kQsig), FacilityForm::kQsig);
  EXPECT_EQ(facility_form(SwitchVariant::kNi2), FacilityForm::kNi2);
}

TEST(Q931Facility, InvokeIdsAreShortestPositiveIntegers) {
  // 127: 02 01 7F; 128: 02 02 00 80 (a leading zero keeps it positive);
  // 32767: 02 02 7F FF; 32768 is taken modulo 32768: 0.
  auto invoke_id_octets = [](std::uint16_t id) {
    const Octets o = encode_calling_name_facility(allowed("A"), FacilityForm::kNi2, id);
    // 9F 8B 01 00 A1 len 02 n ...
    return Octets(o.begin() + 6, o.begin() + 8 + o[7]);
  };
  EXPECT_EQ(invoke_id_octets(0), (Octets{0x02, 0x01, 0x00}));
  EXPECT_EQ(invoke_id_octets(127), (Octets{0x02, 0x01, 0x7F}));
  EXPECT_EQ(invoke_id_octets(128), (Octets{0x02, 0x02, 0x00, 0x80}));
  EXPECT_EQ(invoke_id_octets(32767), (Octets{0x02, 0x02, 0x7F, 0xFF}));
  EXPECT_EQ(invoke_id_octets(32768), (Octets{0x02, 0x01, 0x00}));
}

TEST(Q931Facility, NamesRoundTripInBothFormsWithEveryPresentation) {
  const std::string fifty(50, 'x');
  for (auto form : {FacilityForm::kQsig, FacilityForm::kNi2}) {
    for (const CallingName& n : {allowed("A"), allowed("Alice Example L"), allowed(fifty),
                                 CallingName{NamePresentation::kRestricted, "Bob"},
                                 CallingName{NamePresentation::kRestricted, fifty, 4},
                                 CallingName{NamePresentation::kAllowed, "\xC5sa \xD8stberg", 1},
                                 CallingName{NamePresentation::kAllowed, "Zo\xEB", 0},
                                 CallingName{NamePresentation::kRestrictedNull, ""},
                                 CallingName{NamePresentation::kNotAvailable, ""}}) {
      for (std::uint16_t id : {0, 1, 300, 32767}) {
        const auto back = decode_calling_name_facility(encode_calling_name_facility(n, form, id));
        EXPECT_EQ(back, n) << n.name << " form " << int(form) << " id " << id;
      }
    }
  }
}

TEST(Q931Facility, TheIeIsAFacilityIeOfCodesetZero) {
  const InformationElement e = to_calling_name_facility_ie(allowed("Alice"), FacilityForm::kQsig, 1);
  EXPECT_EQ(e.codeset, 0);
  EXPECT_EQ(e.id, ie::kFacility);
  EXPECT_EQ(e.contents, known()[0].octets);
  EXPECT_TRUE(decode_facility(e.contents).ok());
}

TEST(Q931Facility, LongNamesAreCutToFiftyOctetsAndEmptyOnesAreNotAvailable) {
  const auto cut = decode_calling_name_facility(
      encode_calling_name_facility(allowed(std::string(60, 'y')), FacilityForm::kQsig, 1));
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->name, std::string(50, 'y'));
  EXPECT_EQ(decode_calling_name_facility(encode_calling_name_facility(allowed(""), FacilityForm::kNi2, 1)),
            (CallingName{NamePresentation::kNotAvailable, ""}));
  EXPECT_EQ(decode_calling_name_facility(
                encode_calling_name_facility({NamePresentation::kRestricted, ""}, FacilityForm::kNi2, 1)),
            (CallingName{NamePresentation::kRestrictedNull, ""}));
  // A name given with a null presentation is not sent.
  EXPECT_EQ(decode_calling_name_facility(
                encode_calling_name_facility({NamePresentation::kNotAvailable, "Alice"}, FacilityForm::kNi2, 1)),
            (CallingName{NamePresentation::kNotAvailable, ""}));
}

// Long-form lengths in the encoder: a name of more than 127 octets would
// need them, but NameData stops at 50; the length octets are read back in
// both forms (the table above) and a 200-octet component decodes.
TEST(Q931Facility, AComponentOfMoreThan127OctetsIsDelimitedByItsLongFormLength) {
  // A ReturnResult [2] of 200 octets (81 C8: invokeId 02 01 07, then an
  // OCTET STRING 04 81 C2 of 194 octets), then the name.
  Octets o{0x91, 0xA2, 0x81, 0xC8, 0x02, 0x01, 0x07, 0x04, 0x81, 0xC2};
  o.resize(o.size() + 0xC2, 0x55);
  ASSERT_EQ(o.size(), 4u + 0xC8);
  const Octets name{0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE};
  o.insert(o.end(), name.begin(), name.end());
  EXPECT_EQ(decode_calling_name_facility(o), allowed("Alice"));
  o[3] = 0xFF;  // longer than the IE: nothing after it can be delimited
  EXPECT_EQ(decode_calling_name_facility(o), std::nullopt);
}

TEST(Q931Facility, EveryTruncationOfAValidEncodingIsRejected) {
  for (const auto& k : known()) {
    if (!k.name) continue;
    for (std::size_t n = 0; n < k.octets.size(); ++n) {
      const std::span<const std::uint8_t> cut(k.octets.data(), n);
      EXPECT_EQ(decode_calling_name_facility(cut), std::nullopt) << k.what << " cut to " << n;
    }
  }
}

struct Malformed {
  const char* what;
  Octets octets;
};

TEST(Q931Facility, MalformedInputsGiveNoName) {
  const std::string fifty_one(51, 'z');
  Octets too_long{0x9F, 0xA1, 0x3B, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x33};
  too_long.insert(too_long.end(), fifty_one.begin(), fifty_one.end());
  const Malformed cases[] = {
      {"empty", {}},
      {"profile only", {0x9F}},
      {"CMIP profile 0x92", {0x92, 0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE}},
      {"dms-100 octet 3 alone", {0x11}},
      {"indefinite length", {0x9F, 0xA1, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE, 0x00, 0x00}},
      {"five length octets", {0x9F, 0xA1, 0x85, 0x00, 0x00, 0x00, 0x00, 0x0D, 0x02, 0x01, 0x01}},
      {"length of 4 GiB", {0x9F, 0xA1, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x01, 0x01}},
      {"multi-octet tag", {0x9F, 0xBF, 0x81, 0x01, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE}},
      {"component longer than the IE", {0x9F, 0xA1, 0x0E, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE}},
      {"name longer than its component", {0x9F, 0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x06, ALICE}},
      {"empty name", {0x9F, 0xA1, 0x08, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x00}},
      {"51-octet name", too_long},
      {"constructed NameData", {0x9F, 0xA1, 0x0F, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0xA0, 0x07, 0x04, 0x05, ALICE}},
      {"extended form primitive", {0x9F, 0xA1, 0x0F, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x81, 0x07, 0x04, 0x05, ALICE}},
      {"NameSet without nameData", {0x9F, 0xA1, 0x0B, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0xA1, 0x03, 0x02, 0x01, 0x01}},
      {"character set 256",
       {0x9F, 0xA1, 0x13, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0xA1, 0x0B, 0x04, 0x05, ALICE, 0x02, 0x02, 0x01, 0x00}},
      {"NULL with contents", {0x9F, 0xA1, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x84, 0x01, 0x00}},
      {"unknown Name alternative [5]", {0x9F, 0xA1, 0x0D, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x85, 0x05, ALICE}},
      {"no argument", {0x9F, 0xA1, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00}},
      {"empty argument sequence", {0x9F, 0xA1, 0x08, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x30, 0x00}},
      {"five-octet invoke id",
       {0x9F, 0xA1, 0x11, 0x02, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE}},
      {"empty invoke id", {0x9F, 0xA1, 0x0C, 0x02, 0x00, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE}},
      {"no invoke id", {0x9F, 0xA1, 0x0A, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE}},
      {"opcode 256 (02 02 01 00)", {0x9F, 0xA1, 0x0E, 0x02, 0x01, 0x01, 0x02, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE}},
      {"other global value",
       {0x91, 0xA1, 0x10, 0x02, 0x01, 0x01, 0x06, 0x04, 0x2B, 0x0C, 0x09, 0x01, 0x80, 0x05, ALICE}},
      {"header only", {0x9F, 0xAA, 0x06, 0x80, 0x01, 0x00, 0x82, 0x01, 0x00, 0x8B, 0x01, 0x00}},
      {"a bare name, no component", {0x9F, 0x80, 0x05, ALICE}},
  };
  for (const auto& c : cases) EXPECT_EQ(decode_calling_name_facility(c.octets), std::nullopt) << c.what;
}

TEST(Q931Facility, AMalformedCallingNameIsSkippedForAWellFormedOneAfterIt) {
  // An empty name first, then "Alice".
  const Octets o{0x9F, 0xA1, 0x08, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x80, 0x00,
                 0xA1, 0x0D, 0x02, 0x01, 0x02, 0x02, 0x01, 0x00, 0x80, 0x05, ALICE};
  EXPECT_EQ(decode_calling_name_facility(o), allowed("Alice"));
}

// Any octets: no crash, no read outside the input (ASan in make test), and
// what decodes is a name ECMA-164 allows.
TEST(Q931Facility, ArbitraryOctetsAndEveryMutationOfAValidEncodingAreSafe) {
  auto check = [](std::span<const std::uint8_t> in) {
    const auto n = decode_calling_name_facility(in);
    if (!n) return;
    const bool with_text = n->presentation == NamePresentation::kAllowed ||
                           n->presentation == NamePresentation::kRestricted;
    EXPECT_EQ(with_text, !n->name.empty());
    EXPECT_LE(n->name.size(), kMaxNameOctets);
  };
  std::size_t decoded = 0;
  for (const auto& k : known()) {
    Octets o = k.octets;
    for (std::size_t i = 0; i < o.size(); ++i) {
      const std::uint8_t saved = o[i];
      for (int v = 0; v < 256; ++v) {
        o[i] = static_cast<std::uint8_t>(v);
        check(o);
        decoded += decode_calling_name_facility(o).has_value();
      }
      o[i] = saved;
    }
  }
  EXPECT_GT(decoded, 0u);  // the mutations that leave a name are read as one
  std::mt19937 rng(1367);
  std::uniform_int_distribution<int> octet(0, 255), length(0, 300);
  for (int i = 0; i < 20000; ++i) {
    Octets o(static_cast<std::size_t>(length(rng)));
    for (auto& x : o) x = static_cast<std::uint8_t>(octet(rng));
    if (!o.empty()) o[0] = i % 2 ? 0x9F : 0x91;
    if (o.size() > 1 && i % 3 == 0) o[1] = 0xA1;
    check(o);
  }
}

}  // namespace
}  // namespace sipnic::pri::q931
