#include "pri/q931_ie_channel.h"

namespace sipnic::pri::q931 {

namespace {

constexpr std::uint8_t kExt = 0x80;
constexpr std::uint8_t kInterfaceIdPresent = 0x40;
constexpr std::uint8_t kPrimaryInterface = 0x20;
constexpr std::uint8_t kExclusive = 0x08;
constexpr std::uint8_t kDChannel = 0x04;
constexpr std::uint8_t kSlotMap = 0x10;
constexpr std::size_t kMaxInterfaceIdOctets = 4;

using R = IeDecoded<ChannelIdentification>;

bool is_channel_type(std::uint8_t t) { return t == 0x3 || t == 0x6 || t == 0x8 || t == 0x9; }

// Bit position of a channel in the slot map, or -1 if the map cannot hold it.
int map_bit(LineType line, unsigned channel) {
  if (line == LineType::kE1) return channel >= 1 && channel <= 31 ? static_cast<int>(channel) : -1;
  return channel >= 1 && channel <= 24 ? static_cast<int>(channel) - 1 : -1;
}

}  // namespace

InformationElement to_ie(const ChannelIdentification& c, LineType line) {
  InformationElement e{0, ie::kChannelIdentification, {}};
  e.contents.push_back(static_cast<std::uint8_t>(kExt | (c.interface_id ? kInterfaceIdPresent : 0) | kPrimaryInterface |
                                                 (c.exclusive ? kExclusive : 0) | (c.d_channel ? kDChannel : 0) |
                                                 static_cast<std::uint8_t>(c.selection)));
  if (c.interface_id) {
    std::size_t groups = 1;
    while (groups < kMaxInterfaceIdOctets && (*c.interface_id >> (7 * groups)) != 0) ++groups;
    for (std::size_t g = groups; g-- > 0;)
      e.contents.push_back(static_cast<std::uint8_t>(((*c.interface_id >> (7 * g)) & 0x7F) | (g == 0 ? kExt : 0)));
  }
  if (c.selection != ChannelSelection::kIndicated || c.channels.empty()) return e;
  e.contents.push_back(
      static_cast<std::uint8_t>(kExt | (c.slot_map ? kSlotMap : 0) | static_cast<std::uint8_t>(c.type)));
  if (c.slot_map) {
    std::uint32_t map = 0;
    for (std::uint8_t ch : c.channels)
      if (int bit = map_bit(line, ch); bit >= 0) map |= std::uint32_t{1} << bit;
    for (unsigned o = slot_map_octets(line); o-- > 0;) e.contents.push_back(static_cast<std::uint8_t>(map >> (8 * o)));
  } else {
    for (std::size_t i = 0; i < c.channels.size(); ++i)
      e.contents.push_back(static_cast<std::uint8_t>((c.channels[i] & 0x7F) | (i + 1 == c.channels.size() ? kExt : 0)));
  }
  return e;
}

IeDecoded<ChannelIdentification> decode_channel_identification(std::span<const std::uint8_t> contents,
                                                               ChannelDecodeOptions options) {
  if (contents.empty()) return R{{}, "channel identification has no octet 3"};
  ChannelIdentification c;
  std::size_t i = 0;
  const std::uint8_t o3 = contents[i++];
  if (!(o3 & kExt)) return R{{}, "channel identification octet 3 does not end its group"};
  if (!(o3 & kPrimaryInterface)) return R{{}, "channel identification is for a basic rate interface"};
  if ((o3 & 0x3) == 0x2) return R{{}, "channel selection is reserved"};
  c.exclusive = (o3 & kExclusive) != 0;
  c.d_channel = (o3 & kDChannel) != 0;
  c.selection = static_cast<ChannelSelection>(o3 & 0x3);

  if (o3 & kInterfaceIdPresent) {
    if (!options.interface_identifier_allowed) return R{{}, "channel identification names an interface (octet 3.1)"};
    std::uint32_t id = 0;
    for (std::size_t n = 0;; ++n) {
      if (i >= contents.size()) return R{{}, "interface identifier (octet 3.1) is missing or does not end"};
      if (n == kMaxInterfaceIdOctets) return R{{}, "interface identifier is longer than 4 octets"};
      const std::uint8_t o = contents[i++];
      id = id << 7 | (o & 0x7F);
      if (o & kExt) break;
    }
    c.interface_id = id;
  }

  if (i == contents.size()) return R{std::move(c), {}};
  if (c.selection != ChannelSelection::kIndicated)
    return R{{}, "channel octets follow a selection that indicates no channel"};

  const std::uint8_t o32 = contents[i++];
  if (!(o32 & kExt)) return R{{}, "channel identification octet 3.2 does not end its group"};
  if ((o32 >> 5) & 0x3) return R{{}, "channel identification octet 3.2 is not ITU-T coded"};
  if (!is_channel_type(o32 & 0xF)) return R{{}, "channel type is reserved"};
  c.type = static_cast<ChannelType>(o32 & 0xF);
  c.slot_map = (o32 & kSlotMap) != 0;
  const auto rest = std::span<const std::uint8_t>(contents).subspan(i);
  if (rest.empty()) return R{{}, "channel identification octet 3.3 is missing"};

  if (c.slot_map) {
    if (rest.size() != slot_map_octets(options.line))
      return R{{}, options.line == LineType::kE1 ? "E1 slot map is not 4 octets" : "T1 slot map is not 3 octets"};
    std::uint32_t map = 0;
    for (std::uint8_t o : rest) map = map << 8 | o;
    if (options.line == LineType::kE1 && (map & 1)) return R{{}, "slot map names timeslot 0"};
    for (unsigned ch = 1; ch <= max_channel_number(options.line); ++ch)
      if (map & (std::uint32_t{1} << map_bit(options.line, ch))) c.channels.push_back(static_cast<std::uint8_t>(ch));
    if (c.channels.empty()) return R{{}, "slot map names no channel"};
    return R{std::move(c), {}};
  }

  for (std::size_t n = 0; n < rest.size(); ++n) {
    const std::uint8_t ch = rest[n] & 0x7F;
    if (!is_channel_number(options.line, ch))
      return R{{}, options.line == LineType::kE1 ? "channel number is not an E1 timeslot 1-31"
                                                 : "channel number is not a T1 channel 1-24"};
    c.channels.push_back(ch);
    if (rest[n] & kExt) {
      if (n + 1 != rest.size()) return R{{}, "channel number list continues after its last octet"};
      return R{std::move(c), {}};
    }
  }
  return R{{}, "channel number list does not end its group"};
}

}  // namespace sipnic::pri::q931
