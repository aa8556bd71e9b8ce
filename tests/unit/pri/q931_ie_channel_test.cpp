// Channel identification (pri/q931_ie_channel.h): octets written by hand
// from Q.931 §4.5.13's layout for E1 timeslots and T1 channels, NFAS
// interface identifiers, channel lists and slot maps, both ways, and the
// content errors decoding refuses.
#include "pri/q931_ie_channel.h"

#include <gtest/gtest.h>

#include "support/q931_ie_tables.h"

namespace sipnic::pri::q931 {
namespace {

using test::expect_both_ways;
using test::expect_refused;
using test::from_hex;

ChannelIdentification channel(std::vector<std::uint8_t> channels, bool exclusive = true) {
  ChannelIdentification c;
  c.exclusive = exclusive;
  c.channels = std::move(channels);
  return c;
}
ChannelIdentification selecting(ChannelSelection s, bool exclusive = false, bool d = false) {
  ChannelIdentification c;
  c.selection = s;
  c.exclusive = exclusive;
  c.d_channel = d;
  return c;
}
ChannelIdentification on_interface(ChannelIdentification c, std::uint32_t id) {
  c.interface_id = id;
  return c;
}
ChannelIdentification as_map(ChannelIdentification c) {
  c.slot_map = true;
  return c;
}

auto decoder(LineType line, bool interface_allowed = true) {
  return [=](const auto& octets) {
    return decode_channel_identification(octets, {.line = line, .interface_identifier_allowed = interface_allowed});
  };
}
auto encoder(LineType line) {
  return [=](const ChannelIdentification& c) { return to_ie(c, line); };
}

TEST(Q931ChannelIdentification, E1NamesTimeslots) {
  expect_both_ways<ChannelIdentification>(
      {
          {"A9 83 81", channel({1})},                 // exclusive timeslot 1
          {"A1 83 91", channel({17}, false)},         // preferred timeslot 17 (B-channel 16)
          {"A9 83 9F", channel({31})},                // the last timeslot
          {"A3", selecting(ChannelSelection::kAny)},  // any channel
          {"A0", selecting(ChannelSelection::kNoChannel)},
          {"AC", selecting(ChannelSelection::kNoChannel, true, true)},  // the D-channel: signalling only
          {"A9 83 01 02 83", channel({1, 2, 3})},     // a channel list (RESTART ACKNOWLEDGE)
          {"A9 93 00 00 00 06", as_map(channel({1, 2}))},  // slot map: bit n = timeslot n
          {"A9 93 80 01 00 02", as_map(channel({1, 16, 31}))},
      },
      ie::kChannelIdentification, decoder(LineType::kE1), encoder(LineType::kE1));
}

TEST(Q931ChannelIdentification, T1NamesChannelsAndNfasNamesTheInterface) {
  expect_both_ways<ChannelIdentification>(
      {
          {"A1 83 85", channel({5}, false)},                        // preferred channel 5
          {"A9 83 98", channel({24})},                              // channel 24: a B-channel on an NFAS span
          {"E9 81 83 83", on_interface(channel({3}), 1)},           // NFAS: interface 1, channel 3
          {"E9 80 83 97", on_interface(channel({23}), 0)},          // interface 0 named explicitly
          {"E9 01 85 83 83", on_interface(channel({3}), 133)},      // a two-octet interface identifier
          {"E9 82", on_interface(channel({}), 2)},                  // the whole interface 2 (SERVICE)
          {"A9 93 80 00 01", as_map(channel({1, 24}))},             // slot map: bit n = channel n+1
          {"A9 93 00 00 0F", as_map(channel({1, 2, 3, 4}))},
      },
      ie::kChannelIdentification, decoder(LineType::kT1), encoder(LineType::kT1));
}

TEST(Q931ChannelIdentification, RefusesContentErrors) {
  expect_refused({{"", "no octet 3"},
                  {"29 83 81", "octet 3 does not end"},
                  {"89 83 81", "basic rate"},
                  {"AA", "selection is reserved"},
                  {"E9", "octet 3.1) is missing"},
                  {"E9 01", "octet 3.1) is missing"},
                  {"E9 01 02 03 04 85", "longer than 4 octets"},
                  {"A3 83 81", "indicates no channel"},
                  {"A9 03 81", "octet 3.2 does not end"},
                  {"A9 C3 81", "not ITU-T coded"},
                  {"A9 85 81", "channel type is reserved"},
                  {"A9 83", "octet 3.3 is missing"},
                  {"A9 83 A0", "not an E1 timeslot"},
                  {"A9 83 80", "not an E1 timeslot"},
                  {"A9 83 01", "does not end its group"},
                  {"A9 83 81 82", "continues after its last octet"},
                  {"A9 93 00 00 06", "not 4 octets"},
                  {"A9 93 00 00 00 01", "timeslot 0"},
                  {"A9 93 00 00 00 00", "no channel"}},
                 decoder(LineType::kE1));
  expect_refused({{"A9 83 99", "not a T1 channel"}, {"A9 93 00 00 00 06", "not 3 octets"}}, decoder(LineType::kT1));
  // ECMA-143 (QSIG) has no octet 3.1.
  expect_refused({{"E9 81 83 81", "names an interface"}}, decoder(LineType::kE1, false));
}

TEST(Q931ChannelIdentification, EncodingLeavesOutChannelsASlotMapCannotHold) {
  auto c = as_map(channel({1, 25, 31}));
  EXPECT_EQ(to_ie(c, LineType::kT1).contents, from_hex("A9 93 00 00 01"));
  EXPECT_EQ(to_ie(c, LineType::kE1).contents, from_hex("A9 93 82 00 00 02"));
}

}  // namespace
}  // namespace sipnic::pri::q931
