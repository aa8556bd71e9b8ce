// CpuSipParseEngine: the reference SipParseEngine and the fast path without a
// card. It works the way the RTL kernel does: a classification pass turns each
// 64-byte block into bitmasks (LF, ':', SP/HTAB, bad bytes, line stops), in the
// manner of simdjson's stage 1, and a second pass walks line boundaries taken
// from those masks. Each header is indexed once; nothing is rescanned.
//
// The classification runs with AVX2 when the CPU has it (chosen at run time)
// and with SSE2 otherwise, so one binary serves every x86-64 host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "offload/sip_parse_engine.h"

namespace sipnic::offload {

// Bitmasks of one 64-byte block; bit i describes byte i of the block.
struct ByteClassMasks {
  std::uint64_t lf;
  std::uint64_t colon;
  std::uint64_t ws;    // SP or HTAB
  std::uint64_t bad;   // CR, 0x00-0x1F except HTAB and LF, 0x7F: not allowed in a
                       // line (a quoted-pair may excuse some; the walk decides)
  // lf | bad, minus every CR whose next byte in the same block is an LF. A
  // well-formed header line has no bit of `stop` before its LF, so the walk
  // finds the line end and proves the line free of bad bytes with one scan.
  std::uint64_t stop;
};

// Which classification kernel an engine uses.
enum class SimdLevel : std::uint8_t { kSse2, kAvx2 };

class CpuSipParseEngine final : public SipParseEngine {
 public:
  explicit CpuSipParseEngine(SipParseLimits limits = {});
  // For tests and benchmarks: force a classification kernel. kAvx2 on a CPU
  // without AVX2 falls back to kSse2.
  CpuSipParseEngine(SipParseLimits limits, SimdLevel level);

  // Clears `out` and fills it for this batch. Never throws on bad input (only
  // std::bad_alloc can escape when the output vectors grow).
  void parse(std::span<const std::uint8_t> bytes, std::span<const SegmentDescriptor> segments,
             SipParseOutput& out) override;

  SimdLevel simd_level() const { return level_; }
  const SipParseLimits& limits() const { return limits_; }

 private:
  using ClassifyFn = void (*)(const std::uint8_t* p, std::size_t blocks, ByteClassMasks* out);

  SipParseLimits limits_;
  SimdLevel level_;
  ClassifyFn classify_;
  // Scratch: the masks of the segment being parsed, one entry per 64-byte block.
  // Kept across calls so that steady-state parsing does not allocate; not a
  // vector because value-initialising it would cost a pass over the memory.
  std::unique_ptr<ByteClassMasks[]> masks_;
  std::size_t masks_capacity_ = 0;
};

}  // namespace sipnic::offload
