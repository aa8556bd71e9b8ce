// offload::TdmEngine: the TDM datapath of a worker's line spans, the three
// HLS kernels of hls/ (docs/kernels.md, "HLS kernels") over every span of
// the worker in one batch, 1 ms of line per run():
//
//   1. tdm_framer  the received line block -> receive payload (alignment,
//                  alarms, CRC); the transmit payload the last run built ->
//                  the line block to send
//   2. tdm_mux     receive payload -> per-timeslot sample blocks and the
//                  D-channel octets; the host's transmit samples and the
//                  D-channel octets the last run's hdlc made -> the next
//                  transmit payload
//   3. hdlc        D-channel octets -> received Q.921 frames; the frame the
//                  host offers -> the next run's D-channel octets
//
// So what arrives is delivered in the same run, and what the host hands in
// goes out on the line two runs (2 ms) later, as on a card whose kernels run
// one after another every millisecond: three kernel starts per run, each over
// every span. The buffers below are the kernels' argument memory, in the
// kernels' formats; the host fills and reads them through the accessors, and
// a backend moves them to its kernels and back.
//
// Backends (offload::Device::make_tdm_engine): cpu runs the kernels' HLS C++
// compiled natively, which is their C simulation (CpuTdmEngine); sim does the
// same (the HLS kernels have no RTL of their own here: Vitis HLS, which would
// make it, is not on this machine); xrt runs the packaged kernels on a card
// (XrtTdmEngine, xrt_tdm_engine.h). One engine per worker thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hdlc/hdlc.h"
#include "tdm_framer/tdm_framer.h"
#include "tdm_mux/tdm_mux.h"

namespace sipnic::offload {

struct TdmSpanSetup {
  tdm::SpanType type = tdm::kE1;
  bool crc4 = true;  // E1: the CRC-4 multiframe, sent and required (ignored on T1)
  // The D-channel position (E1 timeslot 16, T1 channel 24) carries the
  // D-channel; false on an NFAS span without one, where it is a B-channel
  // like the others (tdm_mux's SpanLayout::dchannel).
  bool dchannel = true;
};

// What the host says about a span for the next run.
struct TdmLineOptions {
  bool receive_present = true;     // false: no line block arrived this ms (a slip: the receiver waits)
  bool send_ais = false;           // send unframed all ones (AIS, blue) instead of frames
  bool send_remote_alarm = false;  // send RAI / yellow though nothing is wrong here
};

// A D-channel frame received in the last run, FCS removed.
struct TdmReceivedFrame {
  std::uint32_t span;
  std::span<const std::uint8_t> octets;  // valid until the next run
};

class TdmEngine {
 public:
  virtual ~TdmEngine() = default;
  TdmEngine() = default;
  TdmEngine(const TdmEngine&) = delete;
  TdmEngine& operator=(const TdmEngine&) = delete;

  // Sets up spans 0 .. spans.size() - 1 (at most tdm::kMaxSpans; throws
  // std::length_error beyond), every one starting afresh: out of frame,
  // nothing queued, counters zero.
  void configure(std::span<const TdmSpanSetup> spans);
  std::uint32_t span_count() const { return span_count_; }
  const TdmSpanSetup& setup(std::uint32_t span) const { return setups_[span]; }

  // ---- before run() ----
  // The line block received for the next run: tdm_framer::kE1BlockOctets or
  // kT1BlockOctets used (of kLineBlockOctets). Kept as written.
  std::span<std::uint8_t> receive_line(std::uint32_t span);
  void set_line_options(std::uint32_t span, const TdmLineOptions& options);
  // The samples to send, tdm_mux's timeslot block: position p (E1 timeslot
  // p, T1 channel p + 1) at p * tdm::kFramesPerBlock, one octet per frame.
  // Kept as written; the D-channel position is hdlc's, E1 timeslot 0 the
  // framer's.
  std::span<std::uint8_t> transmit_timeslots(std::uint32_t span);
  // Offers one D-channel frame (FCS excluded) to the next run; false when it
  // is longer than hdlc::kMaxFrameLength. An offer is for one run only: the
  // run answers it in offer_status().
  bool offer_frame(std::uint32_t span, std::span<const std::uint8_t> frame);

  // Runs the three kernels over every span.
  void run();

  // ---- after run() ----
  // The line block to send: block_octets(span) octets.
  std::span<const std::uint8_t> transmit_line(std::uint32_t span) const;
  std::uint32_t block_octets(std::uint32_t span) const;
  const tdm_framer::SpanStatus& status(std::uint32_t span) const { return statuses_[span]; }
  // The samples received, the timeslot block as transmit_timeslots lays it
  // out; valid for positions 0 .. status().received_frames - 1 of each block.
  std::span<const std::uint8_t> receive_timeslots(std::uint32_t span) const;
  // What the run did with this span's offer.
  hdlc::TransmitStatus offer_status(std::uint32_t span) const {
    return static_cast<hdlc::TransmitStatus>(transmit_status_[span]);
  }
  const std::vector<TdmReceivedFrame>& received_frames() const { return received_; }
  const hdlc::ReceiveCounters& dchannel_receive_counters(std::uint32_t span) const {
    return hdlc_receive_states_[span].counters;
  }
  const hdlc::TransmitCounters& dchannel_transmit_counters(std::uint32_t span) const {
    return hdlc_transmit_states_[span].counters;
  }

 protected:
  // Runs tdm_framer, tdm_mux and hdlc, in that order, over the argument
  // memory below (span_count_ spans, one D-channel each; hdlc runs over a
  // span without one too, on the zeros tdm_mux gives it, and finds nothing).
  virtual void run_kernels() = 0;
  // Called at the end of configure(), once the buffers below are reset: a
  // backend that keeps some of them on a device (the state arrays) uploads
  // them again before the next run.
  virtual void on_configured() {}

  // The kernels' argument memory, one slot per span (docs/kernels.md).
  std::uint32_t span_count_ = 0;
  std::vector<TdmSpanSetup> setups_;
  // tdm_framer
  std::vector<tdm_framer::SpanControl> controls_;
  std::vector<std::uint8_t> transmit_payload_;  // kPayloadBlockOctets per span
  std::vector<std::uint8_t> transmit_line_;     // kLineBlockOctets per span
  std::vector<std::uint8_t> receive_line_;
  std::vector<std::uint8_t> receive_payload_;
  std::vector<tdm_framer::SpanState> framer_states_;
  std::vector<tdm_framer::SpanStatus> statuses_;
  // tdm_mux
  std::vector<tdm_mux::SpanLayout> layouts_;
  std::vector<std::uint8_t> receive_timeslots_;   // kSpanTimeslotBytes per span
  std::vector<std::uint8_t> receive_dchannels_;   // kFramesPerBlock per span
  std::vector<std::uint8_t> transmit_timeslots_;
  std::vector<std::uint8_t> transmit_dchannels_;
  // hdlc (channel c is span c's D-channel)
  std::vector<hdlc::ReceiveState> hdlc_receive_states_;
  std::vector<hdlc::ReceivedFrame> hdlc_frames_;
  std::vector<std::uint8_t> hdlc_frame_octets_;
  hdlc::ReceiveSummary hdlc_summary_{};
  std::vector<hdlc::TransmitRequest> transmit_requests_;
  std::vector<std::uint8_t> transmit_octets_;  // hdlc::kMaxFrameLength per span
  std::vector<hdlc::TransmitState> hdlc_transmit_states_;
  std::vector<std::uint8_t> transmit_status_;

 private:
  std::vector<TdmReceivedFrame> received_;
};

// The C simulation of the kernels, compiled natively: the cpu backend (and,
// for these kernels, the sim one).
class CpuTdmEngine final : public TdmEngine {
 protected:
  void run_kernels() override;
};

}  // namespace sipnic::offload
