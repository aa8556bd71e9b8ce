// pri::ChannelInterfaces: the interfaces whose B-channels one D-channel
// signals for, each with its BChannelPool, as the Q.931 call control sees
// them:
//   - a span with its own D-channel: one interface, never named in channel
//     identification (Q.931 §4.5.13: no interface identifier is the
//     interface that carries the D-channel);
//   - NFAS (T1; one D-channel for several spans): every span of the group
//     by its interface identifier (0..127, `nfas-interface`), which every
//     channel identification sipnic sends then carries, and the one that
//     carries the D-channel in use, which a received channel identification
//     without an identifier means.
// A channel is a ChannelRef (interface, channel). Hunting goes through the
// interfaces in the order given, each with its own pool's hunting. The
// pools must outlive this.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "pri/b_channel_pool.h"
#include "pri/call_id.h"
#include "pri/line_type.h"

namespace sipnic::pri {

struct ChannelRef {
  std::uint8_t interface = 0;  // the interface identifier (0 on a span of its own)
  std::uint8_t channel = 0;    // 0: no channel
  explicit operator bool() const { return channel != 0; }
  bool operator==(const ChannelRef&) const = default;
};

class ChannelInterfaces {
 public:
  struct Interface {
    std::uint8_t id = 0;  // 0..127
    BChannelPool* pool = nullptr;
  };
  inline static constexpr std::uint8_t kMaxInterfaceId = 127;

  // A span with its own D-channel: `pool` is interface 0, never named.
  explicit ChannelInterfaces(BChannelPool& pool);
  // NFAS: `interfaces` (one at least; distinct identifiers up to 127; every
  // pool of one line type) are named in every channel identification; the
  // first carries the D-channel until set_d_channel_interface(). Throws
  // std::invalid_argument otherwise.
  explicit ChannelInterfaces(std::vector<Interface> interfaces);

  // Whether channel identification carries the interface identifier (NFAS).
  bool named() const { return named_; }
  LineType line() const { return line_; }
  const std::vector<Interface>& interfaces() const { return interfaces_; }
  BChannelPool* pool(std::uint8_t interface);
  const BChannelPool* pool(std::uint8_t interface) const;

  // The interface of the D-channel in use (NFAS: the primary's span, or the
  // backup's once it took over); what no identifier means.
  std::uint8_t d_channel_interface() const { return d_channel_interface_; }
  // False (and no change) for an interface not in the list.
  bool set_d_channel_interface(std::uint8_t interface);

  // The interface a channel identification's identifier (or its absence)
  // names; nullopt for one not here, and for any identifier when not named()
  // but 0 (what a peer that always sends one sends for the only interface).
  std::optional<std::uint8_t> resolve(std::optional<std::uint32_t> interface_id) const;
  // What to put in a channel identification sent for `interface`.
  std::optional<std::uint32_t> identifier_for(std::uint8_t interface) const;

  // The next available channel: each interface in order, by its hunting;
  // or of one interface (none for an unknown one).
  std::optional<ChannelRef> hunt();
  std::optional<ChannelRef> hunt(std::uint8_t interface);
  // Every channel in service of `interface` (none for an unknown one), and
  // of all interfaces.
  std::vector<ChannelRef> channels(std::uint8_t interface) const;
  std::vector<ChannelRef> all_channels() const;

  // The pool's operations on a ChannelRef; an unknown interface is a
  // channel not in service (false, kNoCall, nothing done).
  bool in_service(ChannelRef c) const;
  bool available(ChannelRef c) const;
  CallId occupant(ChannelRef c) const;
  bool seize(ChannelRef c, CallId call);
  bool take_over(ChannelRef c, CallId call);
  void release(ChannelRef c, CallId call);
  void set_restarting(ChannelRef c, bool on);
  void set_local_maintenance(ChannelRef c, bool on);
  void set_remote_maintenance(ChannelRef c, bool on);
  void set_out_of_service(ChannelRef c, bool on);

 private:
  std::vector<Interface> interfaces_;
  bool named_ = false;
  LineType line_;
  std::uint8_t d_channel_interface_ = 0;
};

}  // namespace sipnic::pri
