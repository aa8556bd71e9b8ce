// Channel identification (Q.931 §4.5.13) on a primary rate interface.
//
//   octet 3    ext=1 | interface id present | interface type (1 = primary)
//              | spare | exclusive | D-channel | channel selection (2 bits)
//   octet 3.1  interface identifier, ext-terminated (when bit 7 of octet 3
//              is set: NFAS, where one D-channel signals for several spans)
//   octet 3.2  ext=1 | coding standard | number/map | channel type (B = 0011)
//   octet 3.3  channel numbers, each ext 0 but the last, or a slot map
//
// Channel numbers are E1 timeslots (1-31) or T1 channels (1-24), checked
// against the line (line_type.h). A slot map is 4 octets on E1 (bit n =
// timeslot n, bit 0 the last octet's lowest) and 3 on T1 (bit n = channel
// n+1), as libpri reads them. An "indicated" selection without octets 3.2
// and 3.3 is how the North American SERVICE messages and libpri name a whole
// interface: it decodes with no channels.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pri/line_type.h"
#include "pri/q931_ie.h"

namespace sipnic::pri::q931 {

// Octet 3, bits 2-1, for a primary rate interface (10 is reserved).
enum class ChannelSelection : std::uint8_t { kNoChannel = 0, kIndicated = 1, kAny = 3 };

// Octet 3.2, bits 4-1.
enum class ChannelType : std::uint8_t { kB = 0x3, kH0 = 0x6, kH11 = 0x8, kH12 = 0x9 };

struct ChannelIdentification {
  bool exclusive = true;   // false: the channel is preferred
  bool d_channel = false;  // the IE names the D-channel (signalling-only calls)
  ChannelSelection selection = ChannelSelection::kIndicated;
  std::optional<std::uint32_t> interface_id;  // octet 3.1 (up to four octets of 7 bits)
  ChannelType type = ChannelType::kB;
  bool slot_map = false;               // octets 3.3 are a slot map rather than numbers
  std::vector<std::uint8_t> channels;  // ascending for a slot map; as listed otherwise
  bool operator==(const ChannelIdentification&) const = default;
};

// Encodes for `line` (the slot map's size). Channels a slot map cannot hold
// on the line are left out.
InformationElement to_ie(const ChannelIdentification& c, LineType line);

struct ChannelDecodeOptions {
  LineType line = LineType::kE1;
  bool interface_identifier_allowed = true;  // VariantTraits::channel_interface_identifier
};
IeDecoded<ChannelIdentification> decode_channel_identification(std::span<const std::uint8_t> contents,
                                                               ChannelDecodeOptions options);

}  // namespace sipnic::pri::q931
