// CountingSipParseEngine: a SipParseEngine that hands every batch to another
// engine and counts what it was given (calls, segments, segment bytes). For
// the tests and benchmarks that show how often the receive path parses the
// bytes of a stream (tests/unit/sip/transport_test.cpp,
// bench/stream_reassembly.cpp); the node itself does not use it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "offload/sip_parse_engine.h"

namespace sipnic::offload {

class CountingSipParseEngine final : public SipParseEngine {
 public:
  explicit CountingSipParseEngine(SipParseEngine& inner) : inner_(inner) {}

  void parse(std::span<const std::uint8_t> bytes, std::span<const SegmentDescriptor> segments,
             SipParseOutput& out) override {
    ++calls_;
    segments_ += segments.size();
    for (const SegmentDescriptor& s : segments) bytes_ += s.length;
    inner_.parse(bytes, segments, out);
  }
  std::optional<std::uint64_t> cycles_of_last_run() const override { return inner_.cycles_of_last_run(); }

  std::uint64_t calls() const { return calls_; }
  std::uint64_t segments() const { return segments_; }
  std::uint64_t bytes() const { return bytes_; }  // sum of the segments' lengths

 private:
  SipParseEngine& inner_;
  std::uint64_t calls_ = 0;
  std::uint64_t segments_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace sipnic::offload
