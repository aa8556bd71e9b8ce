// SimSipParseEngine: XRT's host-side sequence against the Verilated sip_parse.
#include "offload/sim_sip_parse_engine.h"
#include "offload/sip_parse_device_batch.h"

#include <Vsip_parse.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "offload/kernel_registers.h"
#include "sim/device_memory.h"
#include "sim/kernel_harness.h"

namespace sipnic::offload {

namespace {

constexpr std::uint32_t reg(SipParseArg arg) { return arg_offset(kSipParseArgs, arg); }

constexpr std::uint64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();

// Cycle budget of one run: generous multiples of what the kernel needs (a
// 64-byte chunk per cycle, start lines at two bytes per cycle, a few hundred
// cycles of memory latency per segment at worst), so only a hung kernel runs
// out of it.
std::uint64_t cycle_budget(std::size_t bytes, std::size_t segments) {
  return 200'000 + 2 * std::uint64_t{bytes} + 2'000 * std::uint64_t{segments};
}

}  // namespace

struct SimSipParseEngine::Card {
  explicit Card(sim::MemoryModelConfig memory) : harness(memory) {}

  sim::KernelHarness<Vsip_parse> harness;
  sim::GrowingBuffer bytes;
  sim::GrowingBuffer segments;
  sim::GrowingBuffer results;
  sim::GrowingBuffer messages;
  sim::GrowingBuffer headers;
  SipParseDeviceBatch batch;  // descriptors as the kernel gets them, capacities
};

SimSipParseEngine::SimSipParseEngine(SipParseLimits limits, sim::MemoryModelConfig memory)
    : card_(std::make_unique<Card>(memory)), limits_(limits) {}

SimSipParseEngine::~SimSipParseEngine() = default;

void SimSipParseEngine::parse(std::span<const std::uint8_t> bytes, std::span<const SegmentDescriptor> segments,
                              SipParseOutput& out) {
  out.clear();
  last_run_cycles_ = 0;
  const std::size_t n = segments.size();
  if (n == 0) return;
  Card& card = *card_;

  card.batch.prepare(bytes, segments);
  const std::uint64_t msg_cap = card.batch.message_capacity;
  const std::uint64_t hdr_cap = card.batch.header_capacity;
  if (bytes.size() > kMaxU32 || n > kMaxU32 || msg_cap > kMaxU32 || hdr_cap > kMaxU32) {
    throw std::length_error("sim backend: sip_parse batch too large (counts and capacities are u32)");
  }

  // Buffers (XRT: xrt::bo) and host-to-device sync.
  sim::DeviceMemory& memory = card.harness.memory();
  card.bytes.reserve(memory, bytes.size());
  card.segments.reserve(memory, n * sizeof(SegmentDescriptor));
  card.results.reserve(memory, n * sizeof(SegmentResult));
  card.messages.reserve(memory, msg_cap * sizeof(MessageRecord));
  card.headers.reserve(memory, hdr_cap * sizeof(HeaderRecord));
  if (!bytes.empty()) memory.write(card.bytes.addr, bytes);
  memory.write(card.segments.addr, {reinterpret_cast<const std::uint8_t*>(card.batch.descriptors.data()),
                                    n * sizeof(SegmentDescriptor)});

  // Arguments, start, wait (XRT: xrt::run set_arg/start/wait).
  auto& h = card.harness;
  h.write_reg64(reg(kSipParseBytes), card.bytes.addr);
  h.write_reg64(reg(kSipParseSegments), card.segments.addr);
  h.write_reg64(reg(kSipParseSegmentResults), card.results.addr);
  h.write_reg64(reg(kSipParseMessages), card.messages.addr);
  h.write_reg64(reg(kSipParseHeaders), card.headers.addr);
  h.write_reg(reg(kSipParseSegmentCount), static_cast<std::uint32_t>(n));
  h.write_reg(reg(kSipParseMaxMessageBytes), limits_.max_message_bytes);
  h.write_reg(reg(kSipParseMessageCapacity), static_cast<std::uint32_t>(msg_cap));
  h.write_reg(reg(kSipParseHeaderCapacity), static_cast<std::uint32_t>(hdr_cap));
  const std::uint64_t started = h.cycles();
  h.start();
  h.wait_done(cycle_budget(bytes.size(), n));
  last_run_cycles_ = h.cycles() - started;

  // Device-to-host sync: the results, then as many records as they say.
  out.segments.resize(n);
  memory.read(card.results.addr, {reinterpret_cast<std::uint8_t*>(out.segments.data()), n * sizeof(SegmentResult)});
  const std::uint64_t messages = card.batch.finish_segments(out.segments, "sim");
  out.messages.resize(messages);
  if (messages > 0) {
    memory.read(card.messages.addr,
                {reinterpret_cast<std::uint8_t*>(out.messages.data()), messages * sizeof(MessageRecord)});
  }
  const std::uint64_t headers = card.batch.count_headers(out.messages, "sim");
  out.headers.resize(headers);
  if (headers > 0) {
    memory.read(card.headers.addr,
                {reinterpret_cast<std::uint8_t*>(out.headers.data()), headers * sizeof(HeaderRecord)});
  }
}

std::uint64_t SimSipParseEngine::last_run_cycles() const { return last_run_cycles_; }

}  // namespace sipnic::offload
