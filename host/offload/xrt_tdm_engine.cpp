#include "offload/xrt_tdm_engine.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace sipnic::offload {
namespace {

// The arrays of TdmEngine's argument memory, in the order of kArrays.
namespace array {
enum Id : std::size_t {
  kControls,
  kTransmitPayload,
  kTransmitLine,
  kReceiveLine,
  kReceivePayload,
  kFramerStates,
  kStatuses,
  kReceiveTimeslots,
  kReceiveDchannels,
  kTransmitTimeslots,
  kTransmitDchannels,
  kLayouts,
  kHdlcReceiveStates,
  kHdlcFrames,
  kHdlcFrameOctets,
  kHdlcSummary,
  kTransmitRequests,
  kTransmitOctets,
  kHdlcTransmitStates,
  kTransmitStatus,
  kArrayCount,
};
}  // namespace array

template <typename T>
std::span<std::uint8_t> bytes_of(std::vector<T>& v) {
  return {reinterpret_cast<std::uint8_t*>(v.data()), v.size() * sizeof(T)};
}

std::string_view kernel_name(int k) {
  switch (k) {
    case 0: return kTdmFramerKernel;
    case 1: return kTdmMuxKernel;
    default: return kHdlcKernel;
  }
}

}  // namespace

const std::array<XrtTdmEngine::Array, 20> XrtTdmEngine::kArrays = {{
    {Flow::kInput, {kFramer, kTdmFramerControls}, false, {}},
    // mux writes it, the next run's framer sends it
    {Flow::kOutput, {kMux, kTdmMuxTransmitFrames}, true, {kFramer, kTdmFramerTransmitPayload}},
    {Flow::kOutput, {kFramer, kTdmFramerTransmitLine}, false, {}},
    {Flow::kInput, {kFramer, kTdmFramerReceiveLine}, false, {}},
    // framer writes it, mux reads it in the same run
    {Flow::kOutput, {kFramer, kTdmFramerReceivePayload}, true, {kMux, kTdmMuxReceiveFrames}},
    {Flow::kState, {kFramer, kTdmFramerStates}, false, {}},
    {Flow::kOutput, {kFramer, kTdmFramerStatuses}, false, {}},
    {Flow::kOutput, {kMux, kTdmMuxReceiveTimeslots}, false, {}},
    // mux writes it, hdlc reads it in the same run
    {Flow::kOutput, {kMux, kTdmMuxReceiveDchannels}, true, {kHdlc, kHdlcReceiveLine}},
    {Flow::kInput, {kMux, kTdmMuxTransmitTimeslots}, false, {}},
    // hdlc writes it, the next run's mux puts it in the frames
    {Flow::kOutput, {kHdlc, kHdlcTransmitLine}, true, {kMux, kTdmMuxTransmitDchannels}},
    {Flow::kInput, {kMux, kTdmMuxSpans}, false, {}},
    {Flow::kState, {kHdlc, kHdlcReceiveStates}, false, {}},
    {Flow::kOutput, {kHdlc, kHdlcReceivedFrames}, false, {}},
    {Flow::kOutput, {kHdlc, kHdlcReceivedOctets}, false, {}},
    {Flow::kOutput, {kHdlc, kHdlcReceiveSummary}, false, {}},
    {Flow::kInput, {kHdlc, kHdlcTransmitRequests}, false, {}},
    {Flow::kInput, {kHdlc, kHdlcTransmitOctets}, false, {}},
    {Flow::kState, {kHdlc, kHdlcTransmitStates}, false, {}},
    {Flow::kOutput, {kHdlc, kHdlcTransmitStatus}, false, {}},
}};
static_assert(array::kArrayCount == 20, "XrtTdmEngine::kArrays has an entry per array::Id");

XrtTdmEngine::XrtTdmEngine(std::shared_ptr<const XrtContext> ctx) : ctx_(std::move(ctx)) {
  if (!ctx_ || !ctx_->has_tdm()) {
    throw std::runtime_error("xrt backend: xclbin '" + (ctx_ ? ctx_->xclbin_path : std::string("?")) +
                             "' lacks the TDM kernel(s) " +
                             (ctx_ ? ctx_->missing_tdm_kernels() : std::string("tdm_framer, tdm_mux, hdlc")));
  }
  for (int k = 0; k < kKernelCount; ++k) runs_[k] = xrt::run(kernel(static_cast<Kernel>(k)));
}

const xrt::kernel& XrtTdmEngine::kernel(Kernel k) const {
  switch (k) {
    case kFramer: return ctx_->tdm_framer;
    case kMux: return ctx_->tdm_mux;
    default: return ctx_->hdlc;
  }
}

const xrt::bo& XrtTdmEngine::bound(Kernel k, int arg) const {
  for (std::size_t i = 0; i < kArrays.size(); ++i) {
    const Array& a = kArrays[i];
    if (a.first.kernel == k && a.first.arg == arg) return buffers_[i].first.bo;
    if (a.has_second && a.second.kernel == k && a.second.arg == arg) {
      return buffers_[i].split ? buffers_[i].second.bo : buffers_[i].first.bo;
    }
  }
  throw std::invalid_argument(std::string(kernel_name(k)) + " argument " + std::to_string(arg) +
                              " is not a buffer");
}

std::size_t XrtTdmEngine::split_arrays() const {
  std::size_t n = 0;
  for (const Buffers& b : buffers_) n += b.split ? 1 : 0;
  return n;
}

std::span<std::uint8_t> XrtTdmEngine::host_bytes(std::size_t i) {
  switch (static_cast<array::Id>(i)) {
    case array::kControls: return bytes_of(controls_);
    case array::kTransmitPayload: return bytes_of(transmit_payload_);
    case array::kTransmitLine: return bytes_of(transmit_line_);
    case array::kReceiveLine: return bytes_of(receive_line_);
    case array::kReceivePayload: return bytes_of(receive_payload_);
    case array::kFramerStates: return bytes_of(framer_states_);
    case array::kStatuses: return bytes_of(statuses_);
    case array::kReceiveTimeslots: return bytes_of(receive_timeslots_);
    case array::kReceiveDchannels: return bytes_of(receive_dchannels_);
    case array::kTransmitTimeslots: return bytes_of(transmit_timeslots_);
    case array::kTransmitDchannels: return bytes_of(transmit_dchannels_);
    case array::kLayouts: return bytes_of(layouts_);
    case array::kHdlcReceiveStates: return bytes_of(hdlc_receive_states_);
    case array::kHdlcFrames: return bytes_of(hdlc_frames_);
    case array::kHdlcFrameOctets: return bytes_of(hdlc_frame_octets_);
    case array::kHdlcSummary: return {reinterpret_cast<std::uint8_t*>(&hdlc_summary_), sizeof hdlc_summary_};
    case array::kTransmitRequests: return bytes_of(transmit_requests_);
    case array::kTransmitOctets: return bytes_of(transmit_octets_);
    case array::kHdlcTransmitStates: return bytes_of(hdlc_transmit_states_);
    case array::kTransmitStatus: return bytes_of(transmit_status_);
    case array::kArrayCount: break;
  }
  throw std::logic_error("XrtTdmEngine: no array " + std::to_string(i));
}

bool XrtTdmEngine::reserve() {
  bool allocated = false;
  const auto room = [&](XrtBuffer& b, const Use& use, std::size_t bytes) {
    const std::size_t before = b.capacity;
    b.reserve(ctx_->device, kernel(use.kernel).group_id(use.arg), bytes);
    allocated = allocated || b.capacity != before;
  };
  for (std::size_t i = 0; i < kArrays.size(); ++i) {
    const Array& a = kArrays[i];
    Buffers& b = buffers_[i];
    const std::size_t bytes = host_bytes(i).size();
    room(b.first, a.first, bytes);
    b.split = a.has_second &&
              kernel(a.second.kernel).group_id(a.second.arg) != kernel(a.first.kernel).group_id(a.first.arg);
    if (b.split) room(b.second, a.second, bytes);
  }
  return allocated;
}

void XrtTdmEngine::upload(std::size_t i, XrtBuffer& to) {
  const std::span<std::uint8_t> host = host_bytes(i);
  if (host.empty()) return;
  std::memcpy(to.host, host.data(), host.size());
  to.to_device(host.size());
}

void XrtTdmEngine::fetch(std::size_t i, std::size_t bytes) {
  if (bytes == 0) return;
  XrtBuffer& from = buffers_[i].first;
  from.from_device(bytes);
  std::memcpy(host_bytes(i).data(), from.host, bytes);
}

void XrtTdmEngine::set_args(Kernel k) {
  xrt::run& run = runs_[k];
  for (std::size_t i = 0; i < kArrays.size(); ++i) {
    const Array& a = kArrays[i];
    if (a.first.kernel == k) run.set_arg(a.first.arg, buffers_[i].first.bo);
    if (a.has_second && a.second.kernel == k) {
      run.set_arg(a.second.arg, buffers_[i].split ? buffers_[i].second.bo : buffers_[i].first.bo);
    }
  }
  const std::uint32_t n = span_count_;
  switch (k) {
    case kFramer: run.set_arg(kTdmFramerSpanCount, n); break;
    case kMux: run.set_arg(kTdmMuxSpanCount, n); break;
    default:
      run.set_arg(kHdlcChannelCount, n);
      run.set_arg(kHdlcMinFrameLength, hdlc::kQ921MinFrameLength);
      run.set_arg(kHdlcMaxFrameLength, hdlc::kQ921MaxFrameLength);
      run.set_arg(kHdlcFrameCapacity, static_cast<std::uint32_t>(hdlc_frames_.size()));
      run.set_arg(kHdlcOctetCapacity, static_cast<std::uint32_t>(hdlc_frame_octets_.size()));
      run.set_arg(kHdlcTransmitOctetBytes, static_cast<std::uint32_t>(transmit_octets_.size()));
      break;
  }
}

void XrtTdmEngine::feed_split_readers(Kernel k) {
  for (std::size_t i = 0; i < kArrays.size(); ++i) {
    const Array& a = kArrays[i];
    Buffers& b = buffers_[i];
    if (!b.split || a.second.kernel != k) continue;
    if (a.first.kernel < k) {
      // Written earlier in this run: device to host to device.
      const std::size_t bytes = host_bytes(i).size();
      b.first.from_device(bytes);
      std::memcpy(b.second.host, b.first.host, bytes);
      b.second.to_device(bytes);
    } else {
      // Written by the last run and fetched into the host vector since.
      upload(i, b.second);
    }
  }
}

void XrtTdmEngine::start(Kernel k) {
  feed_split_readers(k);
  set_args(k);
  try {
    xrt_start_and_wait(runs_[k], kernel_name(k), ctx_->run_timeout);
  } catch (...) {
    broken_ = true;
    throw;
  }
}

void XrtTdmEngine::fetch_received_frames() {
  fetch(array::kHdlcSummary, sizeof hdlc_summary_);
  const hdlc::ReceiveSummary summary = hdlc_summary_;
  const auto refuse = [&](const std::string& what) {
    hdlc_summary_ = {};  // nothing of it reaches received_frames()
    throw std::runtime_error("xrt backend: hdlc output breaks docs/kernels.md: " + what);
  };
  if (summary.status != hdlc::kOk) refuse("receive_summary.status " + std::to_string(summary.status));
  if (summary.frame_count > hdlc_frames_.size() || summary.octet_count > hdlc_frame_octets_.size()) {
    refuse(std::to_string(summary.frame_count) + " frames, " + std::to_string(summary.octet_count) +
           " octets, beyond the capacities " + std::to_string(hdlc_frames_.size()) + " and " +
           std::to_string(hdlc_frame_octets_.size()));
  }
  fetch(array::kHdlcFrames, std::size_t{summary.frame_count} * sizeof(hdlc::ReceivedFrame));
  fetch(array::kHdlcFrameOctets, summary.octet_count);
  for (std::uint32_t f = 0; f < summary.frame_count; ++f) {
    const hdlc::ReceivedFrame& r = hdlc_frames_[f];
    if (r.channel >= span_count_ || std::uint64_t{r.offset} + r.length > summary.octet_count) {
      refuse("frame " + std::to_string(f) + " (channel " + std::to_string(r.channel) + ", offset " +
             std::to_string(r.offset) + ", length " + std::to_string(r.length) + ") outside the " +
             std::to_string(summary.octet_count) + " octets of " + std::to_string(span_count_) + " channels");
    }
  }
}

void XrtTdmEngine::run_kernels() {
  if (broken_) throw std::runtime_error("xrt backend: TDM engine unusable after a run that did not complete");
  if (reserve()) upload_all_ = true;
  if (upload_all_) {
    // After configure(): the device starts from the host's reset arrays,
    // the states included.
    for (std::size_t i = 0; i < kArrays.size(); ++i) {
      upload(i, buffers_[i].first);
      if (buffers_[i].split) upload(i, buffers_[i].second);
    }
    upload_all_ = false;
  } else {
    for (std::size_t i = 0; i < kArrays.size(); ++i) {
      if (kArrays[i].flow == Flow::kInput) upload(i, buffers_[i].first);
    }
  }

  start(kFramer);
  start(kMux);
  start(kHdlc);

  for (std::size_t i = 0; i < kArrays.size(); ++i) {
    const bool counted = i == array::kHdlcFrames || i == array::kHdlcFrameOctets || i == array::kHdlcSummary;
    if (kArrays[i].flow == Flow::kInput || counted) continue;
    fetch(i, host_bytes(i).size());
  }
  fetch_received_frames();
}

}  // namespace sipnic::offload
