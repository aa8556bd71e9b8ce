// bench/tdm: the TDM kernels (hls/, their C simulation compiled natively,
// -O3) on one core.
//
//   1. E1 lines in real time: one batch of 64 E1 spans (1,920 B-channels),
//      each 1 ms call framing and deframing the line (tdm_framer, CRC-4),
//      demultiplexing and multiplexing the timeslots (tdm_mux) and receiving
//      and sending the D-channels (hdlc), the line looped back so that every
//      span is aligned and its D-channel carries frames. E1 lines per core =
//      64 spans / (the time of one call / 1 ms); the target: 64 lines in
//      under a quarter of a core.
//   2. HDLC receive throughput against spandsp's HDLC receiver (the peer,
//      Debian's libspandsp) on the same line bits: 64 D-channels of frames
//      back to back.
//
// BENCH tdm.e1_lines_per_core, tdm.core_fraction_64_e1, tdm.hdlc_mbit_per_s,
// tdm.spandsp_hdlc_mbit_per_s, tdm.hdlc_ratio_vs_spandsp. Figures are host
// CPU time of the C simulation, not projections of the kernels' cycles.
#include <spandsp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "hdlc/hdlc.h"
#include "tdm_framer/tdm_framer.h"
#include "tdm_mux/tdm_mux.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kSpans = 64;
constexpr std::uint32_t kFrame = 100;  // D-channel frame octets (a SETUP-sized I frame)

// One batch of E1 spans and everything the three kernels keep between calls.
struct Batch {
  std::vector<sipnic::tdm_framer::SpanControl> controls;
  std::vector<sipnic::tdm_framer::SpanState> framer_states;
  std::vector<sipnic::tdm_framer::SpanStatus> statuses;
  std::vector<std::uint8_t> tx_payload, tx_line, rx_line, rx_payload;
  std::vector<sipnic::tdm_mux::SpanLayout> layouts;
  std::vector<std::uint8_t> rx_timeslots, rx_dchannels, tx_timeslots, tx_dchannels;
  std::vector<sipnic::hdlc::ReceiveState> hdlc_rx;
  std::vector<sipnic::hdlc::TransmitState> hdlc_tx;
  std::vector<sipnic::hdlc::ReceivedFrame> frames;
  std::vector<std::uint8_t> frame_octets, tx_octets, tx_status;
  std::vector<sipnic::hdlc::TransmitRequest> requests;
  sipnic::hdlc::ReceiveSummary summary{};
  std::uint64_t frames_received = 0;

  Batch()
      : controls(kSpans),
        framer_states(kSpans),
        statuses(kSpans),
        tx_payload(kSpans * sipnic::tdm_framer::kPayloadBlockOctets),
        tx_line(kSpans * sipnic::tdm_framer::kLineBlockOctets),
        rx_line(kSpans * sipnic::tdm_framer::kLineBlockOctets),
        rx_payload(kSpans * sipnic::tdm_framer::kPayloadBlockOctets),
        layouts(kSpans),
        rx_timeslots(kSpans * sipnic::tdm_mux::kSpanTimeslotBytes),
        rx_dchannels(kSpans * sipnic::tdm_mux::kFramesPerBlock),
        tx_timeslots(kSpans * sipnic::tdm_mux::kSpanTimeslotBytes),
        tx_dchannels(kSpans * sipnic::tdm_mux::kFramesPerBlock),
        hdlc_rx(kSpans),
        hdlc_tx(kSpans),
        frames(sipnic::hdlc::receive_frame_capacity(kSpans)),
        frame_octets(sipnic::hdlc::receive_octet_capacity(kSpans, sipnic::hdlc::kQ921MaxFrameLength)),
        tx_octets(kFrame),
        tx_status(kSpans),
        requests(kSpans) {
    std::memset(framer_states.data(), 0, framer_states.size() * sizeof(framer_states[0]));
    std::memset(hdlc_rx.data(), 0, hdlc_rx.size() * sizeof(hdlc_rx[0]));
    std::memset(hdlc_tx.data(), 0, hdlc_tx.size() * sizeof(hdlc_tx[0]));
    for (auto& c : controls) c = sipnic::tdm_framer::SpanControl{sipnic::tdm::kE1, sipnic::tdm_framer::kOptionCrc4, {}};
    for (auto& l : layouts) l = sipnic::tdm_mux::SpanLayout{sipnic::tdm::kE1, 1, {}};
    for (std::uint32_t i = 0; i < kFrame; ++i) tx_octets[i] = static_cast<std::uint8_t>(i * 7 + 1);
    for (std::size_t i = 0; i < tx_timeslots.size(); ++i) tx_timeslots[i] = static_cast<std::uint8_t>(i);
  }

  // 1 ms of every span, both directions; the line looped back.
  void call() {
    tdm_framer(controls.data(), tx_payload.data(), tx_line.data(), rx_line.data(), rx_payload.data(),
               framer_states.data(), statuses.data(), kSpans);
    std::swap(tx_line, rx_line);  // what was sent arrives next millisecond
    for (auto& r : requests) r = sipnic::hdlc::TransmitRequest{0, static_cast<std::uint16_t>(kFrame), 0};
    hdlc(rx_dchannels.data(), hdlc_rx.data(), frames.data(), frame_octets.data(), &summary, requests.data(),
         tx_octets.data(), hdlc_tx.data(), tx_dchannels.data(), tx_status.data(), kSpans,
         sipnic::hdlc::kQ921MinFrameLength, sipnic::hdlc::kQ921MaxFrameLength,
         static_cast<std::uint32_t>(frames.size()), static_cast<std::uint32_t>(frame_octets.size()), kFrame);
    frames_received += summary.frame_count;
    tdm_mux(rx_payload.data(), rx_timeslots.data(), rx_dchannels.data(), tx_timeslots.data(), tx_dchannels.data(),
            tx_payload.data(), layouts.data(), kSpans);
  }
};

// 64 D-channels of line bits: frames of kFrame octets back to back, one
// second of each (1,000 calls of 8 octets), made by the kernel's transmitter.
std::vector<std::uint8_t> dchannel_line(std::uint32_t calls) {
  sipnic::hdlc::TransmitState tx;
  std::memset(&tx, 0, sizeof tx);
  std::vector<std::uint8_t> frame(kFrame);
  for (std::uint32_t i = 0; i < kFrame; ++i) frame[i] = static_cast<std::uint8_t>(i * 13 + 5);
  std::vector<std::uint8_t> one(calls * sipnic::hdlc::kOctetsPerChannel);
  for (std::uint32_t c = 0; c < calls; ++c) {
    // Flags only in the first call, so that the line starts with one.
    sipnic::hdlc::TransmitRequest req{0, static_cast<std::uint16_t>(c == 0 ? 0 : kFrame), 0};
    std::uint8_t status = 0;
    sipnic::hdlc::transmit_batch(&req, frame.data(), &tx, &one[c * sipnic::hdlc::kOctetsPerChannel], &status, 1,
                                 kFrame);
  }
  return one;
}

// spandsp's frame handler; a negative length is a status report (framing OK), not a frame.
void count_frame(void* user, const std::uint8_t*, int len, int ok) {
  if (ok && len > 0) ++*static_cast<std::uint64_t*>(user);
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

int main() {
  // ---- 1. 64 E1 lines
  Batch batch;
  for (int i = 0; i < 200; ++i) batch.call();  // alignment, CRC-4 multiframe, HDLC in step
  std::uint32_t aligned = 0;
  for (const auto& s : batch.statuses) aligned += (s.flags & sipnic::tdm_framer::kStatusAligned) ? 1 : 0;
  if (aligned != kSpans || batch.frames_received == 0) {
    std::fprintf(stderr, "tdm: the looped lines did not align (%u of %u) or carried no frames\n", aligned, kSpans);
    return 1;
  }
  std::uint64_t calls = 0;
  const auto t0 = Clock::now();
  while (seconds_since(t0) < 1.0 || calls < 1000) {
    for (int i = 0; i < 100; ++i) batch.call();
    calls += 100;
  }
  const double per_call = seconds_since(t0) / static_cast<double>(calls);
  const double fraction = per_call / 0.001;  // of one core, for 64 lines in real time
  const double lines_per_core = kSpans / fraction;

  // ---- 2. HDLC receive: the kernel vs spandsp on the same bits
  constexpr std::uint32_t kCalls = 1000;
  const std::vector<std::uint8_t> one = dchannel_line(kCalls);
  std::vector<std::uint8_t> line(kSpans * sipnic::hdlc::kOctetsPerChannel);
  std::vector<sipnic::hdlc::ReceiveState> rx(kSpans);
  std::vector<sipnic::hdlc::ReceivedFrame> frames(sipnic::hdlc::receive_frame_capacity(kSpans));
  std::vector<std::uint8_t> octets(sipnic::hdlc::receive_octet_capacity(kSpans, sipnic::hdlc::kQ921MaxFrameLength));
  auto sipnic_pass = [&](std::uint64_t& got) {
    std::memset(rx.data(), 0, rx.size() * sizeof(rx[0]));
    for (std::uint32_t c = 0; c < kCalls; ++c) {
      for (std::uint32_t s = 0; s < kSpans; ++s)
        std::memcpy(&line[s * sipnic::hdlc::kOctetsPerChannel], &one[c * sipnic::hdlc::kOctetsPerChannel],
                    sipnic::hdlc::kOctetsPerChannel);
      sipnic::hdlc::ReceiveSummary summary{};
      sipnic::hdlc::receive_batch(line.data(), rx.data(), frames.data(), octets.data(), &summary, kSpans,
                                  sipnic::hdlc::kQ921MinFrameLength, sipnic::hdlc::kQ921MaxFrameLength,
                                  static_cast<std::uint32_t>(frames.size()), static_cast<std::uint32_t>(octets.size()));
      got += summary.frame_count;
    }
  };
  std::vector<hdlc_rx_state_t*> peers(kSpans);
  std::uint64_t peer_frames = 0;
  for (auto& p : peers) p = hdlc_rx_init(nullptr, false, false, 1, count_frame, &peer_frames);
  auto spandsp_pass = [&]() {
    for (auto* p : peers) hdlc_rx_restart(p);
    for (std::uint32_t c = 0; c < kCalls; ++c)
      for (std::uint32_t s = 0; s < kSpans; ++s)
        for (std::uint32_t o = 0; o < sipnic::hdlc::kOctetsPerChannel; ++o)
          hdlc_rx_put_byte(peers[s], one[c * sipnic::hdlc::kOctetsPerChannel + o]);
  };
  std::uint64_t ours = 0;
  sipnic_pass(ours);
  spandsp_pass();
  if (ours == 0 || ours != peer_frames) {
    std::fprintf(stderr, "tdm: the receivers disagree: sipnic %llu frames, spandsp %llu\n",
                 static_cast<unsigned long long>(ours), static_cast<unsigned long long>(peer_frames));
    return 1;
  }
  const double bits = static_cast<double>(kSpans) * kCalls * sipnic::hdlc::kOctetsPerChannel * 8;
  auto rate = [&](auto pass) {
    int passes = 0;
    const auto start = Clock::now();
    while (seconds_since(start) < 1.0 || passes < 3) {
      pass();
      ++passes;
    }
    return bits * passes / seconds_since(start) / 1e6;
  };
  const double sipnic_mbit = rate([&] {
    std::uint64_t n = 0;
    sipnic_pass(n);
  });
  const double spandsp_mbit = rate(spandsp_pass);
  for (auto* p : peers) hdlc_rx_free(p);

  std::printf("%-44s %12s\n", "figure", "value");
  std::printf("%-44s %12.3f ms\n", "one call: 64 E1 spans, 1 ms, both directions", per_call * 1e3);
  std::printf("%-44s %12.1f\n", "E1 lines per core in real time", lines_per_core);
  std::printf("%-44s %12.3f\n", "core fraction for 64 E1 lines (target < 0.25)", fraction);
  std::printf("%-44s %12.1f Mbit/s\n", "HDLC receive, sipnic kernel (C simulation)", sipnic_mbit);
  std::printf("%-44s %12.1f Mbit/s\n", "HDLC receive, spandsp hdlc_rx_put_byte", spandsp_mbit);
  std::printf("BENCH tdm.e1_lines_per_core %.1f lines\n", lines_per_core);
  std::printf("BENCH tdm.core_fraction_64_e1 %.3f cores\n", fraction);
  std::printf("BENCH tdm.hdlc_mbit_per_s %.1f Mbit/s\n", sipnic_mbit);
  std::printf("BENCH tdm.spandsp_hdlc_mbit_per_s %.1f Mbit/s\n", spandsp_mbit);
  std::printf("BENCH tdm.hdlc_ratio_vs_spandsp %.2f x\n", sipnic_mbit / spandsp_mbit);
  return 0;
}
