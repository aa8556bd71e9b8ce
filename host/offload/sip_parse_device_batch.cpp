// SipParseDeviceBatch (sip_parse_device_batch.h).
#include "offload/sip_parse_device_batch.h"

#include <stdexcept>
#include <string>

namespace sipnic::offload {
namespace {

std::runtime_error contract_error(std::string_view backend, const std::string& what) {
  return std::runtime_error(std::string(backend) + " backend: sip_parse output breaks docs/kernels.md: " + what);
}

}  // namespace

void SipParseDeviceBatch::prepare(std::span<const std::uint8_t> bytes, std::span<const SegmentDescriptor> segments) {
  descriptors.assign(segments.begin(), segments.end());
  outside.clear();
  message_capacity = 1;
  header_capacity = 1;
  for (std::size_t i = 0; i < descriptors.size(); ++i) {
    SegmentDescriptor& d = descriptors[i];
    if (d.offset > bytes.size() || d.length > bytes.size() - d.offset) {
      outside.push_back(i);
      d.offset = 0;
      d.length = 0;
      continue;
    }
    message_capacity += d.length / 4;
    header_capacity += d.length / 3;
  }
}

std::uint64_t SipParseDeviceBatch::finish_segments(std::vector<SegmentResult>& results,
                                                   std::string_view backend) const {
  for (std::size_t i : outside) {
    SegmentResult& r = results.at(i);
    if (r.message_count != 0 || r.consumed != 0 || r.error != 0 || r.pending_total_len != 0) {
      throw contract_error(backend, "empty segment " + std::to_string(i) + " has output");
    }
    r.error = static_cast<std::uint8_t>(ParseError::kBadBytes);
    r.error_offset = 0;
  }
  std::uint64_t messages = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const SegmentResult& r = results[i];
    if (r.first_message != messages) {
      throw contract_error(backend, "segment " + std::to_string(i) + " first_message " +
                                        std::to_string(r.first_message) + ", expected " + std::to_string(messages));
    }
    messages += r.message_count;
  }
  if (messages > message_capacity) {
    throw contract_error(backend,
                         std::to_string(messages) + " messages, capacity " + std::to_string(message_capacity));
  }
  return messages;
}

std::uint64_t SipParseDeviceBatch::count_headers(const std::vector<MessageRecord>& messages,
                                                 std::string_view backend) const {
  std::uint64_t headers = 0;
  for (std::size_t j = 0; j < messages.size(); ++j) {
    const MessageRecord& m = messages[j];
    if (m.first_header != headers) {
      throw contract_error(backend, "message " + std::to_string(j) + " first_header " +
                                        std::to_string(m.first_header) + ", expected " + std::to_string(headers));
    }
    headers += m.header_count;
  }
  if (headers > header_capacity) {
    throw contract_error(backend, std::to_string(headers) + " headers, capacity " + std::to_string(header_capacity));
  }
  return headers;
}

}  // namespace sipnic::offload
