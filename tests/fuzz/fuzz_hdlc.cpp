// libFuzzer target: the HDLC kernel's receiver (hls/hdlc, its C simulation)
// fed the input as the line bits of a few D-channels, 1 ms (8 timeslot
// octets per channel) per call, the channels' states kept between calls as
// the kernel keeps them. Checked:
//   - nothing reads or writes outside the buffers, nothing trips UBSan;
//   - every call succeeds and stays within its output capacities; every
//     frame it delivers lies inside the octets it wrote, on a channel of the
//     batch, between the minimum and maximum frame length;
//   - what was delivered, sent again through the kernel's transmitter on a
//     clean line and received again, comes back the same (framer and
//     deframer agree on every frame the fuzzer makes them accept).
// Byte 0: channels (bits 0-1, 1-4) and the frame length limits (bit 2: the
// Q.921 ones, else the kernel's floor and ceiling); the rest is line.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "hdlc/hdlc.h"

namespace {

using namespace sipnic::hdlc;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Frame {
  uint16_t channel;
  std::vector<uint8_t> octets;
  bool operator==(const Frame&) const = default;
};

// One receive call over `line` (kOctetsPerChannel per channel); appends the frames.
void receive(const uint8_t* line, std::vector<ReceiveState>& states, uint32_t channels, uint32_t min_len,
             uint32_t max_len, std::vector<Frame>& out) {
  std::vector<ReceivedFrame> frames(receive_frame_capacity(channels));
  std::vector<uint8_t> octets(receive_octet_capacity(channels, max_len));
  ReceiveSummary summary{};
  receive_batch(line, states.data(), frames.data(), octets.data(), &summary, channels, min_len, max_len,
                static_cast<uint32_t>(frames.size()), static_cast<uint32_t>(octets.size()));
  check(summary.status == kOk);
  check(summary.frame_count <= frames.size() && summary.octet_count <= octets.size());
  for (uint32_t i = 0; i < summary.frame_count; ++i) {
    const ReceivedFrame& f = frames[i];
    check(f.channel < channels);
    check(f.length >= min_len && f.length <= max_len);
    check(f.offset + f.length <= summary.octet_count);
    out.push_back(Frame{f.channel, std::vector<uint8_t>(octets.begin() + f.offset, octets.begin() + f.offset + f.length)});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint32_t channels = (data[0] & 3) + 1;
  const bool q921 = (data[0] & 4) != 0;
  const uint32_t min_len = q921 ? kQ921MinFrameLength : kMinFrameLengthFloor;
  const uint32_t max_len = q921 ? kQ921MaxFrameLength : kMaxFrameLength;
  const uint32_t per_call = channels * kOctetsPerChannel;
  std::vector<ReceiveState> states(channels);
  std::memset(states.data(), 0, states.size() * sizeof(ReceiveState));
  std::vector<Frame> got;
  std::vector<uint8_t> line(per_call);
  for (size_t at = 1; at < size; at += per_call) {
    std::fill(line.begin(), line.end(), 0xFF);  // idle ones after the input ends
    std::memcpy(line.data(), data + at, std::min<size_t>(per_call, size - at));
    receive(line.data(), states, channels, min_len, max_len, got);
  }

  // Every frame again through the transmitter, one channel each in turn, and back.
  if (got.empty()) return 0;
  std::vector<TransmitState> tx(1);
  std::memset(tx.data(), 0, sizeof(TransmitState));
  std::vector<ReceiveState> rx(1);
  std::memset(rx.data(), 0, sizeof(ReceiveState));
  std::vector<Frame> again;
  std::size_t next = 0;
  std::vector<uint8_t> out(kOctetsPerChannel);
  // Enough calls for every frame at its longest with full bit stuffing, and flags.
  const std::size_t calls = got.size() * ((max_len + 4) * 10 / 8 / kOctetsPerChannel + 3) + 8;
  for (std::size_t call = 0; call < calls; ++call) {
    TransmitRequest req{0, 0, 0};
    std::vector<uint8_t> octets;
    if (next < got.size()) {
      octets = got[next].octets;
      req.length = static_cast<uint16_t>(octets.size());
    }
    uint8_t status = 0;
    transmit_batch(&req, octets.data(), tx.data(), out.data(), &status, 1, static_cast<uint32_t>(octets.size()));
    if (status == kAccepted) ++next;
    check(status != kRejected);
    receive(out.data(), rx, 1, min_len, max_len, again);
  }
  check(again.size() == got.size());
  for (std::size_t i = 0; i < got.size(); ++i) check(again[i].octets == got[i].octets);
  return 0;
}
