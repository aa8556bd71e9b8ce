// Bearer capability (pri/q931_ie_bearer.h): octets written by hand from
// Q.931 §4.5.5's layout, both ways, and the content errors decoding
// refuses.
#include "pri/q931_ie_bearer.h"

#include <gtest/gtest.h>

#include "support/q931_ie_tables.h"

namespace sipnic::pri::q931 {
namespace {

using test::expect_both_ways;
using test::expect_refused;

BearerCapability with(BearerCapability b, auto&& change) {
  change(b);
  return b;
}

TEST(Q931BearerCapability, DecodesAndEncodesTheBearersOfAVoiceGateway) {
  expect_both_ways<BearerCapability>(
      {
          // speech, circuit mode 64 kbit/s, layer 1 G.711 A-law / mu-law
          {"80 90 A3", speech_bearer(Layer1Protocol::kG711ALaw)},
          {"80 90 A2", speech_bearer(Layer1Protocol::kG711MuLaw)},
          // 3.1 kHz audio (modems, fax)
          {"90 90 A3", audio_3k1_bearer(Layer1Protocol::kG711ALaw)},
          {"90 90 A2", audio_3k1_bearer(Layer1Protocol::kG711MuLaw)},
          // 64 kbit/s unrestricted digital information: no layer 1 octet
          {"88 90", unrestricted_digital_bearer()},
      },
      ie::kBearerCapability, decode_bearer_capability, [](const auto& b) { return to_ie(b); });
}

TEST(Q931BearerCapability, DecodesAndEncodesTheOptionalOctetGroups) {
  const auto digital = unrestricted_digital_bearer();
  expect_both_ways<BearerCapability>(
      {
          // multirate with rate multiplier 6 (octet 4.1)
          {"88 98 86", with(digital, [](auto& b) { b.rate = TransferRate::kMultirate; b.rate_multiplier = 6; })},
          // V.110 rate adaption with octet 5a
          {"88 90 21 8F", with(digital, [](auto& b) {
             b.layer1 = Layer1Protocol::kV110;
             b.layer1_extension = {0x8F};
           })},
          // layer 2 Q.921 (octet 6)
          {"88 90 C2", with(digital, [](auto& b) { b.layer2 = 0x02; })},
          // packet mode, X.25 packet layer (octet 7)
          {"88 C0 E6", with(digital, [](auto& b) {
             b.mode = TransferMode::kPacket;
             b.rate = TransferRate::kPacketMode;
             b.layer3 = 0x06;
           })},
          // layer 3 with octets 7a and 7b (ISO/IEC TR 9577)
          {"88 90 6B 06 8C", with(digital, [](auto& b) { b.layer3 = 0x0B; b.layer3_extension = {0x06, 0x8C}; })},
          // QSIG's placeholder for call-independent signalling (ISO coded): kept raw
          {"A8 80", BearerCapability{CodingStandard::kIsoIec, TransferCapability::kUnrestrictedDigital,
                                     TransferMode::kCircuit, TransferRate::k64kbit, {}, {}, {}, {}, {}, {}, {0x80}}},
      },
      ie::kBearerCapability, decode_bearer_capability, [](const auto& b) { return to_ie(b); });
}

TEST(Q931BearerCapability, RefusesContentErrors) {
  expect_refused({{"", "no octet 3"},
                  {"00 90", "octet 3 does not end"},
                  {"82 90", "transfer capability is reserved"},
                  {"80", "octet 4 is missing"},
                  {"80 10", "octet 4 does not end"},
                  {"80 B0", "transfer mode is reserved"},
                  {"80 94", "transfer rate is reserved"},
                  {"80 80", "does not match the transfer mode"},
                  {"80 D0", "does not match the transfer mode"},
                  {"88 98", "rate multiplier (octet 4.1) is missing"},
                  {"88 98 06", "rate multiplier does not end"},
                  {"80 90 13", "no layer identifier"},
                  {"80 90 C2 A3", "out of order"},
                  {"80 90 A3 A3", "out of order"},
                  {"80 90 AA", "layer 1 protocol is reserved"},
                  {"88 90 21", "5a-5d do not end"},
                  {"88 90 21 0F 0F 0F 0F", "5a-5d do not end"},
                  {"88 90 42", "octet 6 does not end"},
                  {"88 90 66", "7a-7b do not end"},
                  {"88 90 6B 06 0C 8C", "7a-7b do not end"}},
                 decode_bearer_capability);
}

}  // namespace
}  // namespace sipnic::pri::q931
