// E1 and T1 primary rate lines as Q.931 numbers their channels (Q.931
// §4.5.13, channel identification): the one place that says which channel
// numbers exist on which line (core's, below), how long a slot map is, and
// E1's logical numbering. Spans, channel hunting and the codec read it.
//
//   E1 (G.704, 2048 kbit/s): timeslots 0-31; TS0 carries framing, TS16 the
//      D-channel; Q.931 channel numbers ARE timeslot numbers (1-15, 17-31),
//      so B-channel 16 is timeslot 17. Some PBXs (and libpri's
//      "logical" mapping, used with QSIG) number the 30 B-channels 1-30
//      instead: e1_timeslot_from_logical() converts.
//   T1 (1544 kbit/s): channels 1-24; channel 24 is the D-channel, except on
//      the spans of an NFAS group that carry no D-channel, where all 24 are
//      B-channels.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/span_line.h"

namespace sipnic::pri {

// The line types and their channel numbers are core's (core/span_line.h),
// so the config and the protocol read one source.
using LineType = core::SpanType;
using core::b_channel_count;
using core::d_channel_number;
using core::is_b_channel;
using core::is_channel_number;
using core::max_channel_number;

// Octets of a channel identification slot map (Q.931 §4.5.13 octet 3.3):
// one bit per timeslot 0-31 on E1 (4 octets), per channel 1-24 on T1 (3).
constexpr unsigned slot_map_octets(LineType t) { return t == LineType::kE1 ? 4 : 3; }

// E1 logical B-channel numbering (1-30) <-> timeslots (1-15, 17-31); 0 for a
// number out of range.
constexpr std::uint8_t e1_timeslot_from_logical(unsigned logical) {
  if (logical < 1 || logical > 30) return 0;
  return static_cast<std::uint8_t>(logical < 16 ? logical : logical + 1);
}
constexpr std::uint8_t e1_logical_from_timeslot(unsigned timeslot) {
  if (timeslot < 1 || timeslot > 31 || timeslot == 16) return 0;
  return static_cast<std::uint8_t>(timeslot < 16 ? timeslot : timeslot - 1);
}

}  // namespace sipnic::pri
