#include "pri/frames_dchannel.h"

#include <algorithm>
#include <array>

#include "hdlc/hdlc.h"

namespace sipnic::pri {

namespace {

constexpr std::size_t kMinFrame = 3;  // address (2) and control (1)

}  // namespace

std::array<std::uint8_t, 2> frame_check_sequence(std::span<const std::uint8_t> frame) {
  std::uint16_t fcs = hdlc::kFcsInitial;
  for (std::uint8_t b : frame) fcs = hdlc::fcs_update(fcs, b);
  fcs = static_cast<std::uint16_t>(fcs ^ 0xFFFF);  // sent complemented
  return {static_cast<std::uint8_t>(fcs & 0xFF), static_cast<std::uint8_t>(fcs >> 8)};
}

bool frame_check_sequence_good(std::span<const std::uint8_t> octets) {
  std::uint16_t fcs = hdlc::kFcsInitial;
  for (std::uint8_t b : octets) fcs = hdlc::fcs_update(fcs, b);
  return fcs == hdlc::kFcsGoodResidue;
}

FramesDChannel::FramesDChannel(core::EventLoop& loop, std::string path, core::SpanSocketRole role,
                               Callbacks callbacks, core::Log* log, std::string name)
    : cb_(std::move(callbacks)),
      peer_(loop, std::move(path), role, kMaxFrame + 2,
            SeqpacketPeer::Callbacks{[this](std::span<const std::uint8_t> d) { on_datagram(d); },
                                     [this](bool attached) {
                                       peer_.log_line(core::LogLevel::kInfo, "",
                                                      attached ? "D-channel: layer 1 up" : "D-channel: layer 1 down");
                                       if (cb_.layer1) cb_.layer1(attached);
                                     }},
            log, std::move(name), "D-channel") {}

void FramesDChannel::start() { peer_.start(); }

const FramesDChannelCounters& FramesDChannel::counters() const {
  counters_.attaches = peer_.counters().attaches;
  counters_.refused_peers = peer_.counters().refused_peers;
  counters_.long_frames = peer_.counters().long_datagrams;
  return counters_;
}

void FramesDChannel::on_datagram(std::span<const std::uint8_t> octets) {
  const std::size_t len = octets.size();
  if (len < kMinFrame + 2) {
    ++counters_.short_frames;
    peer_.log_line(core::LogLevel::kDebug, "short", "dropped a datagram of " + std::to_string(len) + " octets: too short");
    return;
  }
  if (!frame_check_sequence_good(octets)) {
    ++counters_.bad_fcs;
    peer_.log_line(core::LogLevel::kDebug, "fcs", "dropped a frame of " + std::to_string(len - 2) + " octets: bad FCS");
    return;
  }
  ++counters_.frames_in;
  if (cb_.frame) cb_.frame(octets.first(len - 2));
}

bool FramesDChannel::send(std::span<const std::uint8_t> frame) {
  if (!peer_.attached() || frame.size() > kMaxFrame) {
    ++counters_.send_drops;
    return false;
  }
  std::array<std::uint8_t, kMaxFrame + 2> out;
  std::copy(frame.begin(), frame.end(), out.begin());
  const auto fcs = frame_check_sequence(frame);
  out[frame.size()] = fcs[0];
  out[frame.size() + 1] = fcs[1];
  if (!peer_.send({out.data(), frame.size() + 2})) {
    ++counters_.send_drops;  // Q.921 retransmits
    return false;
  }
  ++counters_.frames_out;
  return true;
}

}  // namespace sipnic::pri
