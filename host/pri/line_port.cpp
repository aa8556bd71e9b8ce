#include "pri/line_port.h"

#include <algorithm>

namespace sipnic::pri {

std::string line_alarms_text(const LineAlarms& a) {
  std::string out;
  auto add = [&out](const char* colour, std::initializer_list<std::pair<bool, const char*>> parts) {
    std::string inner;
    for (const auto& [on, name] : parts) {
      if (!on) continue;
      if (!inner.empty()) inner += ", ";
      inner += name;
    }
    if (inner.empty()) return;
    if (!out.empty()) out += ", ";
    out += std::string(colour) + " (" + inner + ")";
  };
  add("red", {{a.loss_of_signal, "LOS"}, {a.loss_of_frame && !a.alarm_indication, "LOF"}});
  add("blue", {{a.alarm_indication, "AIS"}});
  add("yellow", {{a.remote_alarm, "RAI"}});
  return out.empty() ? "ok" : out;
}

namespace {

offload::TdmSpanSetup setup_of(const core::SpanConfig& c) {
  return {c.type == core::SpanType::kE1 ? tdm::kE1 : tdm::kT1, c.type == core::SpanType::kE1 && c.crc4,
          c.d_channel != core::DChannelRole::kNone};
}

}  // namespace

LinePort::LinePort(core::EventLoop& loop, const core::SpanConfig& config, Callbacks callbacks, core::Log* log)
    : cb_(std::move(callbacks)),
      setup_(setup_of(config)),
      block_octets_(setup_.type == tdm::kE1 ? tdm_framer::kE1BlockOctets : tdm_framer::kT1BlockOctets),
      idle_code_(setup_.type == tdm::kE1 ? 0xD5 : 0xFF),
      peer_(loop, config.socket_path, config.socket_role, tdm_framer::kLineBlockOctets,
            SeqpacketPeer::Callbacks{[this](std::span<const std::uint8_t> d) { on_datagram(d); },
                                     [this](bool attached) {
                                       if (!attached) store_.clear();
                                     }},
            log, config.name, "line") {}

bool LinePort::send_frame(std::span<const std::uint8_t> frame) {
  if (outgoing_.size() >= kMaxQueuedFrames || frame.size() > hdlc::kQ921MaxFrameLength) {
    ++counters_.frame_drops;
    return false;
  }
  outgoing_.emplace_back(frame.begin(), frame.end());
  return true;
}

void LinePort::on_datagram(std::span<const std::uint8_t> datagram) {
  if (datagram.size() != block_octets_) {
    ++counters_.bad_blocks;
    peer_.log_line(core::LogLevel::kDebug, "block",
                   "dropped a line datagram of " + std::to_string(datagram.size()) + " octets (a block is " +
                       std::to_string(block_octets_) + ")");
    return;
  }
  ++counters_.blocks_in;
  silent_ms_ = 0;
  store_.push(datagram);
}

void LinePort::engine_reset() {
  fresh_ = true;
  last_status_ = {};
  last_hdlc_errors_ = 0;
  offered_ = false;
}

void LinePort::prepare(offload::TdmEngine& engine, std::uint32_t span) {
  offload::TdmLineOptions options;
  const auto line = engine.receive_line(span);
  if (!peer_.attached() || silent_ms_ >= kSilenceMs) {
    std::fill(line.begin(), line.end(), 0);  // no signal
  } else if (const auto* block = store_.take()) {
    std::copy(block->begin(), block->end(), line.begin());
  } else {
    options.receive_present = false;  // filling, or a slip
  }
  counters_.slips = store_.slips();
  ++silent_ms_;
  options.send_ais = send_ais_;
  engine.set_line_options(span, options);
  if (!cb_.samples || fresh_) {
    auto samples = engine.transmit_timeslots(span);
    std::fill(samples.begin(), samples.end(), idle_code_);
    fresh_ = false;
  }
  offered_ = !outgoing_.empty() && engine.offer_frame(span, outgoing_.front());
}

void LinePort::deliver(std::span<const std::uint8_t> frame) {
  ++counters_.frames_in;
  if (cb_.frame) cb_.frame(frame);
}

void LinePort::finish(offload::TdmEngine& engine, std::uint32_t span) {
  if (offered_ && engine.offer_status(span) == hdlc::kAccepted) {
    outgoing_.pop_front();
    ++counters_.frames_out;
  } else if (offered_ && engine.offer_status(span) == hdlc::kRejected) {
    outgoing_.pop_front();
    ++counters_.frame_drops;
  }
  offered_ = false;
  if (peer_.attached() && !silent_) {
    if (peer_.send(engine.transmit_line(span))) {
      ++counters_.blocks_out;
    } else {
      ++counters_.send_drops;
    }
  }
  take_status(engine.status(span), engine.dchannel_receive_counters(span));
  if (cb_.samples) cb_.samples(engine.receive_timeslots(span), engine.status(span).received_frames,
                               engine.transmit_timeslots(span));
}

void LinePort::take_status(const tdm_framer::SpanStatus& s, const hdlc::ReceiveCounters& h) {
  // The kernels' counters are totals that wrap at 2^32: add the differences.
  auto grow = [](std::uint64_t& total, std::uint32_t now, std::uint32_t before) {
    total += static_cast<std::uint32_t>(now - before);
  };
  grow(counters_.crc_errors, s.crc_errors, last_status_.crc_errors);
  grow(counters_.far_end_block_errors, s.far_end_block_errors, last_status_.far_end_block_errors);
  grow(counters_.framing_errors, s.framing_errors, last_status_.framing_errors);
  grow(counters_.alignment_losses, s.alignment_losses, last_status_.alignment_losses);
  last_status_ = s;
  const std::uint64_t hdlc_errors =
      std::uint64_t{h.fcs_errors} + h.aborts + h.misaligned + h.too_short + h.too_long;
  if (hdlc_errors > last_hdlc_errors_) counters_.dchannel_errors += hdlc_errors - last_hdlc_errors_;
  last_hdlc_errors_ = hdlc_errors;

  LineAlarms now;
  now.loss_of_frame = (s.flags & tdm_framer::kStatusAligned) == 0;
  now.loss_of_signal = (s.flags & tdm_framer::kStatusLossOfSignal) != 0;
  now.alarm_indication = (s.flags & tdm_framer::kStatusAlarmIndication) != 0;
  now.remote_alarm = (s.flags & tdm_framer::kStatusRemoteAlarm) != 0;
  if (now == alarms_) return;
  alarms_ = now;
  const bool up = now.in_frame();
  // Keyed by the state, so each change is logged and only a line flapping
  // between states is held back (per state, 10 s).
  const std::string text = line_alarms_text(now);
  peer_.log_line(up && !now.remote_alarm ? core::LogLevel::kInfo : core::LogLevel::kWarn, "line " + text,
                 "line " + text + (up ? ": in frame" : ": out of frame") +
                     (up != layer1_up_ ? (up ? ", layer 1 up" : ", layer 1 down") : ""));
  if (cb_.alarms) cb_.alarms(now);
  if (up != layer1_up_) {
    layer1_up_ = up;
    if (cb_.layer1) cb_.layer1(up);
  }
}

}  // namespace sipnic::pri
