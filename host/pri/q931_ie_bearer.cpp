#include "pri/q931_ie_bearer.h"

namespace sipnic::pri::q931 {

namespace {

constexpr std::uint8_t kExt = 0x80;
constexpr std::size_t kMaxLayer1Extension = 4;  // octets 5a-5d
constexpr std::size_t kMaxLayer3Extension = 2;  // octets 7a-7b

using R = IeDecoded<BearerCapability>;

bool is_capability(std::uint8_t v) {
  return v == 0x00 || v == 0x08 || v == 0x09 || v == 0x10 || v == 0x11 || v == 0x18;
}
bool is_rate(std::uint8_t v) {
  return v == 0x00 || v == 0x10 || v == 0x11 || v == 0x13 || v == 0x15 || v == 0x17 || v == 0x18;
}
bool is_layer1(std::uint8_t v) { return v >= 0x01 && v <= 0x09; }

// Reads octets while the previous one's ext bit is 0, at most `max`.
// Returns false when the group does not end within `max` octets or the
// contents.
bool read_extension(std::span<const std::uint8_t> c, std::size_t& i, std::size_t max,
                    std::vector<std::uint8_t>& out) {
  while (!(c[i - 1] & kExt)) {
    if (i >= c.size() || out.size() == max) return false;
    out.push_back(c[i++]);
  }
  return true;
}

BearerCapability circuit_64k(TransferCapability cap, std::optional<Layer1Protocol> law) {
  BearerCapability b;
  b.capability = cap;
  b.layer1 = law;
  return b;
}

}  // namespace

BearerCapability speech_bearer(Layer1Protocol law) { return circuit_64k(TransferCapability::kSpeech, law); }
BearerCapability audio_3k1_bearer(Layer1Protocol law) { return circuit_64k(TransferCapability::kAudio3k1Hz, law); }
BearerCapability unrestricted_digital_bearer() {
  return circuit_64k(TransferCapability::kUnrestrictedDigital, std::nullopt);
}

InformationElement to_ie(const BearerCapability& b) {
  InformationElement e{0, ie::kBearerCapability, {}};
  auto& c = e.contents;
  c.reserve(5 + b.other_octets.size() + b.layer1_extension.size() + b.layer3_extension.size());
  c.push_back(static_cast<std::uint8_t>(kExt | static_cast<unsigned>(b.coding) << 5 |
                                        (static_cast<unsigned>(b.capability) & 0x1F)));
  if (b.coding != CodingStandard::kItuT) {
    c.insert(c.end(), b.other_octets.begin(), b.other_octets.end());
    return e;
  }
  c.push_back(static_cast<std::uint8_t>(kExt | (static_cast<unsigned>(b.mode) & 0x3) << 5 |
                                        (static_cast<unsigned>(b.rate) & 0x1F)));
  if (b.rate == TransferRate::kMultirate) c.push_back(kExt | (b.rate_multiplier.value_or(2) & 0x7F));
  if (b.layer1) {
    const bool ext = b.layer1_extension.empty();
    c.push_back(static_cast<std::uint8_t>((ext ? kExt : 0) | 0x20 | (static_cast<unsigned>(*b.layer1) & 0x1F)));
    c.insert(c.end(), b.layer1_extension.begin(), b.layer1_extension.end());
  }
  if (b.layer2) c.push_back(static_cast<std::uint8_t>(kExt | 0x40 | (*b.layer2 & 0x1F)));
  if (b.layer3) {
    const bool ext = b.layer3_extension.empty();
    c.push_back(static_cast<std::uint8_t>((ext ? kExt : 0) | 0x60 | (*b.layer3 & 0x1F)));
    c.insert(c.end(), b.layer3_extension.begin(), b.layer3_extension.end());
  }
  return e;
}

IeDecoded<BearerCapability> decode_bearer_capability(std::span<const std::uint8_t> c) {
  if (c.empty()) return R{{}, "bearer capability has no octet 3"};
  BearerCapability b;
  std::size_t i = 0;
  const std::uint8_t o3 = c[i++];
  if (!(o3 & kExt)) return R{{}, "bearer capability octet 3 does not end its group"};
  b.coding = static_cast<CodingStandard>((o3 >> 5) & 0x3);
  b.capability = static_cast<TransferCapability>(o3 & 0x1F);
  if (b.coding != CodingStandard::kItuT) {
    b.other_octets.assign(c.begin() + 1, c.end());
    return R{std::move(b), {}};
  }
  if (!is_capability(o3 & 0x1F)) return R{{}, "information transfer capability is reserved"};

  if (i >= c.size()) return R{{}, "bearer capability octet 4 is missing"};
  const std::uint8_t o4 = c[i++];
  if (!(o4 & kExt)) return R{{}, "bearer capability octet 4 does not end its group"};
  const std::uint8_t mode = (o4 >> 5) & 0x3;
  const std::uint8_t rate = o4 & 0x1F;
  if (mode != 0x0 && mode != 0x2) return R{{}, "transfer mode is reserved"};
  if (!is_rate(rate)) return R{{}, "information transfer rate is reserved"};
  b.mode = static_cast<TransferMode>(mode);
  b.rate = static_cast<TransferRate>(rate);
  if ((b.mode == TransferMode::kPacket) != (b.rate == TransferRate::kPacketMode))
    return R{{}, "transfer rate does not match the transfer mode"};
  if (b.rate == TransferRate::kMultirate) {
    if (i >= c.size()) return R{{}, "rate multiplier (octet 4.1) is missing"};
    const std::uint8_t o41 = c[i++];
    if (!(o41 & kExt)) return R{{}, "rate multiplier does not end its group"};
    b.rate_multiplier = o41 & 0x7F;
  }

  unsigned last_layer = 0;
  while (i < c.size()) {
    const std::uint8_t o = c[i++];
    const unsigned layer = (o >> 5) & 0x3;
    if (layer == 0) return R{{}, "bearer capability octet has no layer identifier"};
    if (layer <= last_layer) return R{{}, "bearer capability layer octets out of order"};
    last_layer = layer;
    switch (layer) {
      case 1:
        if (!is_layer1(o & 0x1F)) return R{{}, "user information layer 1 protocol is reserved"};
        b.layer1 = static_cast<Layer1Protocol>(o & 0x1F);
        if (!read_extension(c, i, kMaxLayer1Extension, b.layer1_extension))
          return R{{}, "layer 1 octets 5a-5d do not end their group"};
        break;
      case 2:
        if (!(o & kExt)) return R{{}, "layer 2 octet 6 does not end its group"};
        b.layer2 = o & 0x1F;
        break;
      default:
        b.layer3 = o & 0x1F;
        if (!read_extension(c, i, kMaxLayer3Extension, b.layer3_extension))
          return R{{}, "layer 3 octets 7a-7b do not end their group"};
        break;
    }
  }
  return R{std::move(b), {}};
}

}  // namespace sipnic::pri::q931
