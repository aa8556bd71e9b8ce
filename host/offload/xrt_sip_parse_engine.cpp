#include "offload/xrt_sip_parse_engine.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace sipnic::offload {
namespace {

constexpr std::uint64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();

std::runtime_error contract_error(const std::string& what) {
  return std::runtime_error("xrt backend: sip_parse output breaks docs/kernels.md: " + what);
}

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

  // Descriptors the kernel can follow: the kernel has no buffer size, so a
  // descriptor outside the buffer goes to it as an empty segment and gets
  // its error here (kBadBytes at offset 0, as the cpu parser reports it).
  // Capacities that cannot overflow (docs/kernels.md): /4 for messages and
  // /3 for header lines.
  descriptors_.assign(segments.begin(), segments.end());
  outside_.clear();
  std::uint64_t msg_cap = 1;
  std::uint64_t hdr_cap = 1;
  for (std::size_t i = 0; i < n; ++i) {
    SegmentDescriptor& d = descriptors_[i];
    if (d.offset > bytes.size() || d.length > bytes.size() - d.offset) {
      outside_.push_back(i);
      d.offset = 0;
      d.length = 0;
      continue;
    }
    msg_cap += d.length / 4;
    hdr_cap += d.length / 3;
  }
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
  std::memcpy(segments_.host, descriptors_.data(), seg_bytes);
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
  for (std::size_t i : outside_) {
    SegmentResult& r = out.segments[i];
    if (r.message_count != 0 || r.consumed != 0 || r.error != 0) {
      throw contract_error("empty segment " + std::to_string(i) + " has output");
    }
    r.error = static_cast<std::uint8_t>(ParseError::kBadBytes);
    r.error_offset = 0;
  }

  // Messages are appended in segment order, indices global to the batch.
  std::uint64_t messages = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const SegmentResult& r = out.segments[i];
    if (r.first_message != messages) {
      throw contract_error("segment " + std::to_string(i) + " first_message " + std::to_string(r.first_message) +
                           ", expected " + std::to_string(messages));
    }
    messages += r.message_count;
  }
  if (messages > message_capacity_) {
    throw contract_error(std::to_string(messages) + " messages, capacity " + std::to_string(message_capacity_));
  }
  messages_.from_device(messages * sizeof(MessageRecord));
  out.messages.resize(messages);
  if (messages > 0) std::memcpy(out.messages.data(), messages_.host, messages * sizeof(MessageRecord));

  std::uint64_t headers = 0;
  for (std::size_t j = 0; j < out.messages.size(); ++j) {
    const MessageRecord& m = out.messages[j];
    if (m.first_header != headers) {
      throw contract_error("message " + std::to_string(j) + " first_header " + std::to_string(m.first_header) +
                           ", expected " + std::to_string(headers));
    }
    headers += m.header_count;
  }
  if (headers > header_capacity_) {
    throw contract_error(std::to_string(headers) + " headers, capacity " + std::to_string(header_capacity_));
  }
  headers_.from_device(headers * sizeof(HeaderRecord));
  out.headers.resize(headers);
  if (headers > 0) std::memcpy(out.headers.data(), headers_.host, headers * sizeof(HeaderRecord));
}

}  // namespace sipnic::offload
