// pri::BChannelPool: the B-channels of one PRI interface (a span's E1
// timeslots or T1 channels) and what each is doing, with the channel
// hunting the span is configured for. The Q.931 call control seizes and
// frees channels here and marks them restarting or in maintenance; status
// and metrics read it. It decides nothing about Q.931 (glare, exclusive or
// preferred): that is the call control's; the pool only answers "which
// channel is free next" and keeps the states consistent.
//
// A channel is in service when the span's config lists it (SpanConfig
// channels); the others do not exist for calls, though a RESTART may name
// them. Per channel, independent conditions:
//   occupant              the call using it (kNoCall: none)
//   restarting            a RESTART for it is out, unacknowledged (Q.931 §5.5)
//   local maintenance     taken out of service here (SERVICE sent, NI-2 & co.)
//   remote maintenance    taken out of service by the far end (SERVICE received)
//   out of service        a RELEASE got no RELEASE COMPLETE (Q.931 §5.3.4.3:
//                         "maintenance condition"), or a RESTART got no
//                         acknowledgement; a RESTART that is acknowledged
//                         clears it
// A channel is available (hunted, seizable) only with none of them, and
// while the interface's line is in frame: an NFAS span whose line is down
// (LOS, LOF, AIS) carries no B-channel, though the group's D-channel on
// another span still signals; its free channels show as out of service
// until the line is back. A call keeps its channel when the channel goes
// into maintenance or the line down (the call ends first, or the line
// returns, then the channel is hunted again or not).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "pri/call_id.h"
#include "pri/line_type.h"

namespace sipnic::pri {

// One word for a channel's conditions, the most severe first: what status
// shows and the metrics export.
enum class BChannelState : std::uint8_t {
  kIdle,
  kInUse,
  kRestarting,
  kLocalMaintenance,
  kRemoteMaintenance,
  kOutOfService,
  kNotInService,  // not in the span's channel list
};
std::string_view b_channel_state_name(BChannelState s);  // "idle", "in-use", ...
inline constexpr std::size_t kBChannelStateCount = 7;

class BChannelPool {
 public:
  // `channels`: the B-channels in service (each a channel number of `line`;
  // invalid or repeated ones are ignored).
  BChannelPool(LineType line, std::span<const std::uint8_t> channels, core::ChannelHunting hunting);

  LineType line() const { return line_; }
  core::ChannelHunting hunting() const { return hunting_; }
  // In service, ascending.
  const std::vector<std::uint8_t>& channels() const { return in_service_; }
  bool in_service(std::uint8_t channel) const;

  BChannelState state(std::uint8_t channel) const;
  CallId occupant(std::uint8_t channel) const;
  bool available(std::uint8_t channel) const;
  std::size_t count(BChannelState s) const;

  // The next available channel in hunting order (round-robin: the first
  // after the one last hunted, wrapping), or nullopt when none is.
  // Round-robin remembers the channel returned.
  std::optional<std::uint8_t> hunt();

  // Takes an available channel for `call`; false if it is not available.
  bool seize(std::uint8_t channel, CallId call);
  // Gives a channel to `call` whatever its occupant (glare: the network
  // side's exclusive choice wins over the user's unconfirmed one). False if
  // the channel is not in service or is restarting / in maintenance.
  bool take_over(std::uint8_t channel, CallId call);
  // Frees `channel` if `call` occupies it.
  void release(std::uint8_t channel, CallId call);

  void set_restarting(std::uint8_t channel, bool on);
  void set_local_maintenance(std::uint8_t channel, bool on);
  void set_remote_maintenance(std::uint8_t channel, bool on);
  void set_out_of_service(std::uint8_t channel, bool on);
  bool restarting(std::uint8_t channel) const;
  bool local_maintenance(std::uint8_t channel) const;
  bool remote_maintenance(std::uint8_t channel) const;
  bool out_of_service(std::uint8_t channel) const;
  // The interface's line as its framer reports it (NFAS member spans).
  void set_line_down(bool down) { line_down_ = down; }
  bool line_down() const { return line_down_; }

 private:
  struct Channel {
    bool in_service = false;
    CallId occupant = kNoCall;
    bool restarting = false;
    bool local_maintenance = false;
    bool remote_maintenance = false;
    bool out_of_service = false;
  };
  Channel* find(std::uint8_t channel);
  const Channel* find(std::uint8_t channel) const;
  bool is_available(const Channel& c) const;

  LineType line_;
  core::ChannelHunting hunting_;
  std::vector<std::uint8_t> in_service_;
  std::vector<Channel> table_;  // indexed by channel number, 0..max_channel_number
  std::uint8_t last_hunted_ = 0;
  bool line_down_ = false;
};

}  // namespace sipnic::pri
