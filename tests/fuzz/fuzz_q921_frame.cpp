// libFuzzer target: Q.921 frames as a D-channel delivers them, and the data
// link that reads them. Checked:
//   - decode_frame (from either side) never crashes, reads out of bounds or
//     trips UBSan; a frame it accepts encodes back to the same bytes (an
//     FRMR, whose spare bits are not kept, to bytes that decode to the same
//     frame);
//   - a pri::Q921Link fed the input as a script (below) of received frames,
//     layer 3 requests, layer 1 changes and time never crashes, and keeps
//     its invariants after every step: at most k frames outstanding, at most
//     max_queued queued, every frame it sends decodes and is for SAPI 0 TEI 0.
// The script: byte 0 picks the side (bit 0); then the link is established
// (its SABME answered by UA) and each byte is an op: 0x00-0xEF a frame of
// that many following bytes, received; 0xF0-0xFF: time forward (1 ms,
// 100 ms, T200, T203), DL-DATA-REQ (length from the next byte),
// DL-ESTABLISH-REQ, DL-RELEASE-REQ, own receiver busy on/off, layer 1
// down/up.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/clock.h"
#include "core/event_loop.h"
#include "pri/q921_frame.h"
#include "pri/q921_link.h"

using namespace sipnic;
using namespace std::chrono_literals;

namespace {

void check_codec(std::span<const std::uint8_t> bytes) {
  for (pri::Side sender : {pri::Side::kUser, pri::Side::kNetwork}) {
    auto r = pri::decode_frame(bytes, sender);
    if (!r) continue;
    auto again = pri::encode_frame(r.frame, sender);
    if (r.frame.type == pri::FrameType::kFRMR) {
      auto back = pri::decode_frame(again, sender);
      if (!back || !(back.frame == r.frame)) std::abort();
    } else if (!std::ranges::equal(again, bytes)) {
      std::abort();
    }
  }
}

void check_link(std::span<const std::uint8_t> script) {
  if (script.empty()) return;
  // A loop of its own per input: nothing carries over from one to the next.
  core::ManualClock clock;
  core::EventLoop loop(clock);
  pri::Q921Config cfg;
  cfg.side = (script[0] & 1) ? pri::Side::kNetwork : pri::Side::kUser;
  cfg.n201 = 32;  // so that the fuzzer reaches "longer than N201"
  cfg.max_queued = 16;
  const pri::Side peer = pri::other_side(cfg.side);

  pri::Q921Link::Callbacks cb;
  cb.send_frame = [&cfg](std::span<const std::uint8_t> frame) {
    auto r = pri::decode_frame(frame, cfg.side);
    if (!r || r.frame.sapi != 0 || r.frame.tei != 0) std::abort();
  };
  cb.to_layer3 = [](const pri::DlIndication& ind) {
    volatile std::size_t n = ind.message.size();  // the message is readable
    if (n) (void)ind.message[n - 1];
  };
  pri::Q921Link link(loop, cfg, std::move(cb));
  link.establish_request();
  link.receive(pri::encode_frame(pri::Frame{.type = pri::FrameType::kUA, .command = false, .poll_final = true}, peer));

  const std::vector<std::uint8_t> message(64, 0x5A);
  std::size_t i = 1;
  while (i < script.size()) {
    const std::uint8_t op = script[i++];
    if (op < 0xF0) {
      const std::size_t n = std::min<std::size_t>(op, script.size() - i);
      link.receive(script.subspan(i, n));
      i += n;
    } else {
      switch (op) {
        case 0xF0: loop.advance(clock, 100ms); break;
        case 0xF1: loop.advance(clock, cfg.t200); break;
        case 0xF2: loop.advance(clock, cfg.t203); break;
        case 0xF3: {
          const std::size_t n = i < script.size() ? script[i++] % message.size() : 1;
          (void)link.data_request(std::span(message).first(n));
          break;
        }
        case 0xF4: link.establish_request(); break;
        case 0xF5: link.release_request(); break;
        case 0xF6: link.set_own_receiver_busy(true); break;
        case 0xF7: link.set_own_receiver_busy(false); break;
        case 0xF8: link.layer1_down(); break;
        case 0xF9: link.layer1_up(); break;
        default: loop.advance(clock, 1ms); break;
      }
    }
    if (((link.v_s() - link.v_a()) & 0x7F) > cfg.k) std::abort();
    if (link.queued() > cfg.max_queued) std::abort();
    if (link.established() != (link.state() == pri::LinkState::kMultipleFrameEstablished ||
                               link.state() == pri::LinkState::kTimerRecovery)) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  check_codec(input);
  check_link(input);
  return 0;
}
