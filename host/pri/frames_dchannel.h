// pri::FramesDChannel: the D-channel of a `frames` span backend (docs/pri.md,
// "Span backends"): a Unix SOCK_SEQPACKET socket carrying one Q.921 frame
// per datagram followed by its two FCS bytes, the framing DAHDI gives
// libpri. The FCS is the real FCS-16 (RFC 1662, the HDLC kernel's table:
// hls/hdlc/hdlc.h), put on every frame sent and checked on every frame
// received, so a datagram is what the line carries less the flags and the
// bit stuffing; a frame whose FCS is wrong is dropped and counted, as an
// HDLC receiver drops it.
//
// The socket (listen or connect, one peer at a time, retries) is a
// SeqpacketPeer; a peer attaching and going away is layer 1 coming up and
// going down (Q921Link::layer1_up / layer1_down), which the span tells the
// link.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "pri/seqpacket_peer.h"

namespace sipnic::pri {

struct FramesDChannelCounters {
  std::uint64_t frames_in = 0;     // good frames handed to the link
  std::uint64_t frames_out = 0;    // frames sent
  std::uint64_t bad_fcs = 0;       // dropped: FCS not the good residue
  std::uint64_t short_frames = 0;  // dropped: fewer than 3 octets before the FCS
  std::uint64_t long_frames = 0;   // dropped: longer than the receive buffer
  std::uint64_t send_drops = 0;    // frames not sent (socket full or failing; Q.921 recovers)
  std::uint64_t attaches = 0;      // peers attached
  std::uint64_t refused_peers = 0; // listener: peers refused while one was attached
};

class FramesDChannel {
 public:
  struct Callbacks {
    std::function<void(std::span<const std::uint8_t> frame)> frame;  // without FCS; valid during the call
    std::function<void(bool up)> layer1;                             // a peer attached (true) or went away
  };

  // Longest frame handled, FCS excluded: Q.921's N201 (260) and its 4
  // address and control octets, with room to spare.
  static constexpr std::size_t kMaxFrame = 512;

  // `loop` and `log` (may be null) must outlive it. Nothing happens until start().
  FramesDChannel(core::EventLoop& loop, std::string path, core::SpanSocketRole role, Callbacks callbacks,
                 core::Log* log = nullptr, std::string name = {});
  FramesDChannel(const FramesDChannel&) = delete;
  FramesDChannel& operator=(const FramesDChannel&) = delete;

  // Listens, or begins connecting. Throws std::runtime_error naming the
  // path when a listener cannot be made.
  void start();
  // Sends one frame (FCS appended); false when no peer is attached or the
  // frame was dropped.
  bool send(std::span<const std::uint8_t> frame);
  bool up() const { return peer_.attached(); }
  // Its own counters and the socket's (attaches, refused peers, long datagrams).
  const FramesDChannelCounters& counters() const;
  const std::string& path() const { return peer_.path(); }

 private:
  void on_datagram(std::span<const std::uint8_t> octets);

  const Callbacks cb_;
  SeqpacketPeer peer_;
  mutable FramesDChannelCounters counters_;  // the socket's figures copied in by counters()
};

// The FCS-16 octets (low first) to put after `frame`.
std::array<std::uint8_t, 2> frame_check_sequence(std::span<const std::uint8_t> frame);
// Whether `octets` (a frame and its two FCS octets) has a good FCS.
bool frame_check_sequence_good(std::span<const std::uint8_t> octets);

}  // namespace sipnic::pri
