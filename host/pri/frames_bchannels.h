// pri::FramesBChannels: the B-channels of a `frames` span backend (docs/pri.md,
// "Spans and the frames backend"): a second Unix SOCK_SEQPACKET socket
// (`b-channels-socket`), one datagram per millisecond each way holding 8
// timeslot-interleaved TDM frames (E1 32 octets a frame, timeslot t at t; T1
// 24, channel c at c - 1: tdm_mux's frames block, 256 or 192 octets), the
// way DAHDI hands a span's channels over. Timeslot 0 of E1 and the D-channel's
// position carry nothing here (the D-channel is the other socket's).
//
// Both ends keep their own clock (MillisecondClock), so received blocks wait
// in an elastic store that plays out once it holds kStoreFill (a dry store is
// a millisecond of nothing: `frames` 0 for it, and it fills again). Each
// millisecond the span's BChannelSamples callback gets the samples that came
// (demultiplexed by tdm_mux's host function) and fills those to send, which
// are multiplexed into the next datagram; without a callback the idle code
// of the line's law goes out.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "pri/b_channel_samples.h"
#include "pri/elastic_store.h"
#include "pri/millisecond_clock.h"
#include "pri/seqpacket_peer.h"

namespace sipnic::pri {

struct FramesBChannelsCounters {
  std::uint64_t blocks_in = 0;   // datagrams taken
  std::uint64_t blocks_out = 0;  // datagrams sent
  std::uint64_t bad_blocks = 0;  // datagrams of the wrong size, dropped
  std::uint64_t slips = 0;       // milliseconds the store ran dry or overflowed
  std::uint64_t send_drops = 0;  // datagrams the socket did not take
};

class FramesBChannels {
 public:
  static constexpr std::size_t kStoreFill = 4;
  static constexpr std::size_t kStoreMax = 64;

  // The socket is `config.b_channels_socket`, listened on or connected to as
  // the span's own socket is. `loop` and `log` (may be null) must outlive it.
  FramesBChannels(core::EventLoop& loop, const core::SpanConfig& config, BChannelSamples samples,
                  core::Log* log = nullptr);
  FramesBChannels(const FramesBChannels&) = delete;
  FramesBChannels& operator=(const FramesBChannels&) = delete;

  void start();
  bool peer_attached() const { return peer_.attached(); }
  std::size_t block_octets() const { return block_octets_; }
  const FramesBChannelsCounters& counters() const { return counters_; }

 private:
  void on_datagram(std::span<const std::uint8_t> datagram);
  void each_ms();

  const BChannelSamples samples_;
  const tdm_mux::SpanLayout layout_;
  const std::size_t block_octets_;
  SeqpacketPeer peer_;
  MillisecondClock clock_;
  ElasticStore<tdm_mux::kSpanFrameBytes> store_{kStoreFill, kStoreMax};
  std::array<std::uint8_t, kSampleBlockOctets> received_{};
  std::array<std::uint8_t, kSampleBlockOctets> to_send_{};
  std::array<std::uint8_t, tdm::kFramesPerBlock> no_dchannel_{};
  FramesBChannelsCounters counters_;
};

}  // namespace sipnic::pri
