// E1 and T1 primary rate lines as a span and Q.931 number their channels:
// the one place that says which channel numbers exist on which line and
// where the D-channel sits. The config checks a span's channels with it;
// the pri layer (pri/line_type.h) builds its channel facts on it.
//
//   E1 (G.704, 2048 kbit/s): timeslots 0-31; TS0 carries framing, TS16 the
//      D-channel; Q.931 channel numbers ARE timeslot numbers (1-15, 17-31).
//   T1 (1544 kbit/s): channels 1-24; channel 24 is the D-channel, except on
//      the spans of an NFAS group that carry no D-channel, where all 24 are
//      B-channels.
#pragma once

#include <cstdint>
#include <string_view>

namespace sipnic::core {

enum class SpanType : std::uint8_t { kE1, kT1 };

constexpr std::string_view span_type_name(SpanType t) { return t == SpanType::kE1 ? "e1" : "t1"; }

// The highest channel number of the line (E1: timeslot 31, T1: channel 24).
constexpr std::uint8_t max_channel_number(SpanType t) { return t == SpanType::kE1 ? 31 : 24; }

// The D-channel's channel number (E1: timeslot 16, T1: channel 24).
constexpr std::uint8_t d_channel_number(SpanType t) { return t == SpanType::kE1 ? 16 : 24; }

// Whether `n` is a channel number Q.931 can name on this line: E1 1-31, T1
// 1-24 (the D-channel's number included: an NFAS T1 without a D-channel uses
// channel 24 as a B-channel, and a RESTART may name any channel).
constexpr bool is_channel_number(SpanType t, unsigned n) { return n >= 1 && n <= max_channel_number(t); }

// Whether `n` is a B-channel on a line that carries its own D-channel.
constexpr bool is_b_channel(SpanType t, unsigned n) { return is_channel_number(t, n) && n != d_channel_number(t); }

// Number of B-channels on a line that carries its D-channel: 30 or 23.
constexpr unsigned b_channel_count(SpanType t) { return t == SpanType::kE1 ? 30 : 23; }

}  // namespace sipnic::core
