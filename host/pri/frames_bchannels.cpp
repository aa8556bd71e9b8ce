#include "pri/frames_bchannels.h"

#include <algorithm>

namespace sipnic::pri {

namespace {

tdm_mux::SpanLayout layout_of(const core::SpanConfig& c) {
  tdm_mux::SpanLayout l{};
  l.type = c.type == core::SpanType::kE1 ? tdm::kE1 : tdm::kT1;
  l.dchannel = c.d_channel == core::DChannelRole::kNone ? 0 : 1;
  return l;
}

}  // namespace

FramesBChannels::FramesBChannels(core::EventLoop& loop, const core::SpanConfig& config, BChannelSamples samples,
                                 core::Log* log)
    : samples_(std::move(samples)),
      layout_(layout_of(config)),
      block_octets_(tdm::kFramesPerBlock * tdm_mux::frame_octets(layout_.type)),
      peer_(loop, config.b_channels_socket, config.socket_role, tdm_mux::kSpanFrameBytes,
            SeqpacketPeer::Callbacks{[this](std::span<const std::uint8_t> d) { on_datagram(d); },
                                     [this](bool attached) {
                                       if (!attached) store_.clear();
                                     }},
            log, config.name, "B-channels"),
      clock_(loop, [this] { each_ms(); }) {
  to_send_.fill(layout_.type == tdm::kE1 ? 0xD5 : 0xFF);  // G.711 idle: A-law on E1, µ-law on T1
}

void FramesBChannels::start() {
  peer_.start();
  clock_.start();
}

void FramesBChannels::on_datagram(std::span<const std::uint8_t> datagram) {
  if (datagram.size() != block_octets_) {
    ++counters_.bad_blocks;
    peer_.log_line(core::LogLevel::kDebug, "block",
                   "dropped a B-channel datagram of " + std::to_string(datagram.size()) + " octets (a block is " +
                       std::to_string(block_octets_) + ")");
    return;
  }
  ++counters_.blocks_in;
  store_.push(datagram);
}

void FramesBChannels::each_ms() {
  std::uint32_t frames = 0;
  if (const auto* block = store_.take()) {
    std::array<std::uint8_t, tdm::kFramesPerBlock> dchannel{};
    tdm_mux::demux_batch(block->data(), &layout_, received_.data(), dchannel.data(), 1);
    frames = tdm::kFramesPerBlock;
  } else {
    received_.fill(0);
  }
  counters_.slips = store_.slips();
  if (samples_) samples_(received_, frames, to_send_);
  if (!peer_.attached()) return;
  std::array<std::uint8_t, tdm_mux::kSpanFrameBytes> out{};
  tdm_mux::mux_batch(to_send_.data(), no_dchannel_.data(), &layout_, out.data(), 1);
  if (peer_.send({out.data(), block_octets_})) {
    ++counters_.blocks_out;
  } else {
    ++counters_.send_drops;
  }
}

}  // namespace sipnic::pri
