// pri::LinePort: one span's end of a `line` backend (docs/pri.md, "Span
// backends"): the line signal itself, 1 ms of E1 (256 octets, G.704 frames
// with CRC-4) or T1 (193 octets, ESF) per SOCK_SEQPACKET datagram, framed and
// deframed by the TDM kernels (offload::TdmEngine) that the worker's
// TdmDatapath runs for every line span at once, each millisecond.
//
// Each millisecond the datapath asks the port for its part of the batch
// (prepare) and hands it the results (finish):
//   - receive: the oldest block of the elastic store, a FIFO of the blocks the
//     peer sent. It plays out once it holds kStoreFill blocks (the jitter two
//     processes' timers give a virtual line); when it runs dry that
//     millisecond is a slip (the kernel's receiver waits: alignment kept, a
//     D-channel frame in progress lost) and it fills up again. No peer, or
//     none of its blocks for kSilenceMs, is a line without signal: zeros,
//     which the framer reports as LOS.
//   - transmit: the block the kernels made goes to the peer; the D-channel
//     frames Q.921 sends are offered to the HDLC kernel one a millisecond,
//     from a queue.
//   - status: the framer's alarms. Layer 1 is up while the receiver is in
//     frame (no LOS, LOF or AIS); RAI (yellow) from the far end is logged and
//     shown, and leaves layer 1 up, as the D-channel still works.
// B-channels: each millisecond the span's `samples` callback (the media
// path's seam, b_channel_samples.h) gets what arrived and fills what goes out;
// without one they send the idle code of the line's G.711 law.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "offload/tdm_engine.h"
#include "pri/b_channel_samples.h"
#include "pri/elastic_store.h"
#include "pri/seqpacket_peer.h"

namespace sipnic::pri {

// The line's alarms, as the framer reports them and `sipnic status` shows them.
struct LineAlarms {
  bool loss_of_signal = false;    // LOS
  bool loss_of_frame = true;      // LOF, red: the receiver is out of frame
  bool alarm_indication = false;  // AIS, blue: the far end sends all ones
  bool remote_alarm = false;      // RAI, yellow: the far end is in alarm
  bool in_frame() const { return !loss_of_frame && !loss_of_signal && !alarm_indication; }
  bool operator==(const LineAlarms&) const = default;
};
// "ok", or the alarms present: "red (LOS, LOF)", "blue (AIS)", "yellow (RAI)".
std::string line_alarms_text(const LineAlarms& alarms);

struct LinePortCounters {
  std::uint64_t blocks_in = 0;       // blocks received from the peer
  std::uint64_t blocks_out = 0;      // blocks sent
  std::uint64_t bad_blocks = 0;      // datagrams of the wrong size, dropped
  std::uint64_t slips = 0;           // milliseconds the elastic store ran dry or overflowed
  std::uint64_t send_drops = 0;      // blocks the socket did not take
  std::uint64_t frames_in = 0;       // D-channel frames handed to Q.921
  std::uint64_t frames_out = 0;      // D-channel frames the HDLC kernel took
  std::uint64_t frame_drops = 0;     // D-channel frames dropped: queue full, or too long
  std::uint64_t dchannel_errors = 0; // HDLC: bad FCS, aborts, misaligned, too short or long
  std::uint64_t crc_errors = 0;      // E1 CRC-4 / T1 CRC-6 blocks received in error
  std::uint64_t far_end_block_errors = 0;
  std::uint64_t framing_errors = 0;
  std::uint64_t alignment_losses = 0;
};

class LinePort {
 public:
  struct Callbacks {
    std::function<void(std::span<const std::uint8_t> frame)> frame;  // a D-channel frame, FCS removed
    std::function<void(bool up)> layer1;                             // in frame (true) or not
    std::function<void(const LineAlarms&)> alarms;                   // the alarms changed (may be empty)
    BChannelSamples samples;                                         // may be empty: idle code sent
  };

  // Blocks the elastic store holds before it plays out, and at most.
  static constexpr std::size_t kStoreFill = 4;
  static constexpr std::size_t kStoreMax = 64;
  // No block from the peer for this long: the line has no signal.
  static constexpr std::uint32_t kSilenceMs = 250;
  // D-channel frames waiting for the HDLC kernel, at most.
  static constexpr std::size_t kMaxQueuedFrames = 64;

  // `loop` and `log` (may be null) must outlive it. Nothing happens until
  // start(); a TdmDatapath runs it once it is added there.
  LinePort(core::EventLoop& loop, const core::SpanConfig& config, Callbacks callbacks, core::Log* log = nullptr);
  LinePort(const LinePort&) = delete;
  LinePort& operator=(const LinePort&) = delete;

  void start() { peer_.start(); }
  // Queues a D-channel frame (FCS excluded: the kernel adds it); false when
  // the queue is full or the frame too long (counted; Q.921 retransmits).
  bool send_frame(std::span<const std::uint8_t> frame);
  // Maintenance, as an operator (or a regression run) sets it: send AIS
  // (unframed all ones) instead of frames, or send nothing at all (a line
  // whose transmitter stopped). Both off: frames as ever.
  void set_send_ais(bool on) { send_ais_ = on; }
  void set_silent(bool on) { silent_ = on; }

  offload::TdmSpanSetup setup() const { return setup_; }
  // The datapath's calls, every millisecond, around TdmEngine::run().
  void prepare(offload::TdmEngine& engine, std::uint32_t span);
  void deliver(std::span<const std::uint8_t> frame);  // one received frame of this span
  void finish(offload::TdmEngine& engine, std::uint32_t span);
  // The engine was set up afresh (a span joined or left the batch).
  void engine_reset();

  const LineAlarms& alarms() const { return alarms_; }
  bool peer_attached() const { return peer_.attached(); }
  const LinePortCounters& counters() const { return counters_; }
  const std::string& path() const { return peer_.path(); }

 private:
  void on_datagram(std::span<const std::uint8_t> datagram);
  void take_status(const tdm_framer::SpanStatus& status, const hdlc::ReceiveCounters& hdlc);

  const Callbacks cb_;
  const offload::TdmSpanSetup setup_;
  const std::size_t block_octets_;
  const std::uint8_t idle_code_;  // G.711 idle: A-law 0xD5 on E1, µ-law 0xFF on T1
  SeqpacketPeer peer_;

  ElasticStore<tdm_framer::kLineBlockOctets> store_{kStoreFill, kStoreMax};
  std::uint32_t silent_ms_ = 0;     // milliseconds since the peer's last block
  std::deque<std::vector<std::uint8_t>> outgoing_;
  bool offered_ = false;            // outgoing_.front() was offered this millisecond
  bool fresh_ = true;               // the engine was set up afresh: its transmit samples are zero
  LineAlarms alarms_;
  bool layer1_up_ = false;
  bool send_ais_ = false;
  bool silent_ = false;
  tdm_framer::SpanStatus last_status_{};  // the kernel's totals, for differences
  std::uint64_t last_hdlc_errors_ = 0;
  LinePortCounters counters_;
};

}  // namespace sipnic::pri
