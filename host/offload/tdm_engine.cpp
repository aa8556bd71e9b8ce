#include "offload/tdm_engine.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sipnic::offload {

namespace {

constexpr std::uint32_t kMaxFrameLength = hdlc::kQ921MaxFrameLength;
constexpr std::uint32_t kMinFrameLength = hdlc::kQ921MinFrameLength;

template <typename T>
void reset(std::vector<T>& v, std::size_t n) {
  v.assign(n, T{});
}

}  // namespace

void TdmEngine::configure(std::span<const TdmSpanSetup> spans) {
  if (spans.size() > tdm::kMaxSpans)
    throw std::length_error("TdmEngine: " + std::to_string(spans.size()) + " spans; a batch holds at most " +
                            std::to_string(tdm::kMaxSpans));
  const std::size_t n = spans.size();
  span_count_ = static_cast<std::uint32_t>(n);
  setups_.assign(spans.begin(), spans.end());
  reset(controls_, n);
  reset(layouts_, n);
  for (std::size_t s = 0; s < n; ++s) {
    const bool e1 = spans[s].type == tdm::kE1;
    controls_[s].type = spans[s].type;
    controls_[s].options = e1 && spans[s].crc4 ? tdm_framer::kOptionCrc4 : 0;
    layouts_[s].type = spans[s].type;
    layouts_[s].dchannel = spans[s].dchannel ? 1 : 0;
  }
  reset(transmit_payload_, n * tdm_framer::kPayloadBlockOctets);
  reset(transmit_line_, n * tdm_framer::kLineBlockOctets);
  reset(receive_line_, n * tdm_framer::kLineBlockOctets);
  reset(receive_payload_, n * tdm_framer::kPayloadBlockOctets);
  reset(framer_states_, n);
  reset(statuses_, n);
  reset(receive_timeslots_, n * tdm_mux::kSpanTimeslotBytes);
  reset(receive_dchannels_, n * tdm::kFramesPerBlock);
  reset(transmit_timeslots_, n * tdm_mux::kSpanTimeslotBytes);
  // Until hdlc has run once, the D-channels send flags.
  transmit_dchannels_.assign(n * tdm::kFramesPerBlock, hdlc::kFlag);
  reset(hdlc_receive_states_, n);
  reset(hdlc_frames_, hdlc::receive_frame_capacity(span_count_));
  reset(hdlc_frame_octets_, hdlc::receive_octet_capacity(span_count_, kMaxFrameLength));
  hdlc_summary_ = {};
  reset(transmit_requests_, n);
  reset(transmit_octets_, n * hdlc::kMaxFrameLength);
  reset(hdlc_transmit_states_, n);
  reset(transmit_status_, n);
  received_.clear();
  on_configured();
}

std::span<std::uint8_t> TdmEngine::receive_line(std::uint32_t span) {
  return {receive_line_.data() + std::size_t{span} * tdm_framer::kLineBlockOctets, tdm_framer::kLineBlockOctets};
}

void TdmEngine::set_line_options(std::uint32_t span, const TdmLineOptions& options) {
  std::uint8_t o = controls_[span].options & tdm_framer::kOptionCrc4;
  if (!options.receive_present) o |= tdm_framer::kOptionSkipReceive;
  if (options.send_ais) o |= tdm_framer::kOptionSendAis;
  if (options.send_remote_alarm) o |= tdm_framer::kOptionSendRemoteAlarm;
  controls_[span].options = o;
}

std::span<std::uint8_t> TdmEngine::transmit_timeslots(std::uint32_t span) {
  return {transmit_timeslots_.data() + std::size_t{span} * tdm_mux::kSpanTimeslotBytes, tdm_mux::kSpanTimeslotBytes};
}

bool TdmEngine::offer_frame(std::uint32_t span, std::span<const std::uint8_t> frame) {
  if (frame.size() > hdlc::kMaxFrameLength) return false;
  const std::size_t offset = std::size_t{span} * hdlc::kMaxFrameLength;
  std::copy(frame.begin(), frame.end(), transmit_octets_.begin() + static_cast<std::ptrdiff_t>(offset));
  transmit_requests_[span] = {static_cast<std::uint32_t>(offset), static_cast<std::uint16_t>(frame.size()), 0};
  return true;
}

void TdmEngine::run() {
  received_.clear();
  if (span_count_ == 0) return;
  run_kernels();
  for (std::uint32_t i = 0; i < hdlc_summary_.frame_count; ++i) {
    const hdlc::ReceivedFrame& f = hdlc_frames_[i];
    received_.push_back({f.channel, {hdlc_frame_octets_.data() + f.offset, f.length}});
  }
  // Offers last one run; the options that say "this run only" go too.
  std::fill(transmit_requests_.begin(), transmit_requests_.end(), hdlc::TransmitRequest{});
  for (auto& c : controls_) c.options &= static_cast<std::uint8_t>(~tdm_framer::kOptionSkipReceive);
}

std::uint32_t TdmEngine::block_octets(std::uint32_t span) const {
  return setups_[span].type == tdm::kE1 ? tdm_framer::kE1BlockOctets : tdm_framer::kT1BlockOctets;
}

std::span<const std::uint8_t> TdmEngine::transmit_line(std::uint32_t span) const {
  return {transmit_line_.data() + std::size_t{span} * tdm_framer::kLineBlockOctets, block_octets(span)};
}

std::span<const std::uint8_t> TdmEngine::receive_timeslots(std::uint32_t span) const {
  return {receive_timeslots_.data() + std::size_t{span} * tdm_mux::kSpanTimeslotBytes, tdm_mux::kSpanTimeslotBytes};
}

void CpuTdmEngine::run_kernels() {
  const std::uint32_t n = span_count_;
  ::tdm_framer(controls_.data(), transmit_payload_.data(), transmit_line_.data(), receive_line_.data(),
               receive_payload_.data(), framer_states_.data(), statuses_.data(), n);
  ::tdm_mux(receive_payload_.data(), receive_timeslots_.data(), receive_dchannels_.data(), transmit_timeslots_.data(),
            transmit_dchannels_.data(), transmit_payload_.data(), layouts_.data(), n);
  ::hdlc(receive_dchannels_.data(), hdlc_receive_states_.data(), hdlc_frames_.data(), hdlc_frame_octets_.data(),
         &hdlc_summary_, transmit_requests_.data(), transmit_octets_.data(), hdlc_transmit_states_.data(),
         transmit_dchannels_.data(), transmit_status_.data(), n, kMinFrameLength, kMaxFrameLength,
         static_cast<std::uint32_t>(hdlc_frames_.size()), static_cast<std::uint32_t>(hdlc_frame_octets_.size()),
         static_cast<std::uint32_t>(transmit_octets_.size()));
}

}  // namespace sipnic::offload
