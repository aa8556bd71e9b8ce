// Bearer capability (Q.931 §4.5.5).
//
//   octet 3    ext=1 | coding standard | information transfer capability (5 bits)
//   octet 4    ext=1 | transfer mode (2 bits) | information transfer rate (5 bits)
//   octet 4.1  ext=1 | rate multiplier            (only for the multirate rate)
//   octet 5    ext | 01 | user information layer 1 protocol, then 5a-5d while ext is 0
//   octet 6    ext=1 | 10 | user information layer 2 protocol
//   octet 7    ext | 11 | user information layer 3 protocol, then 7a-7b while ext is 0
//
// Octets 5, 6 and 7 are each optional and told apart by their layer bits
// (7-6), in that order. Octets 5a-5d and 7a-7b are kept raw. A bearer
// capability not coded by ITU-T (QSIG's 0xA8 0x80 placeholder for
// call-independent signalling, national codings) keeps everything after
// octet 3 raw in `other_octets` and is not checked further.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pri/q931_ie.h"

namespace sipnic::pri::q931 {

enum class TransferCapability : std::uint8_t {
  kSpeech = 0x00,
  kUnrestrictedDigital = 0x08,
  kRestrictedDigital = 0x09,
  kAudio3k1Hz = 0x10,
  kUnrestrictedDigitalWithTones = 0x11,
  kVideo = 0x18,
};

enum class TransferMode : std::uint8_t { kCircuit = 0x0, kPacket = 0x2 };

enum class TransferRate : std::uint8_t {
  kPacketMode = 0x00,
  k64kbit = 0x10,
  k2x64kbit = 0x11,
  k384kbit = 0x13,
  k1536kbit = 0x15,
  k1920kbit = 0x17,
  kMultirate = 0x18,
};

enum class Layer1Protocol : std::uint8_t {
  kV110 = 0x01,
  kG711MuLaw = 0x02,
  kG711ALaw = 0x03,
  kG721 = 0x04,
  kH221 = 0x05,
  kH223 = 0x06,
  kNonItuRateAdaption = 0x07,
  kV120 = 0x08,
  kX31 = 0x09,
};

struct BearerCapability {
  CodingStandard coding = CodingStandard::kItuT;
  TransferCapability capability = TransferCapability::kSpeech;
  TransferMode mode = TransferMode::kCircuit;
  TransferRate rate = TransferRate::k64kbit;
  std::optional<std::uint8_t> rate_multiplier;  // octet 4.1, multirate only
  std::optional<Layer1Protocol> layer1;
  std::vector<std::uint8_t> layer1_extension;  // octets 5a-5d as received
  std::optional<std::uint8_t> layer2;          // 5-bit protocol code
  std::optional<std::uint8_t> layer3;          // 5-bit protocol code
  std::vector<std::uint8_t> layer3_extension;  // octets 7a-7b as received
  std::vector<std::uint8_t> other_octets;      // after octet 3, when not ITU-T coded
  bool operator==(const BearerCapability&) const = default;
};

// The three bearers of a voice gateway.
BearerCapability speech_bearer(Layer1Protocol law);   // speech, 64 kbit/s circuit, G.711 law
BearerCapability audio_3k1_bearer(Layer1Protocol law);
BearerCapability unrestricted_digital_bearer();       // 64 kbit/s, no layer 1 octet

InformationElement to_ie(const BearerCapability& b);
IeDecoded<BearerCapability> decode_bearer_capability(std::span<const std::uint8_t> contents);

}  // namespace sipnic::pri::q931
