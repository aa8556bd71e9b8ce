// SipParseEngine: batch in (stream segments), batch out (header index).
// Backends: cpu (this folder), sim and xrt (issue 4) behind offload::Device.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "offload/sip_index.h"

namespace sipnic::offload {

struct SipParseLimits {
  // A message (headers + body) longer than this is an error: kHeaderTooLong if
  // the blank line is not found within it, else kMessageTooLarge.
  std::uint32_t max_message_bytes = 64 * 1024;
};

// The output arrays of one batch. Records refer to each other by index.
struct SipParseOutput {
  std::vector<SegmentResult> segments;  // one per input descriptor, same order
  std::vector<MessageRecord> messages;
  std::vector<HeaderRecord> headers;
  void clear() {
    segments.clear();
    messages.clear();
    headers.clear();
  }
};

class SipParseEngine {
 public:
  virtual ~SipParseEngine() = default;
  // Parses every segment of the batch. Never throws on bad input: errors are
  // reported per segment in SegmentResult::error.
  virtual void parse(std::span<const std::uint8_t> bytes,
                     std::span<const SegmentDescriptor> segments,
                     SipParseOutput& out) = 0;

  // Kernel clock cycles of the last parse, start to done, where the backend
  // counts them (sim: simulated cycles, a projection, not a measurement of
  // hardware); nullopt elsewhere.
  virtual std::optional<std::uint64_t> cycles_of_last_run() const { return std::nullopt; }
};

}  // namespace sipnic::offload
