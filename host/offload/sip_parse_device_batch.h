// What the device backends of SipParseEngine (sim, xrt) do around one run of
// the sip_parse kernel, the same for both: the descriptors the kernel gets
// (it has no buffer size, so one outside the buffer goes in as an empty
// segment and gets kBadBytes at offset 0 here, as the cpu parser reports it),
// output capacities that cannot overflow (docs/kernels.md), and the checks
// that the kernel's output chains up before the host reads its records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "offload/sip_index.h"

namespace sipnic::offload {

struct SipParseDeviceBatch {
  std::vector<SegmentDescriptor> descriptors;  // as the kernel gets them
  std::vector<std::size_t> outside;            // indices of descriptors outside the buffer
  std::uint64_t message_capacity = 1;          // bytes/4 + 1 over the segments it can read
  std::uint64_t header_capacity = 1;           // bytes/3 + 1

  // Fills this batch for one parse() call.
  void prepare(std::span<const std::uint8_t> bytes, std::span<const SegmentDescriptor> segments);
  // Completes the segment results the kernel wrote (the outside ones' errors)
  // and checks their chaining; returns the number of messages to read.
  // Throws std::runtime_error naming `backend` if the output breaks the
  // contract.
  std::uint64_t finish_segments(std::vector<SegmentResult>& results, std::string_view backend) const;
  // Checks the messages' header chaining; returns the number of header
  // records to read. Throws like finish_segments.
  std::uint64_t count_headers(const std::vector<MessageRecord>& messages, std::string_view backend) const;
};

}  // namespace sipnic::offload
