// E1 and T1 primary rate lines as Q.931 numbers their channels (Q.931
// §4.5.13, channel identification): the one place that says which channel
// numbers exist on which line, where the D-channel sits and how long a slot
// map is. Spans, channel hunting and the codec read it.
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

namespace sipnic::pri {

enum class LineType : std::uint8_t { kE1, kT1 };

constexpr std::string_view line_type_name(LineType t) { return t == LineType::kE1 ? "e1" : "t1"; }

// The highest channel number of the line (E1: timeslot 31, T1: channel 24).
constexpr std::uint8_t max_channel_number(LineType t) { return t == LineType::kE1 ? 31 : 24; }

// The D-channel's channel number (E1: timeslot 16, T1: channel 24).
constexpr std::uint8_t d_channel_number(LineType t) { return t == LineType::kE1 ? 16 : 24; }

// Whether `n` is a channel number Q.931 can name on this line: E1 1-31, T1
// 1-24 (the D-channel's number included: an NFAS T1 without a D-channel uses
// channel 24 as a B-channel, and a RESTART may name any channel).
constexpr bool is_channel_number(LineType t, unsigned n) { return n >= 1 && n <= max_channel_number(t); }

// Whether `n` is a B-channel on a line that carries its own D-channel.
constexpr bool is_b_channel(LineType t, unsigned n) {
  return is_channel_number(t, n) && n != d_channel_number(t);
}

// Number of B-channels on a line that carries its D-channel: 30 or 23.
constexpr unsigned b_channel_count(LineType t) { return t == LineType::kE1 ? 30 : 23; }

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
