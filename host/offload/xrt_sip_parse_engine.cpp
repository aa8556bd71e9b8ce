#include "offload/xrt_sip_parse_engine.h"
#include "offload/sip_parse_device_batch.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace sipnic::offload {
namespace {

constexpr std::uint64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();


}  // namespace

XrtSipParseEngine::XrtSipParseEngine(std::shared_ptr<const XrtContext> ctx, SipParseLimits limits)
    : ctx_(std::move(ctx)), limits_(limits) {
  if (!ctx_ || !ctx_->has_sip_parse()) {
    throw std::runtime_error("xrt backend: xclbin '" + (ctx_ ? ctx_->xclbin_path : std::string("?")) +
                             "' has no sip_parse kernel");
  }
  run_ = xrt::run(ctx_->sip_parse);
}

const xrt::bo& XrtSipParseEngine::buffer(SipParseArg arg) const {
  switch (arg) {
    case kSipParseBytes: return bytes_.bo;
    case kSipParseSegments: return segments_.bo;
    case kSipParseSegmentResults: return results_.bo;
    case kSipParseMessages: return messages_.bo;
    case kSipParseHeaders: return headers_.bo;
    default: throw std::invalid_argument("sip_parse argument " + std::to_string(arg) + " is not a buffer");
  }
}

void XrtSipParseEngine::parse(std::span<const std::uint8_t> bytes, std::span<const SegmentDescriptor> segments,
                              SipParseOutput& out) {
  out.clear();
  const std::size_t n = segments.size();
  if (n == 0) return;
  if (broken_) {
    throw std::runtime_error("xrt backend: sip_parse engine unusable after a run that did not complete");
  }

  batch_.prepare(bytes, segments);
  const std::uint64_t msg_cap = batch_.message_capacity;
  const std::uint64_t hdr_cap = batch_.header_capacity;
  if (n > kMaxU32 || msg_cap > kMaxU32 || hdr_cap > kMaxU32) {
    throw std::length_error("xrt backend: sip_parse batch too large (counts and capacities are u32)");
  }
  message_capacity_ = static_cast<std::uint32_t>(msg_cap);
  header_capacity_ = static_cast<std::uint32_t>(hdr_cap);

  const xrt::kernel& k = ctx_->sip_parse;
  const std::size_t seg_bytes = n * sizeof(SegmentDescriptor);
  const std::size_t res_bytes = n * sizeof(SegmentResult);
  bytes_.reserve(ctx_->device, k.group_id(kSipParseBytes), bytes.size());
  segments_.reserve(ctx_->device, k.group_id(kSipParseSegments), seg_bytes);
  results_.reserve(ctx_->device, k.group_id(kSipParseSegmentResults), res_bytes);
  messages_.reserve(ctx_->device, k.group_id(kSipParseMessages), msg_cap * sizeof(MessageRecord));
  headers_.reserve(ctx_->device, k.group_id(kSipParseHeaders), hdr_cap * sizeof(HeaderRecord));

  if (!bytes.empty()) {
    std::memcpy(bytes_.host, bytes.data(), bytes.size());
    bytes_.to_device(bytes.size());
  }
  std::memcpy(segments_.host, batch_.descriptors.data(), seg_bytes);
  segments_.to_device(seg_bytes);

  run_.set_arg(kSipParseBytes, bytes_.bo);
  run_.set_arg(kSipParseSegments, segments_.bo);
  run_.set_arg(kSipParseSegmentResults, results_.bo);
  run_.set_arg(kSipParseMessages, messages_.bo);
  run_.set_arg(kSipParseHeaders, headers_.bo);
  run_.set_arg(kSipParseSegmentCount, static_cast<std::uint32_t>(n));
  run_.set_arg(kSipParseMaxMessageBytes, limits_.max_message_bytes);
  run_.set_arg(kSipParseMessageCapacity, message_capacity_);
  run_.set_arg(kSipParseHeaderCapacity, header_capacity_);
  try {
    xrt_start_and_wait(run_, kSipParseKernel, ctx_->run_timeout);
  } catch (...) {
    broken_ = true;
    throw;
  }

  results_.from_device(res_bytes);
  out.segments.resize(n);
  std::memcpy(out.segments.data(), results_.host, res_bytes);
  const std::uint64_t messages = batch_.finish_segments(out.segments, "xrt");
  messages_.from_device(messages * sizeof(MessageRecord));
  out.messages.resize(messages);
  if (messages > 0) std::memcpy(out.messages.data(), messages_.host, messages * sizeof(MessageRecord));

  const std::uint64_t headers = batch_.count_headers(out.messages, "xrt");
  headers_.from_device(headers * sizeof(HeaderRecord));
  out.headers.resize(headers);
  if (headers > 0) std::memcpy(out.headers.data(), headers_.host, headers * sizeof(HeaderRecord));
}

}  // namespace sipnic::offload
